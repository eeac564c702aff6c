"""SS106 (ss106_build_tools_in_final): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param(
        "FROM debian:bookworm AS b\nFROM debian:bookworm-slim\nRUN apt-get install -y --no-install-recommends gcc make\n",
        {},
        id="apt gcc in final",
    ),
    pytest.param(
        "FROM debian:bookworm-slim\nRUN apt-get install -y libpq-dev=15.*\n",
        {},
        id="dev headers with version pin",
    ),
    pytest.param(
        "FROM mambaorg/micromamba:1.5\nRUN micromamba install -y -n base -c conda-forge gxx_linux-64 numpy\n",
        {},
        id="conda compilers",
    ),
    pytest.param(
        "FROM debian:bookworm AS build\nRUN apt-get install -y build-essential\nFROM build AS final\n",
        {},
        id="inherited from builder via FROM",
    ),
    pytest.param(
        "FROM alpine:3.20\nRUN apk add --no-cache build-base git\n", {}, id="apk build-base"
    ),
    pytest.param(
        "FROM debian:bookworm-slim\nRUN apt-get install -y gcc make && apt-get purge -y gcc\n",
        {},
        id="only part purged",
    ),
    pytest.param(
        "FROM alpine:3.20\nRUN apk add --no-cache --virtual .build-deps gcc\n",
        {},
        id="virtual group kept",
    ),
]

PASSES = [
    pytest.param(
        "FROM debian:bookworm AS b\nRUN apt-get install -y gcc\nFROM debian:bookworm-slim\nRUN apt-get install -y --no-install-recommends libpq5\n",
        {},
        id="tools only in builder",
    ),
    pytest.param(
        "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gcc && pip install --no-cache-dir x && apt-get purge -y --auto-remove gcc\n",
        {},
        id="purged in the same RUN",
    ),
    pytest.param(
        "FROM python:3.12-alpine\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev && pip install --no-cache-dir x && apk del .build-deps\n",
        {},
        id="apk virtual group deleted",
    ),
    pytest.param(
        "FROM python:3.12-slim\nRUN pip install --no-cache-dir cmake-format\n",
        {},
        id="pip package named like a tool",
    ),
    pytest.param(
        "FROM debian:bookworm AS b\nFROM debian:bookworm-slim\nRUN apt-get install -y gcc\n",
        {"target": "b"},
        id="target is the builder",
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS106", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS106", text, **context)
