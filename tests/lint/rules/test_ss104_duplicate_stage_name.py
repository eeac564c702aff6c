"""SS104 (ss104_duplicate_stage_name): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM alpine:3.20 AS x1\nFROM alpine:3.20 AS x1\n", {}, id="same name"),
    pytest.param(
        "FROM alpine:3.20 AS Build\nFROM alpine:3.20 AS build\n", {}, id="differs only by case"
    ),
]

PASSES = [
    pytest.param(
        "FROM alpine:3.20 AS build\nFROM alpine:3.20 AS runtime\n", {}, id="distinct names"
    ),
    pytest.param("FROM alpine:3.20\nFROM alpine:3.20\n", {}, id="unnamed stages"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS104", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS104", text, **context)
