"""SS109 (ss109_copy_whole_filesystem): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM alpine:3.20 AS b\nFROM alpine:3.20\nCOPY --from=b / /\n", {}, id="root"),
    pytest.param(
        "FROM python:3.12 AS b\nFROM python:3.12-slim\nCOPY --from=b /usr /usr\n", {}, id="usr"
    ),
    pytest.param(
        'FROM alpine:3.20 AS b\nFROM alpine:3.20\nCOPY --from=b ["/", "/"]\n', {}, id="json form"
    ),
]

PASSES = [
    pytest.param(
        "FROM alpine:3.20 AS b\nFROM alpine:3.20\nCOPY --from=b /install /usr/local\n",
        {},
        id="a directory",
    ),
    pytest.param(
        "FROM python:3.12 AS b\nFROM python:3.12-slim\nCOPY --from=b /usr/local /usr/local\n",
        {},
        id="usr local prefix",
    ),
    pytest.param("FROM alpine:3.20\nCOPY . /\n", {}, id="context root"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS109", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS109", text, **context)
