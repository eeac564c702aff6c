"""Docker with BuildKit, through the ``docker`` CLI.

``docker buildx build`` is used when the buildx plugin is present (it understands
``--cache-to`` and remote builders); otherwise ``DOCKER_BUILDKIT=1 docker build``, which
BuildKit-enabled daemons (Docker >= 18.09, including Debian 12's docker.io 20.10) serve
without the plugin: cache mounts, ``--target``, secrets and ``--cache-from`` work, but
``--cache-to`` and ``--platform`` lists do not.

``builder`` is a daemon address (``tcp://``, ``ssh://``, ``unix://``; passed as ``--host``),
or a docker context name (``--context``), or with buildx ``buildx:NAME`` for a buildx builder
(``docker buildx create --driver remote|kubernetes``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import replace
from functools import cached_property
from pathlib import Path

from stagesmith.engine.base import (
    SAVE_FORMATS,
    BuildRequest,
    BuildResult,
    Engine,
    EngineError,
    LineCallback,
    SaveFormat,
    _noop,
    request_flags,
)
from stagesmith.errors import StagesmithError

#: The one cache export ``docker build`` manages without buildx: metadata inside the image.
INLINE = "type=inline"


def _client_major(executable: str) -> int | None:
    try:
        proc = subprocess.run(
            [executable, "version", "--format", "{{.Client.Version}}"],
            capture_output=True,
            text=True,
            timeout=10,
            env={**os.environ, "DOCKER_HOST": "unix:///nonexistent"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.match(r"(\d+)\.", proc.stdout.strip())
    return int(match.group(1)) if match else None


def _has_buildx(executable: str) -> bool:
    try:
        proc = subprocess.run([executable, "buildx", "version"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def can_buildkit(executable: str) -> bool:
    """Whether this docker CLI can build with BuildKit: buildx, or a client before 23.0.

    From 23.0 ``DOCKER_BUILDKIT=1 docker build`` refuses to run without the buildx plugin;
    older clients (Debian 12's 20.10) talk BuildKit to the daemon themselves.
    """
    if _has_buildx(executable):
        return True
    major = _client_major(executable)
    return major is not None and major < 23


def find_docker() -> str | None:
    """``$STAGESMITH_DOCKER``, else the first ``docker`` on PATH that can build with BuildKit,
    else the first ``docker`` on PATH (its build then fails with a clear message)."""
    explicit = os.environ.get("STAGESMITH_DOCKER")
    if explicit:
        return explicit
    found: list[str] = []
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        candidate = shutil.which("docker", path=entry or ".")
        if candidate and candidate not in found:
            found.append(candidate)
    for candidate in found:
        if can_buildkit(candidate):
            return candidate
    return found[0] if found else None


class DockerEngine(Engine):
    name = "docker"
    binary = "docker"
    supports_cache_from = True
    save_formats = ("docker-archive",)

    def __init__(self, *, builder: str | None = None, executable: str | None = None) -> None:
        super().__init__(builder=builder, executable=executable or find_docker())

    #: With buildx any exporter; without it only ``type=inline`` (checked in check_request).
    supports_cache_to = True

    @property
    def _buildx_builder(self) -> str | None:
        if self.builder and self.builder.startswith("buildx:"):
            return self.builder.removeprefix("buildx:")
        return None

    def base_argv(self) -> list[str]:
        argv = [self.executable]
        if self.builder and not self._buildx_builder:
            if "://" in self.builder:
                argv += ["--host", self.builder]
            else:
                argv += ["--context", self.builder]
        return argv

    def env(self) -> dict[str, str]:
        env = super().env()
        env["DOCKER_BUILDKIT"] = "1"
        env.setdefault("BUILDKIT_PROGRESS", "plain")
        return env

    @cached_property
    def has_buildx(self) -> bool:
        return _has_buildx(self.executable)

    def check_request(self, request: BuildRequest) -> None:
        if not can_buildkit(self.executable):
            raise EngineError(
                f"docker: {self.executable} needs the buildx plugin to build with BuildKit "
                "(install docker-buildx, or set STAGESMITH_DOCKER to a docker CLI <= 20.10)"
            )
        if self._buildx_builder and not self.has_buildx:
            raise EngineError("docker: a buildx builder was named but the buildx plugin is missing")
        if request.cache_to and not self.has_buildx and request.cache_to != [INLINE]:
            raise EngineError(
                "docker: --cache-to needs the buildx plugin (docker build without buildx "
                f"only writes an inline cache: use --cache-to {INLINE} and push the image, "
                "then --cache-from IMAGE; or install docker-buildx)"
            )
        super().check_request(request)

    def build(self, request: BuildRequest, on_line: LineCallback = _noop) -> BuildResult:
        """BuildKit has no --ignorefile: it reads ``<Dockerfile>.dockerignore`` beside the
        Dockerfile, so a separate ignore file is staged there with a copy of the Dockerfile."""
        beside = request.dockerfile.with_name(request.dockerfile.name + ".dockerignore")
        if request.ignorefile is None or request.ignorefile == beside:
            return super().build(request, on_line)
        if not request.dockerfile.is_file():
            raise StagesmithError(f"Dockerfile {request.dockerfile} not found")
        with tempfile.TemporaryDirectory(prefix="stagesmith-df-") as tmp:
            staged = Path(tmp) / "Dockerfile"
            shutil.copyfile(request.dockerfile, staged)
            shutil.copyfile(request.ignorefile, Path(tmp) / "Dockerfile.dockerignore")
            return super().build(replace(request, dockerfile=staged, ignorefile=None), on_line)

    def build_argv(self, request: BuildRequest, iidfile: Path) -> list[str]:
        if self.has_buildx:
            argv = ["buildx", "build", "--progress=plain"]
            if self._buildx_builder:
                argv += ["--builder", self._buildx_builder]
            # A docker-container/remote builder keeps its result to itself unless loaded.
            argv.append("--load")
        else:
            argv = ["build", "--progress=plain"]
        argv += ["--file", str(request.dockerfile), "--iidfile", str(iidfile)]
        if request.pull:
            argv.append("--pull")
        if not self.has_buildx and request.cache_to == [INLINE]:
            # BuildKit without buildx writes cache metadata into the image itself.
            request = replace(
                request,
                cache_to=[],
                build_args={**request.build_args, "BUILDKIT_INLINE_CACHE": "1"},
            )
        argv += request_flags(request)
        return [*argv, str(request.context)]

    def save(self, image: str, dest: Path, fmt: SaveFormat = "docker-archive") -> Path:
        if fmt not in SAVE_FORMATS:
            raise StagesmithError(f"unknown archive format {fmt!r}: use {', '.join(SAVE_FORMATS)}")
        if fmt != "docker-archive":
            raise EngineError(
                f"docker save writes docker-archive only; for {fmt} use --engine podman "
                "or convert with skopeo"
            )
        self._run(["save", "--output", str(dest), image], what=f"saving {image}")
        return dest

    def push(self, image: str, dest: str | None = None, *, tls_verify: bool = True) -> None:
        # The daemon decides TLS (loopback registries are insecure by default; others need
        # insecure-registries in daemon.json), so tls_verify cannot be honoured per push.
        target = image
        if dest:
            dest = dest.removeprefix("docker://")
            self.tag(image, dest)
            target = dest
        self._run(["push", "--quiet", target], what=f"pushing {target}", timeout=900)

    def pull(self, image: str, *, tls_verify: bool = True) -> None:
        self._run(
            ["pull", "--quiet", image.removeprefix("docker://")],
            what=f"pulling {image}",
            timeout=900,
        )

    def remove(self, image: str, *, force: bool = False) -> None:
        super().remove(image, force=force)

    def load(self, archive: Path) -> None:
        """Load a docker-archive (e.g. from ``podman save``) into the daemon."""
        self._run(["load", "--input", str(archive)], what=f"loading {archive}")
