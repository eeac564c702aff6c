"""SS119 (ss119_untagged_base): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM ubuntu\n", {}, id="no tag"),
    pytest.param("FROM python:latest AS b\n", {}, id="latest"),
    pytest.param("FROM localhost:5000/team/app\n", {}, id="registry with port and no tag"),
]

PASSES = [
    pytest.param("FROM python:3.12-slim\n", {}, id="tag"),
    pytest.param(
        "FROM python@sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
        {},
        id="digest",
    ),
    pytest.param("FROM python:3.12 AS base\nFROM base\n", {}, id="stage ref"),
    pytest.param("FROM scratch\n", {}, id="scratch"),
    pytest.param("FROM localhost:5000/app:1.0\n", {}, id="registry port with tag"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS119", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS119", text, **context)
