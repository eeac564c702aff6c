"""Which files ``stagesmith lint`` reads: named files, Dockerfiles below directories, stdin."""

from __future__ import annotations

import os
from pathlib import Path

from stagesmith.errors import StagesmithError

STDIN = "-"
_PATTERNS = ("Dockerfile", "*.Dockerfile", "Dockerfile.*", "Containerfile", "Containerfile.*")
_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}


def is_dockerfile_name(name: str) -> bool:
    """``name`` matches one of :data:`_PATTERNS` (case-sensitive, as ``fnmatchcase`` reads
    them; written out because it runs once per file of every directory walked)."""
    return (
        name in ("Dockerfile", "Containerfile")
        or name.startswith(("Dockerfile.", "Containerfile."))
        or name.endswith(".Dockerfile")
    )


def _walk(top: str, found: list[str]) -> None:
    """Dockerfiles below ``top`` in the order ``os.walk`` gives with sorted names: a
    directory's files, then its subdirectories (symlinked ones listed, not entered)."""
    try:
        with os.scandir(top) as it:
            entries = list(it)
    except OSError:
        return  # like os.walk: a directory that cannot be listed is skipped
    files: list[str] = []
    dirs: list[tuple[str, bool]] = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if entry.name not in _SKIP_DIRS:
                dirs.append((entry.name, entry.is_symlink()))
        elif is_dockerfile_name(entry.name):
            files.append(entry.name)
    files.sort()
    found += [os.path.join(top, f) for f in files]
    dirs.sort()
    for name, link in dirs:
        if not link:
            _walk(os.path.join(top, name), found)


def expand(paths: list[str]) -> list[str]:
    """Files in the order given; a directory adds its Dockerfiles (sorted, recursively).

    A missing path is an error; a directory with no Dockerfile is an error too, so a typo in a
    CI job does not pass silently.
    """
    result: list[str] = []
    for raw in paths:
        if raw == STDIN:
            result.append(STDIN)
            continue
        path = Path(raw)
        if path.is_dir():
            found: list[str] = []
            _walk(str(path), found)
            if not found:
                raise StagesmithError(f"{raw}: no Dockerfile found in this directory")
            result += found
        elif path.exists():
            result.append(raw)
        else:
            raise StagesmithError(f"{raw}: no such file or directory")
    return list(dict.fromkeys(result))
