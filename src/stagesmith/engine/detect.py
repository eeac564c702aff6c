"""Choosing an engine: by name, or the first usable one (order in the package docstring)."""

from __future__ import annotations

import os
import shutil
import subprocess

from stagesmith.engine.base import Engine
from stagesmith.engine.podman import BuildahEngine, PodmanEngine
from stagesmith.errors import StagesmithError, UsageError

ENGINE_NAMES = ("auto", "docker", "podman", "buildah")
#: The Debian package that provides each engine's CLI.
PACKAGES = {"docker": "docker.io", "podman": "podman", "buildah": "buildah"}
_INSTALL_HINT = (
    "install podman (apt-get install podman), or docker with a running daemon "
    "(apt-get install docker.io), or buildah (apt-get install buildah)"
)


def _engine_class(name: str) -> type[Engine]:
    if name == "podman":
        return PodmanEngine
    if name == "buildah":
        return BuildahEngine
    if name == "docker":
        from stagesmith.engine.docker import DockerEngine

        return DockerEngine
    raise StagesmithError(f"unknown engine {name!r}: choose one of {', '.join(ENGINE_NAMES)}")


def _docker_answers(engine: Engine) -> bool:
    try:
        proc = subprocess.run(
            [*engine.base_argv(), "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            timeout=10,
            env=engine.env(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def _names(argv: list[str]) -> set[str]:
    """Names a CLI lists (docker contexts, podman connections); empty when it cannot run."""
    if shutil.which(argv[0]) is None:
        return set()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return set()
    if proc.returncode != 0:
        return set()
    return {line.strip() for line in proc.stdout.splitlines() if line.strip()}


def engine_for_builder(builder: str) -> str:
    """Which engine a ``--builder`` value is for, with ``--engine auto``.

    ``buildx:NAME``, ``tcp://`` and ``ssh://`` addresses and docker context names mean docker;
    podman system connection names mean podman; a ``unix://`` socket is told apart by its
    file name (``podman.sock`` vs ``docker.sock``). Anything else needs ``--engine``.
    """
    if builder.startswith("buildx:"):
        return "docker"
    scheme, sep, rest = builder.partition("://")
    if sep:
        if scheme in ("tcp", "ssh", "http", "https"):
            return "docker"
        if scheme == "unix":
            base = os.path.basename(rest).lower()
            if "podman" in base:
                return "podman"
            if "docker" in base:
                return "docker"
        raise UsageError(
            f"cannot tell which engine --builder {builder} is for: "
            "add --engine docker or --engine podman"
        )
    in_podman = builder in _names(
        ["podman", "system", "connection", "list", "--format", "{{.Name}}"]
    )
    in_docker = builder in _names(["docker", "context", "ls", "--format", "{{.Name}}"])
    if in_docker and not in_podman:
        return "docker"
    if in_podman and not in_docker:
        return "podman"
    why = (
        "it is both a docker context and a podman connection"
        if in_docker
        else ("it is not a URL, a docker context or a podman connection")
    )
    raise UsageError(
        f"cannot tell which engine --builder {builder!r} is for ({why}): "
        "add --engine docker or --engine podman"
    )


def engine_class(name: str) -> type[Engine]:
    """The adapter class for a concrete engine name (no detection, nothing run)."""
    return _engine_class(name)


def get_engine(name: str = "auto", *, builder: str | None = None) -> Engine:
    """Return an adapter for ``name``; raise a clear error naming what to install if unusable."""
    if name == "auto":
        name = os.environ.get("STAGESMITH_ENGINE", "auto") or "auto"
    if name == "auto" and builder:
        name = engine_for_builder(builder)
    if name != "auto":
        cls = _engine_class(name)
        if name == "docker":
            from stagesmith.engine.docker import find_docker

            missing = find_docker() is None
        else:
            missing = shutil.which(cls.binary) is None
        if missing:
            raise StagesmithError(
                f"engine '{name}' is not installed: '{cls.binary}' is not on PATH "
                f"(apt-get install {PACKAGES[name]})"
            )
        engine = cls(builder=builder)
        if name == "docker" and not _docker_answers(engine):
            where = builder or os.environ.get("DOCKER_HOST") or "the default socket"
            raise StagesmithError(
                f"docker is installed but its daemon at {where} is not running or does not "
                "answer (start dockerd, or point --builder/DOCKER_HOST at a running one)"
            )
        return engine
    # DOCKER_HOST set (and CONTAINER_HOST not) says the user means a docker daemon.
    if os.environ.get("DOCKER_HOST") and not os.environ.get("CONTAINER_HOST"):
        docker = _answering_docker()
        if docker is not None:
            return docker
    if shutil.which("podman"):
        return PodmanEngine()
    docker = _answering_docker()
    if docker is not None:
        return docker
    if shutil.which("buildah"):
        return BuildahEngine()
    raise StagesmithError(f"no usable container engine found: {_INSTALL_HINT}")


def _answering_docker() -> Engine | None:
    if shutil.which("docker") is None:
        return None
    engine = _engine_class("docker")()
    return engine if _docker_answers(engine) else None
