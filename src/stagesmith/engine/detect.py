"""Choosing an engine: by name, or the first usable one (order in the package docstring)."""

from __future__ import annotations

import os
import shutil
import subprocess

from stagesmith.engine.base import Engine
from stagesmith.engine.podman import BuildahEngine, PodmanEngine
from stagesmith.errors import StagesmithError

ENGINE_NAMES = ("auto", "docker", "podman", "buildah")
_INSTALL_HINT = (
    "install podman (apt-get install podman), or docker with a running daemon, or buildah"
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


def get_engine(name: str = "auto", *, builder: str | None = None) -> Engine:
    """Return an adapter for ``name``; raise a clear error naming what to install if unusable."""
    if name == "auto":
        name = os.environ.get("STAGESMITH_ENGINE", "auto") or "auto"
    if name != "auto":
        cls = _engine_class(name)
        if shutil.which(cls.binary) is None:
            raise StagesmithError(
                f"engine '{name}' is not installed: '{cls.binary}' is not on PATH"
            )
        engine = cls(builder=builder)
        if name == "docker" and not _docker_answers(engine):
            where = builder or os.environ.get("DOCKER_HOST") or "the default socket"
            raise StagesmithError(
                f"docker is installed but its daemon at {where} does not answer "
                "(start dockerd, or pass --builder/DOCKER_HOST)"
            )
        return engine
    if shutil.which("podman"):
        return PodmanEngine(builder=builder)
    if shutil.which("docker"):
        engine = _engine_class("docker")(builder=builder)
        if _docker_answers(engine):
            return engine
    if shutil.which("buildah") and builder is None:
        return BuildahEngine()
    raise StagesmithError(f"no usable container engine found: {_INSTALL_HINT}")
