"""SS113 (ss113_copy_all_before_install): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param(
        "FROM python:3.12-slim\nCOPY . .\nRUN pip install --no-cache-dir .\n",
        {},
        id="project with deps",
    ),
    pytest.param("FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", {}, id="npm"),
    pytest.param(
        "FROM python:3.12-slim\nCOPY . /src\nRUN pip install --no-cache-dir -e .\n",
        {},
        id="pip editable",
    ),
]

PASSES = [
    pytest.param(
        "FROM node:20-slim\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n", {}, id="manifest first"
    ),
    pytest.param(
        "FROM node:20-slim\nCOPY . .\nRUN npm install -g serve\n", {}, id="install unrelated"
    ),
    pytest.param(
        "FROM python:3.12-slim\nCOPY pyproject.toml .\nRUN pip install --no-cache-dir flask\n"
        "COPY . .\nRUN pip install --no-cache-dir --no-deps .\n",
        {},
        id="the project alone after its dependencies",
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS113", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS113", text, **context)
