"""SS108 (ss108_final_stage_root): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param('FROM python:3.12-slim\nCMD ["python"]\n', {}, id="no user"),
    pytest.param("FROM python:3.12-slim\nUSER app\nUSER root\n", {}, id="user root at end"),
    pytest.param("FROM python:3.12-slim\nUSER 0:0\n", {}, id="uid 0 with group"),
    pytest.param(
        "FROM python:3.12 AS b\nUSER app\nFROM python:3.12-slim\n", {}, id="user only in builder"
    ),
    pytest.param("FROM scratch\nCOPY app /app\n", {}, id="scratch runs as uid 0"),
    pytest.param(
        "FROM scratch AS base\nCOPY app /app\nFROM base\n", {}, id="scratch through a parent stage"
    ),
]

PASSES = [
    pytest.param("FROM python:3.12-slim\nUSER 10001\n", {}, id="non root user"),
    pytest.param("FROM gcr.io/distroless/python3-debian12:nonroot\n", {}, id="distroless nonroot"),
    pytest.param("FROM scratch\nCOPY app /app\nUSER 65534\n", {}, id="scratch with a numeric USER"),
    pytest.param(
        "FROM python:3.12-slim AS base\nUSER app\nFROM base\n",
        {},
        id="user inherited from parent stage",
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS108", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS108", text, **context)
