"""One fixture app through `stagesmith build` on every engine, end to end, for real.

For podman, buildah and docker (BuildKit, private dockerd): generate the py-web fixture's
Dockerfile and build it through the CLI with the test image map, save it with `--output`, push it
to a loopback registry, delete the local copies, pull it back, and run the app from the pulled
image. The saved archive is read back with the daemonless reader: non-root, and no compiler.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from stagesmith.engine import Engine, get_engine
from tests.conftest import ENGINE_CONFIG, FIXTURES
from tests.engine.conftest import Dockerd, Registry
from tests.engine.test_cli_build import stagesmith

pytestmark = [pytest.mark.engine, pytest.mark.slow]

APP = FIXTURES / "apps/py-web"
HEALTH = (
    "import app; r = app.app.test_client().get('/health');"
    " assert r.status_code == 200 and r.data == b'ok', r; print('healthy')"
)
#: The stand-ins the generated py-web Dockerfile starts from (through the image map).
PY_BASES = ("localhost/python:3.11", "localhost/python:3.11-slim")


def _load_into_docker(dockerd: Dockerd, images: tuple[str, ...]) -> None:
    env = {**os.environ, "DOCKER_HOST": dockerd.socket}
    for image in images:
        have = [dockerd.executable, "image", "inspect", image]
        if subprocess.run(have, env=env, capture_output=True).returncode == 0:
            continue
        save = subprocess.Popen(["podman", "save", "--quiet", image], stdout=subprocess.PIPE)
        load = subprocess.run(
            [dockerd.executable, "load"], stdin=save.stdout, env=env, capture_output=True
        )
        save.wait()
        assert load.returncode == 0, load.stderr


@pytest.mark.parametrize("engine_name", ["podman", "buildah", "docker"])
def test_fixture_app_build_save_push_pull_run(
    engine_name: str,
    tmp_path: Path,
    registry: Registry,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env: dict[str, str] = {}
    network: list[str] = []
    config = ENGINE_CONFIG
    if engine_name == "docker":
        # BuildKit would fetch the `# syntax=` frontend from Docker Hub, unreachable here: the
        # image map drops the line, as an air-gapped user would, and the built-in frontend
        # (which has cache mounts) does the build.
        data = yaml.safe_load(ENGINE_CONFIG.read_text())
        data["images"]["docker/dockerfile:1"] = ""
        config = tmp_path / "images.yaml"
        config.write_text(yaml.safe_dump(data))
        # The test dockerd runs without iptables (it must not touch the host's firewall), so its
        # bridge has no NAT: RUN steps that reach PyPI use the host network.
        network = ["--network", "host"]
        dockerd: Dockerd = request.getfixturevalue("dockerd")
        _load_into_docker(dockerd, PY_BASES)
        env["DOCKER_HOST"] = dockerd.socket
        monkeypatch.setenv("DOCKER_HOST", dockerd.socket)
    app = tmp_path / "py-web"
    shutil.copytree(APP, app, ignore=shutil.ignore_patterns("Dockerfile.naive"))
    repository = f"{registry.address}/stagesmith/py-web-{engine_name}"
    archive = tmp_path / "app.tar"
    proc = stagesmith(
        "build", str(app), "--config", str(config), "--engine", engine_name,
        "--repository", repository, "--tag", "1", "--output", str(archive),
        "--push", "--no-tls-verify", *network, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    image = f"{repository}:1"
    assert proc.stdout.strip() == image
    assert not list(app.glob("Dockerfile*")) and not (app / ".dockerignore").exists()

    # The archive, read with no daemon: non-root and no compiler left in.
    report = stagesmith("inspect", str(archive), "--json")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["config"]["user"] not in ("", "root", "0")
    tools = [f for f in data["findings"] if f["id"] == "build-tool"]
    assert tools == [], tools

    # Delete every local copy, pull it back from the registry, run the app from it.
    runner: Engine = get_engine("podman" if engine_name == "buildah" else engine_name)
    runner.remove(image, force=True)
    assert not runner.image_exists(image)
    if engine_name == "docker":
        runner.pull(image)
    else:
        runner.pull(image, tls_verify=False)
    try:
        ran = runner.run(image, ["python", "-c", HEALTH], check=False)
        assert ran.returncode == 0 and ran.stdout.strip() == "healthy", ran.stderr[-2000:]
    finally:
        runner.remove(image, force=True)
