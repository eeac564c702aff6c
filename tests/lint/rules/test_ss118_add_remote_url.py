"""SS118 (ss118_add_remote_url): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM alpine:3.20\nADD https://example.com/a.tgz /tmp/\n", {}, id="https"),
]

PASSES = [
    pytest.param(
        "FROM alpine:3.20\nADD --checksum=sha256:abc https://example.com/a.tgz /tmp/\n",
        {},
        id="checksum",
    ),
    pytest.param("FROM alpine:3.20\nADD app.tar.gz /srv/\n", {}, id="local"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS118", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS118", text, **context)
