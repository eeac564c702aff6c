"""SS130 (ss130_global_arg_not_redeclared): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param(
        "ARG VERSION=1\nFROM alpine:3.20\nRUN echo $VERSION\n", {}, id="run uses global arg"
    ),
    pytest.param(
        "ARG VERSION=1\nFROM alpine:3.20\nLABEL version=${VERSION}\n", {}, id="braces in label"
    ),
    pytest.param(
        "ARG V=1\nFROM alpine:3.20 AS a\nARG V\nFROM alpine:3.20\nRUN echo ${V:-x}\n",
        {},
        id="declared in another stage only",
    ),
]

PASSES = [
    pytest.param(
        "ARG VERSION=1\nFROM alpine:3.20\nARG VERSION\nRUN echo $VERSION\n", {}, id="redeclared"
    ),
    pytest.param("ARG TAG=3.20\nFROM alpine:${TAG}\n", {}, id="only in FROM"),
    pytest.param(
        "ARG V=1\nFROM alpine:3.20 AS base\nARG V\nENV V=$V\nFROM base\nRUN echo $V\n",
        {},
        id="env in parent stage",
    ),
    pytest.param("FROM alpine:3.20\nRUN echo $HOME\n", {}, id="not a global arg"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS130", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS130", text, **context)
