"""SS111 (ss111_site_packages_version): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param(
        "FROM python:3.10 AS b\nFROM python:3.12-slim\nCOPY --from=b /usr/local/lib/python3.10/site-packages /usr/local/lib/python3.10/site-packages\n",
        {},
        id="older builder into newer base",
    ),
    pytest.param(
        "FROM debian:bookworm AS b\nFROM debian:bookworm-slim\nCOPY --from=b /usr/lib/python3.11/site-packages /usr/lib/python3.12/site-packages\n",
        {},
        id="destination version differs",
    ),
    pytest.param(
        "FROM python:3.11 AS b\nFROM debian:bookworm-slim\nCOPY --from=b /usr/local/lib/python3.10/site-packages /x/\n",
        {},
        id="builder base version differs from path",
    ),
    pytest.param(
        "FROM python:3.11 AS b\nRUN python -m venv /opt/venv\nFROM python:3.12-slim\nCOPY --from=b /opt/venv /opt/venv\n",
        {},
        id="venv across versions",
    ),
    pytest.param(
        "FROM python:3.11 AS b\nFROM python:3.13-slim\nCOPY --from=b /root/.local /root/.local\n",
        {},
        id="user install across versions",
    ),
    pytest.param(
        "FROM ubuntu:22.04 AS b\nFROM debian:bookworm-slim\nCOPY --from=b /usr/lib/python3.10/dist-packages /usr/lib/python3.10/dist-packages\n",
        {},
        id="distro system python",
    ),
    pytest.param(
        "ARG PY=3.12\nFROM python:3.11 AS b\nFROM python:${PY}-slim\nCOPY --from=b /usr/local/lib/python3.11/site-packages /usr/local/lib/python3.11/site-packages\n",
        {},
        id="through ARG default",
    ),
]

PASSES = [
    pytest.param(
        "FROM python:3.12 AS b\nFROM python:3.12-slim\nCOPY --from=b /usr/local/lib/python3.12/site-packages /usr/local/lib/python3.12/site-packages\n",
        {},
        id="same version",
    ),
    pytest.param(
        "FROM python:3.12 AS b\nFROM python:3.12-slim\nCOPY --from=b /opt/venv /opt/venv\n",
        {},
        id="venv without version",
    ),
    pytest.param(
        "FROM debian:bookworm AS b\nFROM debian:bookworm-slim\nCOPY --from=b /usr/lib/python3.11/dist-packages /usr/lib/python3.11/dist-packages\n",
        {},
        id="system python matches distro",
    ),
    pytest.param(
        "FROM mambaorg/micromamba:1.5 AS b\nFROM python:3.12-slim\nCOPY --from=b /opt/venv /opt/venv\n",
        {},
        id="unknown builder version",
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS111", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS111", text, **context)
