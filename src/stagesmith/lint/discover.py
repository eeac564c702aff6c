"""Which files ``stagesmith lint`` reads: named files, Dockerfiles below directories, stdin."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from stagesmith.errors import StagesmithError

STDIN = "-"
_PATTERNS = ("Dockerfile", "*.Dockerfile", "Dockerfile.*", "Containerfile", "Containerfile.*")
_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}


def is_dockerfile_name(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in _PATTERNS)


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
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
                found += [
                    os.path.join(dirpath, f) for f in sorted(filenames) if is_dockerfile_name(f)
                ]
            if not found:
                raise StagesmithError(f"{raw}: no Dockerfile found in this directory")
            result += found
        elif path.exists():
            result.append(raw)
        else:
            raise StagesmithError(f"{raw}: no such file or directory")
    return list(dict.fromkeys(result))
