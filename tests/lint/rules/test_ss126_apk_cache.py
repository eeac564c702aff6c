"""SS126 (ss126_apk_cache): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM alpine:3.20\nRUN apk add curl\n", {}, id="plain add"),
]

PASSES = [
    pytest.param("FROM alpine:3.20\nRUN apk add --no-cache curl\n", {}, id="no-cache"),
    pytest.param(
        "FROM alpine:3.20\nRUN apk add curl && rm -rf /var/cache/apk/*\n", {}, id="removes cache"
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS126", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS126", text, **context)
