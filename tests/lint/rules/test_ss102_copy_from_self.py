"""SS102 (ss102_copy_from_self): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM alpine:3.20 AS app\nCOPY --from=app /a /b\n", {}, id="copy from own name"),
    pytest.param("FROM alpine:3.20\nRUN --mount=from=0,target=/x true\n", {}, id="mount own index"),
]

PASSES = [
    pytest.param(
        "FROM alpine:3.20 AS a\nFROM alpine:3.20 AS b\nCOPY --from=a /a /a\n", {}, id="other stage"
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS102", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS102", text, **context)
