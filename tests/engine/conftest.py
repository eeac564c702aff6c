"""Shared helpers for engine tests: tiny build contexts on the local slim base."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
import yaml

from stagesmith.engine import Engine, get_engine
from stagesmith.engine.docker import find_docker
from tests.conftest import engine_problem, in_ci

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


def _missing(reason: str) -> NoReturn:
    """A tool setup-engine.sh installs is absent: a failure in CI, a skip elsewhere."""
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    check: Callable[[], bool], what: str, log: Path | None = None, seconds: float = 30
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    detail = log.read_text()[-2000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not come up in {seconds}s\n{detail}")


def stop_pid(proc: subprocess.Popen[bytes]) -> None:
    """Stop a daemon this test session started, by its own PID only."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Dockerd:
    """A private dockerd: own data root, exec root, pidfile, unix socket and loopback TCP."""

    socket: str
    tcp: str
    executable: str
    root: Path


@pytest.fixture(scope="session")
def dockerd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dockerd]:
    if engine_problem() is not None:
        pytest.skip(engine_problem() or "")
    daemon = shutil.which("dockerd")
    if daemon is None:
        _missing("dockerd is not installed (scripts/setup-engine.sh installs docker.io)")
    # A short path: unix socket paths are limited to 108 bytes.
    root = Path(tempfile.mkdtemp(prefix="ssd-"))
    sock = f"unix://{root}/docker.sock"
    port = free_port()
    tcp = f"tcp://127.0.0.1:{port}"
    log = root / "dockerd.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                daemon,
                "--data-root",
                str(root / "data"),
                "--exec-root",
                str(root / "exec"),
                "--pidfile",
                str(root / "dockerd.pid"),
                "--host",
                sock,
                "--host",
                tcp,
                "--iptables=false",
                "--ip-masq=false",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    executable = find_docker()
    assert executable is not None
    env = {**os.environ, "DOCKER_HOST": sock}

    def answers() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"dockerd exited: {log.read_text()[-2000:]}")
        probe = [executable, "version", "--format", "{{.Server.Version}}"]
        return subprocess.run(probe, env=env, capture_output=True).returncode == 0

    try:
        wait_for(answers, "dockerd", log)
        # Load the local base image from podman's store into the daemon.
        archive = root / "base.tar"
        subprocess.run(["podman", "save", "--quiet", "-o", str(archive), BASE], check=True)
        subprocess.run(
            [executable, "load", "-i", str(archive)], env=env, check=True, capture_output=True
        )
        archive.unlink()
        yield Dockerd(socket=sock, tcp=tcp, executable=executable, root=root)
    finally:
        stop_pid(proc)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def docker(dockerd: Dockerd, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("DOCKER_HOST", dockerd.socket)
    return get_engine("docker")


@dataclass
class Registry:
    address: str
    root: Path


def _start_registry(root: Path, readonly: bool) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("docker-registry")
    if binary is None:
        _missing("docker-registry is not installed (scripts/setup-engine.sh installs it)")
    port = free_port()
    config = {
        "version": 0.1,
        "log": {"level": "warn"},
        "storage": {
            "filesystem": {"rootdirectory": str(root / "data")},
            "delete": {"enabled": True},
            **({"maintenance": {"readonly": {"enabled": True}}} if readonly else {}),
        },
        "http": {"addr": f"127.0.0.1:{port}"},
    }
    (root / "config.yml").write_text(yaml.safe_dump(config))
    log = root / "registry.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [binary, "serve", str(root / "config.yml")], stdout=out, stderr=subprocess.STDOUT
        )
    wait_for(lambda: _port_open(port), "docker-registry", log)
    return proc, f"127.0.0.1:{port}"


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A plain-HTTP registry on loopback (docker treats 127.0.0.0/8 as insecure by default)."""
    if engine_problem() is not None:
        pytest.skip(engine_problem() or "")
    root = tmp_path_factory.mktemp("registry")
    proc, address = _start_registry(root, readonly=False)
    try:
        yield Registry(address, root)
    finally:
        stop_pid(proc)


@pytest.fixture(scope="session")
def readonly_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A registry in read-only maintenance mode: it refuses every push."""
    if engine_problem() is not None:
        pytest.skip(engine_problem() or "")
    root = tmp_path_factory.mktemp("registry-ro")
    proc, address = _start_registry(root, readonly=True)
    try:
        yield Registry(address, root)
    finally:
        stop_pid(proc)
