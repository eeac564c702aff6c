"""SS125 (ss125_untrusted_registry): what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import catches, passes

CATCHES = [
    pytest.param(
        "FROM python:3.12-slim\n", {"trusted_registries": ["registry.example.com"]}, id="hub image"
    ),
    pytest.param(
        "FROM ghcr.io/x/y:1\n",
        {"trusted_registries": ["registry.example.com"]},
        id="other registry",
    ),
]

PASSES = [
    pytest.param("FROM python:3.12-slim\n", {}, id="no config"),
    pytest.param(
        "FROM registry.example.com/python:3.12\n",
        {"trusted_registries": ["registry.example.com"]},
        id="trusted",
    ),
    pytest.param("FROM python:3.12\n", {"trusted_registries": ["docker.io"]}, id="hub trusted"),
]


@pytest.mark.parametrize(("text", "context"), CATCHES)
def test_catches(text: str, context: dict) -> None:
    found = catches("SS125", text, **context)
    assert all(f.message and f.line >= 1 for f in found)


@pytest.mark.parametrize(("text", "context"), PASSES)
def test_does_not_catch(text: str, context: dict) -> None:
    passes("SS125", text, **context)
