"""SS110 (ss110_runtime_reinstalls): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param(
        "FROM python:3.12 AS b\nRUN pip install --prefix=/i -r requirements.txt\nFROM python:3.12-slim\nCOPY --from=b /i /usr/local\nRUN pip install -r /app/requirements.txt\n",
        {},
        id="pip requirements twice",
    ),
    pytest.param(
        "FROM node:20 AS b\nRUN npm ci\nFROM node:20-slim\nCOPY --from=b /app/node_modules /app/node_modules\nRUN npm ci --omit=dev\n",
        {},
        id="npm ci twice",
    ),
    pytest.param(
        "FROM python:3.12 AS b\nRUN pip install numpy==2.0\nFROM python:3.12-slim\nCOPY --from=b /usr/local /usr/local\nRUN pip install numpy\n",
        {},
        id="same package",
    ),
]

PASSES = [
    pytest.param(
        "FROM python:3.12 AS b\nRUN pip install numpy\nFROM python:3.12-slim\nCOPY --from=b /usr/local/lib /usr/local/lib\nRUN pip install --no-cache-dir gunicorn\n",
        {},
        id="different package",
    ),
    pytest.param(
        "FROM node:20 AS b\nRUN npm ci && npm run build\nFROM node:20-slim\nCOPY --from=b /app/dist /app/dist\nRUN npm ci --omit=dev\n",
        {},
        id="prod deps only, build output copied",
    ),
    pytest.param(
        "FROM python:3.12 AS b\nRUN pip wheel -w /w -r requirements.txt\nFROM python:3.12-slim\nCOPY --from=b /w /w\nRUN pip install /w/*.whl\n",
        {},
        id="install wheels from builder",
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS110", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS110", text, **context)
