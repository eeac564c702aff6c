"""SS123 (ss123_multiple_cmd): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param('FROM alpine:3.20\nCMD ["a"]\nCMD ["b"]\n', {}, id="two cmd"),
    pytest.param('FROM alpine:3.20\nENTRYPOINT ["a"]\nENTRYPOINT ["b"]\n', {}, id="two entrypoint"),
]

PASSES = [
    pytest.param(
        'FROM alpine:3.20 AS a\nCMD ["a"]\nFROM alpine:3.20\nCMD ["b"]\n', {}, id="one per stage"
    ),
    pytest.param('FROM alpine:3.20\nENTRYPOINT ["a"]\nCMD ["b"]\n', {}, id="cmd and entrypoint"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS123", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS123", text, **context)
