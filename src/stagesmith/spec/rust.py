"""Rust projects: packages, binaries and target files from ``Cargo.toml``, lock file, vendoring.

A virtual workspace (``[workspace]`` and no ``[package]``) is read member by member: each
member's manifest and target files are facts the plan needs to fetch dependencies before the
sources are copied (cargo refuses a manifest whose targets are missing).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

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
    #: Directories (relative, ``.`` = root) holding a package manifest.
    members: list[str] = ["."]
    #: Every binary target: name -> member directory.
    binaries: dict[str, str] = {}
    #: Target source files (relative paths) cargo needs to find to read the manifests, and their
    #: kind: ``bin``, ``lib``, ``bench``, ``test`` or ``example``.
    targets: dict[str, str] = {}


def detect(root: Path) -> bool:
    return (root / "Cargo.toml").is_file()


def _load(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StagesmithError(f"{path}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise StagesmithError(f"{path}: malformed TOML: {exc}") from exc


#: Target tables other than ``[[bin]]``/``[lib]`` -> (kind, directory cargo infers paths in).
_OTHER_TARGETS = {"bench": "benches", "test": "tests", "example": "examples"}


def _targets(root: Path, member: str, doc: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """(binary names, {target file: kind}) of one package, with cargo's auto-discovery.

    Every file cargo insists on when it reads the manifest is listed: binaries and the library,
    and each explicit ``[[bench]]``, ``[[test]]`` and ``[[example]]`` (its ``path``, else the
    file cargo infers from its name). Auto-discovered benches, tests and examples need no stub:
    when the file is missing cargo simply does not discover it.
    """
    base = root / member
    prefix = "" if member == "." else member + "/"
    name = str((doc.get("package") or {}).get("name") or "")
    bins: list[str] = []
    files: dict[str, str] = {}
    explicit = [b for b in doc.get("bin") or [] if isinstance(b, dict)]
    for entry in explicit:
        bin_name = str(entry.get("name") or name)
        path = str(entry.get("path") or _inferred(base, "src/bin", bin_name))
        if not (base / path).is_file() and (base / "src/main.rs").is_file():
            path = "src/main.rs"
        bins.append(bin_name)
        files[prefix + path] = "bin"
    lib = doc.get("lib") if isinstance(doc.get("lib"), dict) else {}
    lib_path = str((lib or {}).get("path") or "src/lib.rs")
    if (base / lib_path).is_file() or (lib or {}).get("path"):
        files[prefix + lib_path] = "lib"
    if (doc.get("package") or {}).get("autobins", True) is not False:
        if (base / "src/main.rs").is_file() and prefix + "src/main.rs" not in files:
            bins.append(name)
            files[prefix + "src/main.rs"] = "bin"
        found = [*(base / "src" / "bin").glob("*.rs"), *(base / "src" / "bin").glob("*/main.rs")]
        for extra in sorted(found):
            rel = prefix + extra.relative_to(base).as_posix()
            if rel not in files:
                bins.append(extra.stem if extra.name != "main.rs" else extra.parent.name)
                files[rel] = "bin"
    for kind, folder in _OTHER_TARGETS.items():
        for entry in doc.get(kind) or []:
            if isinstance(entry, dict) and entry.get("name"):
                path = str(entry.get("path") or _inferred(base, folder, str(entry["name"])))
                files.setdefault(prefix + path, kind)
    return bins, files


def _inferred(base: Path, folder: str, name: str) -> str:
    """The file cargo takes for a target given by name only: ``DIR/NAME.rs`` or ``DIR/NAME/main.rs``."""
    if (base / folder / name / "main.rs").is_file() and not (
        base / folder / f"{name}.rs"
    ).is_file():
        return f"{folder}/{name}/main.rs"
    return f"{folder}/{name}.rs"


def _members(root: Path, workspace: dict[str, Any]) -> list[str]:
    """Workspace members (globs expanded, ``exclude`` removed) that have a manifest."""
    excluded = {str(x).rstrip("/") for x in workspace.get("exclude") or []}
    found: list[str] = []
    for pattern in workspace.get("members") or []:
        for path in sorted(root.glob(str(pattern).rstrip("/"))):
            rel = path.relative_to(root).as_posix()
            if (path / "Cargo.toml").is_file() and rel not in excluded and rel not in found:
                found.append(rel)
    return found


def read(root: Path) -> RustSpec:
    path = root / "Cargo.toml"
    doc = _load(path)
    package = doc.get("package") or {}
    name = package.get("name")
    workspace = doc.get("workspace")
    if not isinstance(name, str) and not isinstance(workspace, dict):
        raise StagesmithError(f"{path}: [package] has no name")
    manifests: dict[str, dict[str, Any]] = {".": doc} if isinstance(name, str) else {}
    if isinstance(workspace, dict):
        for member in _members(root, workspace):
            manifests.setdefault(member, _load(root / member / "Cargo.toml"))
    binaries: dict[str, str] = {}
    targets: dict[str, str] = {}
    for member, manifest in manifests.items():
        bins, files = _targets(root, member, manifest)
        for bin_name in bins:
            binaries.setdefault(bin_name, member)
        targets.update(files)
    if not binaries:
        what = "the workspace members" if not isinstance(name, str) else "the package"
        raise StagesmithError(
            f"{path}: no binary target in {what} (src/main.rs, src/bin/*.rs or [[bin]])"
        )
    package_name = name if isinstance(name, str) else root.resolve().name
    preferred = next((b for b in binaries if b == package_name), next(iter(binaries)))
    return RustSpec(
        package=package_name,
        binary=preferred,
        has_lock=(root / "Cargo.lock").is_file(),
        vendored=(root / "vendor").is_dir() and (root / ".cargo" / "config.toml").is_file(),
        workspace=isinstance(workspace, dict),
        release_profile=dict((doc.get("profile") or {}).get("release") or {}),
        members=list(manifests),
        binaries=binaries,
        targets=targets,
    )
