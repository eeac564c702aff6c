"""SS132 (ss132_invalid_arguments): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM\n", "FROM names no image", id="FROM with no image"),
    pytest.param("FROM alpine:3.20 AS\n", "names no stage", id="FROM a AS"),
    pytest.param("FROM alpine:3.20 AS b AS c\n", "FROM image [AS name]", id="FROM a AS b AS c"),
    pytest.param("FROM alpine:3.20 b c\n", "FROM image [AS name]", id="three words without AS"),
    pytest.param("FROM alpine:3.20\nUSER\n", "USER has no argument", id="empty USER"),
    pytest.param("FROM alpine:3.20\nWORKDIR\n", "WORKDIR has no argument", id="empty WORKDIR"),
    pytest.param(
        "FROM alpine:3.20\nCOPY --from= /a /b\n", "--from= names nothing", id="empty from"
    ),
    pytest.param(
        "FROM alpine:3.20\nONBUILD WORKDIR\n",
        "ONBUILD trigger: WORKDIR",
        id="in an ONBUILD trigger",
    ),
]

PASSES = [
    pytest.param("FROM alpine:3.20 AS b\nUSER 1\nWORKDIR /app\n", id="ordinary"),
    pytest.param("FROM alpine:3.20 as b\n", id="lower-case as"),
    pytest.param("FROM --platform=$BUILDPLATFORM alpine:3.20 AS b\n", id="with a flag"),
    pytest.param("FROM alpine:3.20 AS b\nFROM alpine:3.20\nCOPY --from=b /a /b\n", id="from set"),
]


@pytest.mark.parametrize(("text", "expect"), CATCHES)
def test_catches(text: str, expect: str) -> None:
    found = catches("SS132", text)
    assert len(found) == 1 and expect in found[0].message


@pytest.mark.parametrize("text", PASSES)
def test_does_not_catch(text: str) -> None:
    passes("SS132", text)
