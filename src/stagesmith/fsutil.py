"""Writing files the safe way: atomically, and never over an existing file without force."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from stagesmith.errors import StagesmithError


def check_writable(path: Path, force: bool) -> None:
    """Raise before any work is done if ``path`` exists and ``force`` is not set."""
    if path.exists() and not force:
        raise StagesmithError(f"{path} already exists; use --force to overwrite it")
    if path.exists() and path.is_dir():
        raise StagesmithError(f"{path} is a directory")


def write_atomic(path: Path, data: str | bytes, force: bool = False, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory.

    With ``force`` the temporary file replaces ``path`` (a rename). Without it, the temporary
    file is hard-linked to ``path``, which fails if ``path`` exists by then, so a file created
    after the check is never overwritten.
    """
    check_writable(path, force)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise StagesmithError(f"directory {parent} does not exist")
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.chmod(tmp, mode)
        if force:
            os.replace(tmp, path)
        else:
            _link_exclusive(tmp, path, raw, mode)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _link_exclusive(tmp: str, path: Path, raw: bytes, mode: int) -> None:
    try:
        os.link(tmp, path)
        return
    except FileExistsError as exc:
        raise StagesmithError(f"{path} already exists; use --force to overwrite it") from exc
    except OSError:
        pass  # no hard links on this file system: exclusive create instead
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError as exc:
        raise StagesmithError(f"{path} already exists; use --force to overwrite it") from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(raw)
