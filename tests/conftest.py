"""Shared fixtures. Engine tests need root and a working podman; CI must run them."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: Maps official image names onto the local stand-ins scripts/setup-engine.sh builds.
ENGINE_CONFIG = FIXTURES / "engine-images.yaml"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@cache
def engine_problem() -> str | None:
    """Why engine tests cannot run here, or None when they can."""
    if os.geteuid() != 0:
        return "engine tests need root"
    if shutil.which("podman") is None:
        return "podman is not installed (run scripts/setup-engine.sh)"
    probe = subprocess.run(
        ["podman", "image", "exists", "localhost/python:3.11-slim"], capture_output=True
    )
    if probe.returncode != 0:
        return "local base images are missing (run scripts/setup-engine.sh)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problem = engine_problem()
    if problem is None:
        return
    if in_ci():
        return  # the autouse fixture below turns them into failures
    for item in items:
        if "engine" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=problem))


@pytest.fixture(autouse=True)
def _engine_required_in_ci(request: pytest.FixtureRequest) -> None:
    """In CI an engine test that cannot run is a failure, never a silent skip."""
    if "engine" in request.keywords and engine_problem() is not None and in_ci():
        pytest.fail(f"engine test cannot run in CI: {engine_problem()}")


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not present")
    return SHARED
