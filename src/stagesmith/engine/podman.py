"""Podman and buildah: daemonless engines sharing one image store (containers/storage).

Podman builds with ``podman build --pull=never --force-rm --layers`` (buildah's builder inside);
buildah builds with ``buildah bud``. Both read ``--ignorefile`` so a generated .dockerignore
never has to be written into the user's context. Remote podman goes through
``podman --remote --url URL`` (a ``podman system service`` on a socket or TCP).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from stagesmith.engine.base import (
    SAVE_FORMATS,
    BuildRequest,
    Engine,
    EngineError,
    SaveFormat,
    request_flags,
)
from stagesmith.errors import StagesmithError


def _common_build_flags(request: BuildRequest, iidfile: Path) -> list[str]:
    # --format docker: the OCI image config has no HEALTHCHECK (podman drops it with a
    # warning); the docker format keeps it, so images behave as docker-built ones do.
    argv = ["--format", "docker", "--file", str(request.dockerfile), "--iidfile", str(iidfile)]
    argv.append("--pull=always" if request.pull else "--pull=never")
    if not request.tls_verify:
        # A plain-HTTP registry (a loopback cache repository, say) for pulls and the cache.
        argv.append("--tls-verify=false")
    argv += request_flags(request)
    if request.ignorefile is not None:
        argv += ["--ignorefile", str(request.ignorefile)]
    return argv


class PodmanEngine(Engine):
    name = "podman"
    binary = "podman"
    # podman 4.x accepts --cache-from/--cache-to as a *repository* of layers (not BuildKit's
    # type=registry,ref=... syntax); they need --layers, which we always pass.
    supports_cache_from: ClassVar[bool] = True
    supports_cache_to: ClassVar[bool] = True

    def base_argv(self) -> list[str]:
        if self.builder:
            return [self.executable, "--remote", "--url", self.builder]
        return [self.executable]

    def check_request(self, request: BuildRequest) -> None:
        super().check_request(request)
        for ref in [*request.cache_from, *request.cache_to]:
            if "=" in ref:
                raise EngineError(
                    f"{self.name}: cache references are plain repositories "
                    f"(e.g. registry/app-cache), not BuildKit '{ref}'"
                )

    def build_argv(self, request: BuildRequest, iidfile: Path) -> list[str]:
        return [
            "build",
            "--force-rm",
            "--layers",
            *_common_build_flags(request, iidfile),
            str(request.context),
        ]

    def stop(self, container: str) -> None:
        """Kill at once (``--time 0``): a shell or ``sleep`` as PID 1 ignores SIGTERM, and
        waiting out the default 10 s grace period buys nothing for a throwaway container."""
        self._run(["rm", "--force", "--time", "0", container], what="stop", check=False)

    def save(self, image: str, dest: Path, fmt: SaveFormat = "docker-archive") -> Path:
        if fmt not in SAVE_FORMATS:
            raise StagesmithError(f"unknown archive format {fmt!r}: use {', '.join(SAVE_FORMATS)}")
        self._run(
            ["save", "--quiet", "--format", fmt, "--output", str(dest), image],
            what=f"saving {image}",
        )
        return dest

    def push(self, image: str, dest: str | None = None, *, tls_verify: bool = True) -> None:
        args = ["push", f"--tls-verify={str(tls_verify).lower()}", image]
        if dest:
            args.append(f"docker://{dest}" if "://" not in dest else dest)
        self._run(args, what=f"pushing {dest or image}", timeout=900)

    def pull(self, image: str, *, tls_verify: bool = True) -> None:
        self._run(
            ["pull", "--quiet", f"--tls-verify={str(tls_verify).lower()}", image],
            what=f"pulling {image}",
            timeout=900,
        )


class BuildahEngine(PodmanEngine):
    """buildah for building and pushing; containers run through podman (same image store)."""

    name = "buildah"
    binary = "buildah"

    def base_argv(self) -> list[str]:
        if self.builder:
            raise EngineError("buildah has no remote mode; use --engine podman with --builder")
        return [self.executable]

    def build_argv(self, request: BuildRequest, iidfile: Path) -> list[str]:
        return [
            "bud",
            "--force-rm",
            "--layers",
            *_common_build_flags(request, iidfile),
            str(request.context),
        ]

    def image_exists(self, image: str) -> bool:
        return (
            self._run(["inspect", "--type", "image", image], what="inspect", check=False).returncode
            == 0
        )

    def image_size(self, image: str) -> int:
        # buildah does not report a size; podman reads the same store.
        return PodmanEngine().image_size(image)

    def image_id(self, image: str) -> str:
        proc = self._run(
            ["inspect", "--type", "image", "--format", "{{.FromImageID}}", image],
            what=f"inspecting {image}",
        )
        return proc.stdout.strip()

    def save(self, image: str, dest: Path, fmt: SaveFormat = "docker-archive") -> Path:
        if fmt not in SAVE_FORMATS:
            raise StagesmithError(f"unknown archive format {fmt!r}: use {', '.join(SAVE_FORMATS)}")
        transport = {
            "docker-archive": "docker-archive",
            "oci-archive": "oci-archive",
            "oci-dir": "oci",
        }[fmt]
        self._run(["push", "--quiet", image, f"{transport}:{dest}"], what=f"saving {image}")
        return dest

    def container_engine(self) -> Engine:
        """podman runs buildah's images: the two share one image store."""
        return PodmanEngine()

    def run(self, image, args=None, **kwargs):
        return PodmanEngine().run(image, args, **kwargs)

    def stop(self, container: str) -> None:
        PodmanEngine().stop(container)
