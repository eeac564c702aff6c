"""The slice of ``stagesmith.engine.Engine`` that verify uses, as a Protocol.

Spelled out here so verify depends on behaviour, not on a class: any adapter with these
methods can run command tests and the start check.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, Protocol

SaveFormat = Literal["docker-archive", "oci-archive", "oci-dir"]


class EngineLike(Protocol):
    @property
    def name(self) -> str: ...

    def base_argv(self) -> list[str]: ...

    def env(self) -> dict[str, str]: ...

    def run_argv(
        self,
        image: str,
        args: Sequence[str] | None,
        *,
        entrypoint: str | None,
        user: str | None,
        env: Mapping[str, str] | None,
        publish: Sequence[str] | None,
        detach: bool,
        name: str | None,
    ) -> list[str]: ...

    def run(
        self,
        image: str,
        args: Sequence[str] | None = None,
        *,
        entrypoint: str | None = None,
        user: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 60,
        name: str | None = None,
    ) -> subprocess.CompletedProcess[str]: ...

    def stop(self, container: str) -> None: ...

    def container_engine(self) -> EngineLike: ...

    def save(self, image: str, dest: Path, fmt: SaveFormat = ...) -> Path: ...
