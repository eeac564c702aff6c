"""SS121 (ss121_relative_workdir): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM alpine:3.20\nWORKDIR app\n", {}, id="relative"),
    pytest.param("FROM alpine:3.20\nWORKDIR ./src\n", {}, id="dot relative"),
]

PASSES = [
    pytest.param("FROM alpine:3.20\nWORKDIR /app\n", {}, id="absolute"),
    pytest.param("FROM alpine:3.20\nWORKDIR $HOME/app\n", {}, id="variable"),
    pytest.param('FROM alpine:3.20\nWORKDIR "/app"\n', {}, id="quoted absolute"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS121", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS121", text, **context)
