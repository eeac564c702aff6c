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
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename."""
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
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
