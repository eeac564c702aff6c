"""SS114 (ss114_package_cache_left): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param(
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
        {},
        id="no cleanup",
    ),
    pytest.param(
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n",
        {},
        id="cleanup in later RUN does not help",
    ),
    pytest.param("FROM fedora:40\nRUN dnf install -y gcc\n", {}, id="dnf without clean"),
]

PASSES = [
    pytest.param(
        "FROM debian:bookworm-slim\nRUN apt-get update \\\n && apt-get install -y curl \\\n && rm -rf /var/lib/apt/lists/*\n",
        {},
        id="cleanup over continuation",
    ),
    pytest.param(
        "FROM debian:bookworm-slim\nRUN --mount=type=cache,target=/var/lib/apt --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y curl\n",
        {},
        id="cache mounts",
    ),
    pytest.param("FROM fedora:40\nRUN dnf install -y gcc && dnf clean all\n", {}, id="dnf clean"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS114", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS114", text, **context)
