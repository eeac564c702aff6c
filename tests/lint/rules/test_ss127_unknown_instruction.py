"""SS127 (ss127_unknown_instruction): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param(
        "FROM alpine:3.20\nRUN apk add curl &&\n    apk add git\n", {}, id="lost continuation"
    ),
    pytest.param("FROM alpine:3.20\nCOPPY a b\n", {}, id="typo"),
]

PASSES = [
    pytest.param("from alpine:3.20\nrun echo\ncopy a b\n", {}, id="lower case keywords"),
    pytest.param("FROM alpine:3.20\nONBUILD RUN echo\n", {}, id="onbuild"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS127", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS127", text, **context)
