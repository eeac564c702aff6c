"""Remote engines on loopback, through the CLI, for real.

* docker: ``DOCKER_HOST=tcp://127.0.0.1:PORT`` from the environment (``--engine docker`` and
  ``--engine auto``), a docker context (in a private ``DOCKER_CONFIG``) named by ``--builder``,
  and ``--builder ssh://root@127.0.0.1:PORT`` through a private sshd;
* podman: a private ``podman system service`` on a unix socket, reached with
  ``--builder unix://…/podman.sock`` (``--engine auto`` tells podman from the socket name) and with
  ``CONTAINER_HOST``; a generated Dockerfile, saved with ``--output``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from stagesmith.engine import Engine
from tests.conftest import ENGINE_CONFIG
from tests.engine.conftest import (
    BASE,
    Dockerd,
    _missing,
    _port_open,
    free_port,
    stop_pid,
    wait_for,
    write_context,
)
from tests.engine.test_cli_build import stagesmith

pytestmark = pytest.mark.engine

SIMPLE = f'FROM {BASE}\nRUN echo remote > /where\nCMD ["cat", "/where"]\n'


def _docker(dockerd: Dockerd, *args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [dockerd.executable, *args],
        env={**os.environ, "DOCKER_HOST": dockerd.socket, **(env or {})},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("engine", ["docker", "auto"])
def test_docker_host_tcp_from_the_environment(
    engine: str, tmp_path: Path, dockerd: Dockerd
) -> None:
    dockerfile = write_context(tmp_path, SIMPLE)
    repo = f"localhost/stagesmith-test/tcp-{uuid.uuid4().hex[:8]}"
    proc = stagesmith(
        "build", "--dockerfile", str(dockerfile), "--repository", repo, "--tag", "1",
        "--engine", engine, env={"DOCKER_HOST": dockerd.tcp, "CONTAINER_HOST": ""},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"building {repo}:1 with docker" in proc.stderr
    assert _docker(dockerd, "run", "--rm", f"{repo}:1") == "remote\n"


def test_docker_context_as_builder(tmp_path: Path, dockerd: Dockerd) -> None:
    config = tmp_path / "docker-config"
    config.mkdir()
    name = f"stagesmith-{uuid.uuid4().hex[:6]}"
    env = {"DOCKER_CONFIG": str(config), "DOCKER_HOST": ""}
    create = subprocess.run(
        [dockerd.executable, "context", "create", name, "--docker", f"host={dockerd.tcp}"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert create.returncode == 0, create.stderr
    dockerfile = write_context(tmp_path / "ctx", SIMPLE)
    repo = f"localhost/stagesmith-test/context-{uuid.uuid4().hex[:8]}"
    # --engine auto: the name is a docker context (and no podman connection), so docker.
    proc = stagesmith(
        "build", "--dockerfile", str(dockerfile), "--repository", repo, "--tag", "1",
        "--builder", name, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"with docker on {name}" in proc.stderr
    assert _docker(dockerd, "run", "--rm", f"{repo}:1") == "remote\n"


@pytest.fixture
def podman_service() -> Iterator[str]:
    """A private podman API service on a unix socket, stopped by its PID."""
    root = Path(tempfile.mkdtemp(prefix="ssp-"))
    sock = root / "podman.sock"
    log = root / "service.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["podman", "system", "service", "--time=0", f"unix://{sock}"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(sock.exists, "podman system service", log)
        yield f"unix://{sock}"
    finally:
        stop_pid(proc)
        sock.unlink(missing_ok=True)
        log.unlink(missing_ok=True)
        root.rmdir()


def test_podman_remote_generated_dockerfile_and_save(
    tmp_path: Path, podman: Engine, podman_service: str, cleanup_images: list[str]
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "requirements.txt").write_text("")
    (app / "main.py").write_text("print('hello from remote')\n")
    repo = f"localhost/stagesmith-test/remote-{uuid.uuid4().hex[:8]}"
    cleanup_images += [f"{repo}:1", f"{repo}:2"]
    archive = tmp_path / "image.tar"
    by_flag = stagesmith(
        "build", "--requirements", "requirements.txt",
        "--config", str(ENGINE_CONFIG), "--repository", repo, "--tag", "1",
        "--builder", podman_service, "--output", str(archive), env={"CONTAINER_HOST": ""}, cwd=app,
    )  # fmt: skip
    assert by_flag.returncode == 0, by_flag.stderr
    assert f"with podman on {podman_service}" in by_flag.stderr
    with tarfile.open(archive) as tar:
        assert "manifest.json" in tar.getnames()
    assert podman.image_exists(f"{repo}:1")  # the service shares this store

    by_env = stagesmith(
        "build", "--requirements", "requirements.txt",
        "--config", str(ENGINE_CONFIG), "--repository", repo, "--tag", "2",
        "--engine", "podman", env={"CONTAINER_HOST": podman_service}, cwd=app,
    )  # fmt: skip
    assert by_env.returncode == 0, by_env.stderr
    assert podman.image_exists(f"{repo}:2")
    # The variable really is what routes the build: a dead service fails it.
    dead = stagesmith(
        "build", "--requirements", "requirements.txt", "--config", str(ENGINE_CONFIG),
        "--repository", repo, "--tag", "3", "--engine", "podman",
        env={"CONTAINER_HOST": f"unix://{tmp_path}/dead.sock"}, cwd=app,
    )  # fmt: skip
    assert dead.returncode != 0 and "dead.sock" in dead.stderr
    assert not podman.image_exists(f"{repo}:3")


@dataclass
class Sshd:
    port: int
    #: A PATH entry whose `ssh` reads a private client config (ssh takes ~/.ssh from the
    #: password database, not $HOME, so the wrapper passes `-F`).
    bindir: Path


@pytest.fixture
def sshd(tmp_path: Path, dockerd: Dockerd) -> Iterator[Sshd]:
    """A private sshd on a loopback port: temp host key, one authorized temp key, and
    DOCKER_HOST set for the session so `docker system dial-stdio` reaches the private dockerd."""
    daemon = shutil.which("sshd") or "/usr/sbin/sshd"
    if not Path(daemon).exists():
        _missing("openssh-server is not installed (scripts/setup-engine.sh installs it)")
    root = Path(tempfile.mkdtemp(prefix="sss-"))
    home = root / "home"
    (home / ".ssh").mkdir(parents=True, mode=0o700)
    keygen = ["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f"]
    subprocess.run([*keygen, str(root / "host_key")], check=True)
    subprocess.run([*keygen, str(home / ".ssh" / "id")], check=True)
    (root / "authorized").write_text((home / ".ssh" / "id.pub").read_text())
    (root / "authorized").chmod(0o600)
    port = free_port()
    config = root / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {root}/host_key\n"
        f"AuthorizedKeysFile {root}/authorized\nPidFile {root}/sshd.pid\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin yes\n"
        "UsePAM no\nStrictModes no\n"
        f"SetEnv DOCKER_HOST={dockerd.socket} PATH=/usr/bin:/bin:/usr/sbin:/sbin\n"
    )
    client = home / ".ssh" / "config"
    client.write_text(
        f"Host 127.0.0.1\n  IdentityFile {home}/.ssh/id\n  StrictHostKeyChecking no\n"
        "  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n"
    )
    bindir = root / "bin"
    bindir.mkdir()
    wrapper = bindir / "ssh"
    wrapper.write_text(f'#!/bin/sh\nexec {shutil.which("ssh")} -F {client} "$@"\n')
    wrapper.chmod(0o755)
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory
    log = root / "sshd.log"
    proc = subprocess.Popen([daemon, "-D", "-e", "-f", str(config)], stderr=log.open("wb"))
    try:
        wait_for(lambda: _port_open(port), "sshd", log)
        yield Sshd(port, bindir)
    finally:
        stop_pid(proc)
        shutil.rmtree(root, ignore_errors=True)


def test_docker_host_over_ssh(tmp_path: Path, dockerd: Dockerd, sshd: Sshd) -> None:
    dockerfile = write_context(tmp_path, SIMPLE)
    repo = f"localhost/stagesmith-test/ssh-{uuid.uuid4().hex[:8]}"
    address = f"ssh://root@127.0.0.1:{sshd.port}"
    path = f"{sshd.bindir}{os.pathsep}{os.environ['PATH']}"
    env = {"PATH": path, "DOCKER_HOST": "", "CONTAINER_HOST": ""}
    proc = stagesmith(
        "build", "--dockerfile", str(dockerfile), "--repository", repo, "--tag", "1",
        "--builder", address, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"with docker on {address}" in proc.stderr
    assert _docker(dockerd, "run", "--rm", f"{repo}:1") == "remote\n"
