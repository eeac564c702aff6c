"""SS122 (ss122_shell_form_cmd): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM alpine:3.20\nCMD echo hi\n", {}, id="cmd"),
    pytest.param("FROM alpine:3.20\nENTRYPOINT /app --serve\n", {}, id="entrypoint"),
    pytest.param("FROM alpine:3.20\nCMD [\"echo\", 'hi']\n", {}, id="invalid json is shell form"),
]

PASSES = [
    pytest.param('FROM alpine:3.20\nCMD ["echo", "hi"]\n', {}, id="exec"),
    pytest.param(
        'FROM alpine:3.20 AS b\nCMD echo\nFROM alpine:3.20\nCMD ["x"]\n',
        {},
        id="builder stage is not the image",
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS122", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS122", text, **context)
