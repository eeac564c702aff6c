"""SS117 (ss117_secret_in_arg_env): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM alpine:3.20\nARG GITHUB_TOKEN\n", {}, id="arg token"),
    pytest.param("FROM alpine:3.20\nENV DB_PASSWORD=hunter2\n", {}, id="env password"),
    pytest.param("FROM alpine:3.20\nENV API_KEY abc\n", {}, id="legacy env"),
    pytest.param("ARG NPM_TOKEN\nFROM alpine:3.20\n", {}, id="global arg"),
]

PASSES = [
    pytest.param(
        "FROM alpine:3.20\nENV DB_PASSWORD_FILE=/run/secrets/db\n", {}, id="password file path"
    ),
    pytest.param(
        "FROM alpine:3.20\nENV TOKENIZERS_PARALLELISM=false PATH=/x\nARG VERSION=1\n",
        {},
        id="unrelated",
    ),
    pytest.param(
        "FROM alpine:3.20\nENV AUTH_ENABLED=true TOKEN_TTL=60 AWS_ACCESS_KEY_ID=x GPG_KEY=abc\n",
        {},
        id="settings about auth",
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS117", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS117", text, **context)
