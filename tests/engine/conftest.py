"""Shared helpers for engine tests: tiny build contexts on the local slim base."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from stagesmith.engine import Engine, get_engine

BASE = "localhost/debian:bookworm-slim"


def write_context(root: Path, dockerfile: str, files: dict[str, str] | None = None) -> Path:
    """A build context with a Dockerfile and a few files; returns the Dockerfile path."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in (files or {}).items():
        (root / name).write_text(text)
    path = root / "Dockerfile"
    path.write_text(dockerfile)
    return path


def unique_tag(prefix: str = "stagesmith-test/engine") -> str:
    return f"localhost/{prefix}:{uuid.uuid4().hex[:10]}"


@pytest.fixture
def podman() -> Iterator[Engine]:
    yield get_engine("podman")


@pytest.fixture
def cleanup_images(podman: Engine) -> Iterator[list[str]]:
    """Images a test made; removed afterwards (best effort) so the store does not grow."""
    made: list[str] = []
    yield made
    for image in made:
        if podman.image_exists(image):
            podman.remove(image, force=True)
