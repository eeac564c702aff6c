"""SS128 (ss128_instruction_before_from): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("RUN echo\nFROM alpine:3.20\n", {}, id="run first"),
    pytest.param("COPY a b\n", {}, id="no from at all"),
    pytest.param("ARG X=1\n", {}, id="only an ARG"),
]

PASSES = [
    pytest.param("ARG V=1\nFROM alpine:${V}\n", {}, id="arg first"),
    pytest.param("# a comment\nFROM alpine:3.20\n", {}, id="comment before from"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS128", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS128", text, **context)


@pytest.mark.parametrize("text", ["ARG X=1\nARG Y=2\n", "COPY a b\nRUN x\n", "ARG X\nRUN x\n"])
def test_a_file_without_from_is_reported_once(text: str) -> None:
    assert len(catches("SS128", text)) == 1
