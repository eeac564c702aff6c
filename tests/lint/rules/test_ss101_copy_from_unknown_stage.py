"""SS101 (ss101_copy_from_unknown_stage): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param(
        "FROM alpine:3.20 AS build\nFROM alpine:3.20\nCOPY --from=biuld /a /a\n",
        {},
        id="typo in copy from",
    ),
    pytest.param(
        "FROM alpine:3.20\nRUN --mount=type=bind,from=deps,target=/d ls /d\n",
        {},
        id="mount from unknown",
    ),
    pytest.param("FROM alpine:3.20\nCOPY --from=3 /a /a\n", {}, id="index out of range"),
]

PASSES = [
    pytest.param(
        "FROM alpine:3.20 AS Build\nFROM alpine:3.20\nCOPY --from=BUILD /a /a\n",
        {},
        id="names are case insensitive",
    ),
    pytest.param(
        "FROM alpine:3.20\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\n", {}, id="external image"
    ),
    pytest.param(
        "FROM alpine:3.20\nFROM alpine:3.20\nCOPY --from=0 /a /a\n", {}, id="numeric index"
    ),
    pytest.param("ARG SRC=build\nFROM alpine:3.20\nCOPY --from=$SRC /a /a\n", {}, id="variable"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS101", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS101", text, **context)
