"""SS115 (ss115_pip_no_cache_dir): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM python:3.12-slim\nRUN pip install flask\n", {}, id="plain"),
    pytest.param(
        "FROM python:3.12-slim\nRUN python3 -m pip install -r requirements.txt\n",
        {},
        id="python -m pip",
    ),
    pytest.param('FROM python:3.12-slim\nRUN ["pip", "install", "flask"]\n', {}, id="exec form"),
    pytest.param("FROM python:3.12-slim\nRUN uv pip install flask\n", {}, id="uv keeps its cache"),
    pytest.param(
        "FROM python:3.12-slim\nRUN /opt/uv/bin/uv pip install --no-cache-dir flask\n",
        {},
        id="uv by path, pip's flag",
    ),
]

PASSES = [
    pytest.param("FROM python:3.12-slim\nRUN pip install --no-cache-dir flask\n", {}, id="flag"),
    pytest.param(
        "FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask\n", {}, id="env"
    ),
    pytest.param(
        "FROM python:3.12-slim AS base\nENV PIP_NO_CACHE_DIR=1\nFROM base\nRUN pip install flask\n",
        {},
        id="env in parent stage",
    ),
    pytest.param("FROM python:3.12-slim\nRUN pip freeze\n", {}, id="pip other verb"),
    pytest.param(
        "FROM python:3.12-slim\nRUN PYTHONPATH=/opt/build /opt/build/bin/uv pip install"
        " --offline --no-cache --no-deps .\n",
        {},
        id="uv by path with --no-cache",
    ),
    pytest.param(
        "FROM python:3.12-slim\nENV UV_NO_CACHE=1\nRUN uv pip install flask\n", {}, id="uv env"
    ),
    pytest.param(
        "FROM python:3.12-slim\nRUN --mount=type=cache,target=/root/.cache/uv uv pip install x\n",
        {},
        id="uv cache mount",
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS115", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS115", text, **context)
