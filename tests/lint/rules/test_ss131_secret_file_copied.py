"""SS131 (ss131_secret_file_copied): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM alpine:3.20\nCOPY id_rsa /root/.ssh/id_rsa\n", {}, id="ssh key"),
    pytest.param("FROM alpine:3.20\nCOPY .env /app/.env\n", {}, id="dotenv"),
    pytest.param("FROM alpine:3.20\nADD certs/server.key /etc/ssl/\n", {}, id="pem in ADD"),
    pytest.param("FROM alpine:3.20\nCOPY .aws /root/.aws\n", {}, id="aws dir"),
]

PASSES = [
    pytest.param("FROM alpine:3.20\nCOPY .env.example /app/.env\n", {}, id="env example"),
    pytest.param(
        "FROM node:20-slim\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n",
        {},
        id="secret mount",
    ),
    pytest.param("FROM alpine:3.20\nCOPY app.py keys.py /app/\n", {}, id="ordinary files"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS131", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS131", text, **context)
