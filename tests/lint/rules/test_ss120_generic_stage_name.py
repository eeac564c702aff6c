"""SS120 (ss120_generic_stage_name): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM alpine:3.20 AS stage1\n", {}, id="stage1"),
    pytest.param("FROM alpine:3.20 AS temp\n", {}, id="temp"),
]

PASSES = [
    pytest.param("FROM alpine:3.20 AS builder\n", {}, id="builder"),
    pytest.param("FROM alpine:3.20 AS tests\n", {}, id="testing"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS120", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS120", text, **context)
