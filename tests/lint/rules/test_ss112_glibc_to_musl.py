"""SS112 (ss112_glibc_to_musl): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param(
        "FROM golang:1.22 AS b\nFROM alpine:3.20\nCOPY --from=b /out/app /usr/local/bin/app\n",
        {},
        id="debian into alpine",
    ),
    pytest.param(
        "FROM python:3.12-slim AS b\nRUN python -m venv /opt/venv\nFROM python:3.12-alpine\nCOPY --from=b /opt/venv /opt/venv\n",
        {},
        id="venv into alpine",
    ),
    pytest.param(
        "FROM python:3.12-alpine AS b\nFROM python:3.12-slim\nCOPY --from=b /usr/local /usr/local\n",
        {},
        id="alpine into debian",
    ),
    pytest.param(
        "FROM alpine:3.20\nCOPY --from=python:3.12-slim /usr/local/bin/python3 /usr/local/bin/\n",
        {},
        id="binary from an external glibc image into alpine",
    ),
    pytest.param(
        "FROM debian:bookworm-slim\nCOPY --from=node:20-alpine /usr/local/bin/node /usr/local/bin/\n",
        {},
        id="binary from an external musl image into debian",
    ),
]

PASSES = [
    pytest.param(
        "FROM alpine:3.20\nCOPY --from=ghcr.io/astral-sh/uv:0.5 /uv /uvx /bin/\n",
        {},
        id="static binaries from an image whose libc the name does not tell",
    ),
    pytest.param(
        "FROM alpine:3.20\nCOPY --from=python:3.12-slim /etc/mime.types /etc/mime.types\n",
        {},
        id="a config file from an external glibc image",
    ),
    pytest.param(
        "FROM golang:1.22-alpine AS b\nFROM alpine:3.20\nCOPY --from=b /out/app /app\n",
        {},
        id="alpine to alpine",
    ),
    pytest.param(
        "FROM golang:1.22 AS b\nFROM scratch\nCOPY --from=b /out/app /app\n", {}, id="into scratch"
    ),
    pytest.param(
        "FROM node:20 AS build\nRUN npm ci && npm run build\nFROM nginx:1.27-alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\n",
        {},
        id="web assets into nginx alpine",
    ),
    pytest.param(
        "FROM golang:1.22 AS b\nENV CGO_ENABLED=0\nRUN go build -o /out/app .\nFROM alpine:3.20\nCOPY --from=b /out/app /usr/local/bin/app\n",
        {},
        id="static go binary",
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS112", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS112", text, **context)
