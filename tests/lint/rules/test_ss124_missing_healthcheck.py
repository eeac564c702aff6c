"""SS124 (ss124_missing_healthcheck): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM nginx:1.27\nEXPOSE 80\n", {}, id="expose"),
    pytest.param(
        "FROM nginx:1.27 AS base\nEXPOSE 80\nFROM base\n", {}, id="expose in parent stage"
    ),
]

PASSES = [
    pytest.param('FROM alpine:3.20\nCMD ["batch"]\n', {}, id="no expose"),
    pytest.param(
        "FROM nginx:1.27\nEXPOSE 80\nHEALTHCHECK NONE\n",
        {},
        id="healthcheck none counts as a decision",
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS124", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS124", text, **context)
