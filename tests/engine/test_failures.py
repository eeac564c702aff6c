"""Failure paths through the CLI on every engine, for real: a failing RUN, a missing base image,
a registry that refuses the push. Each exits 1 with one `stagesmith: error:` line last, no
traceback, and leaves no tag behind for a failed build."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.engine.conftest import BASE, Registry, write_context
from tests.engine.test_cli_build import stagesmith

pytestmark = pytest.mark.engine

ENGINES = ["podman", "buildah", "docker"]


def _env(engine: str, request: pytest.FixtureRequest) -> dict[str, str]:
    if engine == "docker":
        return {"DOCKER_HOST": request.getfixturevalue("dockerd").socket}
    return {}


def _last_error(stderr: str) -> str:
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("stagesmith: error: "), stderr
    return last


@pytest.mark.parametrize("engine", ENGINES)
def test_failing_run_step(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    env = _env(engine, request)
    dockerfile = write_context(tmp_path, f"FROM {BASE}\nRUN echo because-{engine} >&2; exit 9\n")
    repo = f"localhost/stagesmith-test/fail-{uuid.uuid4().hex[:8]}"
    proc = stagesmith(
        "build", "--dockerfile", str(dockerfile), "--repository", repo, "--tag", "1",
        "--engine", engine, env=env,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    failed = [line for line in proc.stderr.splitlines() if line.startswith("failed step: ")]
    assert failed and "RUN echo because-" in failed[0], proc.stderr
    assert f"because-{engine}" in proc.stderr
    assert f"{engine} build failed" in _last_error(proc.stderr)
    if engine == "docker":
        docker = request.getfixturevalue("dockerd").executable
        inspect = [docker, "image", "inspect", f"{repo}:1"]
    else:
        inspect = ["podman", "image", "inspect", f"{repo}:1"]
    assert subprocess.run(inspect, env={**os.environ, **env}, capture_output=True).returncode != 0


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_base_image(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    env = _env(engine, request)
    dockerfile = write_context(tmp_path, "FROM localhost/stagesmith-absent:0\nRUN true\n")
    proc = stagesmith(
        "build", "--dockerfile", str(dockerfile), "--repository", "localhost/stagesmith-test/x",
        "--engine", engine, env=env,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "stagesmith-absent" in proc.stderr
    _last_error(proc.stderr)


@pytest.mark.parametrize("engine", ENGINES)
def test_registry_refusing_the_push(
    engine: str,
    tmp_path: Path,
    readonly_registry: Registry,
    request: pytest.FixtureRequest,
    cleanup_images: list[str],
) -> None:
    env = _env(engine, request)
    dockerfile = write_context(tmp_path, f"FROM {BASE}\nRUN echo {engine} > /refused\n")
    repo = f"{readonly_registry.address}/stagesmith/refused-{engine}"
    cleanup_images.append(f"{repo}:1")
    proc = stagesmith(
        "build", "--dockerfile", str(dockerfile), "--repository", repo, "--tag", "1",
        "--engine", engine, "--push", "--no-tls-verify", env=env,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert f"built and tagged {repo}:1, but the push failed" in _last_error(proc.stderr)
