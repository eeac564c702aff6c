"""--cache-from / --cache-to for real, through the CLI, against a loopback registry.

Each first build writes a random marker in a RUN step and exports its cache; the local image
(and, for docker, BuildKit's own cache) is then removed, and a second build that names the
cache must come out with the same marker: the RUN step was reused from the registry, not re-run.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from stagesmith.engine import Engine
from tests.engine.conftest import BASE, Dockerd, Registry, write_context
from tests.engine.test_cli_build import stagesmith

pytestmark = pytest.mark.engine

MARKED = f'FROM {BASE}\nRUN cat /proc/sys/kernel/random/uuid > /marker\nCMD ["cat", "/marker"]\n'


def test_podman_cache_to_and_from_a_plain_http_registry(
    tmp_path: Path, podman: Engine, registry: Registry, cleanup_images: list[str]
) -> None:
    dockerfile = write_context(tmp_path, MARKED)
    cache = f"{registry.address}/stagesmith/podman-cache"
    repo = f"localhost/stagesmith-test/cache-{uuid.uuid4().hex[:8]}"
    cleanup_images += [f"{repo}:1", f"{repo}:2"]
    common = ["--dockerfile", str(dockerfile), "--repository", repo, "--engine", "podman",
              "--no-tls-verify"]  # fmt: skip
    first = stagesmith("build", *common, "--tag", "1", "--cache-to", cache)
    assert first.returncode == 0, first.stderr
    marker = podman.run(f"{repo}:1", check=True).stdout
    podman.remove(f"{repo}:1")
    second = stagesmith("build", *common, "--tag", "2", "--cache-from", cache)
    assert second.returncode == 0, second.stderr
    assert podman.run(f"{repo}:2", check=True).stdout == marker


def test_docker_inline_cache_reused_from_the_registry(
    tmp_path: Path, dockerd: Dockerd, registry: Registry
) -> None:
    dockerfile = write_context(tmp_path, MARKED)
    repo = f"{registry.address}/stagesmith/docker-inline"
    env = {"DOCKER_HOST": dockerd.socket}
    common = ["--dockerfile", str(dockerfile), "--repository", repo, "--engine", "docker"]
    first = stagesmith("build", *common, "--tag", "1", "--cache-to", "type=inline", "--push",
                       env=env)  # fmt: skip
    assert first.returncode == 0, first.stderr
    docker_env = {**os.environ, **env}

    def docker(*args: str) -> str:
        proc = subprocess.run(
            [dockerd.executable, *args], env=docker_env, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    marker = docker("run", "--rm", f"{repo}:1")
    docker("rmi", f"{repo}:1")
    docker("builder", "prune", "--all", "--force")  # our private daemon: no local cache left
    second = stagesmith("build", *common, "--tag", "2", "--cache-from", f"{repo}:1", env=env)
    assert second.returncode == 0, second.stderr
    assert docker("run", "--rm", f"{repo}:2") == marker
