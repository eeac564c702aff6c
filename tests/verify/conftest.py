"""Session fixtures: the podman engine and the tiny images verify's engine tests use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import engine_problem, in_ci
from tests.verify.images import Images, build_images


@pytest.fixture(scope="session")
def podman_engine():  # type: ignore[no-untyped-def]
    problem = engine_problem()
    if problem is not None:
        # session fixtures run before the suite's autouse CI guard: enforce it here too
        if in_ci():
            pytest.fail(f"engine test cannot run in CI: {problem}")
        pytest.skip(problem)
    from stagesmith.engine import get_engine

    return get_engine("podman")


@pytest.fixture(scope="session")
def images(podman_engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Images]:  # type: ignore[no-untyped-def]
    built = build_images(podman_engine, Path(tmp_path_factory.mktemp("verify-images")))
    yield built
    for tag in built.made:
        if podman_engine.image_exists(tag):
            podman_engine.remove(tag, force=True)
