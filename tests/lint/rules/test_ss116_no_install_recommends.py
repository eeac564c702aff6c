"""SS116 (ss116_no_install_recommends): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param("FROM debian:bookworm-slim\nRUN apt-get install -y curl\n", {}, id="apt-get"),
    pytest.param("FROM debian:bookworm-slim\nRUN apt install -y curl\n", {}, id="apt"),
]

PASSES = [
    pytest.param(
        "FROM debian:bookworm-slim\nRUN apt-get install -y --no-install-recommends curl\n",
        {},
        id="flag",
    ),
    pytest.param(
        "FROM debian:bookworm-slim\nRUN apt-get install -y -o APT::Install-Recommends=false curl\n",
        {},
        id="option form",
    ),
    pytest.param("FROM debian:bookworm-slim\nRUN apt-get update\n", {}, id="not an install"),
    pytest.param(
        "FROM debian:bookworm-slim\nRUN echo 'APT::Install-Recommends \"0\";' > /etc/apt/apt.conf.d/01norec\nRUN apt-get install -y curl\n",
        {},
        id="apt.conf.d",
    ),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS116", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS116", text, **context)
