"""Rust projects: package and binary names from ``Cargo.toml``, lock file and vendoring."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel

from stagesmith.errors import StagesmithError


class RustSpec(BaseModel):
    """Facts from ``Cargo.toml`` (and whether ``Cargo.lock`` / vendored crates exist)."""

    source: str = "Cargo.toml"
    package: str
    binary: str
    has_lock: bool = False
    vendored: bool = False
    workspace: bool = False
    release_profile: dict[str, object] = {}


def detect(root: Path) -> bool:
    return (root / "Cargo.toml").is_file()


def read(root: Path) -> RustSpec:
    path = root / "Cargo.toml"
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StagesmithError(f"{path}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise StagesmithError(f"{path}: malformed TOML: {exc}") from exc
    package = doc.get("package") or {}
    name = package.get("name")
    if not isinstance(name, str):
        if "workspace" in doc:
            raise StagesmithError(
                f"{path}: Cargo workspaces without a root package are not supported"
            )
        raise StagesmithError(f"{path}: [package] has no name")
    bins = doc.get("bin") or []
    binary = bins[0].get("name", name) if bins and isinstance(bins[0], dict) else name
    return RustSpec(
        package=name,
        binary=binary,
        has_lock=(root / "Cargo.lock").is_file(),
        vendored=(root / "vendor").is_dir() and (root / ".cargo" / "config.toml").is_file(),
        workspace="workspace" in doc,
        release_profile=dict((doc.get("profile") or {}).get("release") or {}),
    )
