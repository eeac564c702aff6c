"""Where a report file (``--html``) goes: checked before any image is read, written safely.

``check_output`` refuses, before the (possibly long) read of an image, every location the
write would fail on or should not touch: an empty path, a missing or unwritable directory, a
directory or special file, an existing file without ``--force``, and the input image itself
(even with ``--force``). ``write_output`` turns an OS error at write time into one line.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from stagesmith.errors import StagesmithError
from stagesmith.report.fmt import printable


def check_output(text: str, force: bool, inputs: Sequence[str], flag: str = "--html") -> Path:
    """The output path named by ``text``, or a one-line :class:`StagesmithError` (exit 2)."""
    if not text:
        raise StagesmithError(f"{flag}: the path is empty")
    path = Path(text)
    shown = printable(text)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise StagesmithError(f"{flag} {shown}: cannot use it: {exc.strerror}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise StagesmithError(f"{flag} {shown} is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise StagesmithError(f"{flag} {shown} is not a regular file")
        for source in inputs:
            if _same_file(path, source):
                raise StagesmithError(
                    f"{flag} {shown} is the input image {printable(source)}; "
                    "refusing to overwrite it, even with --force"
                )
        if not force:
            raise StagesmithError(f"{shown} already exists; use --force to overwrite it")
    parent = path.parent
    if not parent.is_dir():
        raise StagesmithError(f"{flag} {shown}: directory {printable(parent)} does not exist")
    # the write goes through a temporary file in that directory: try one now, so a
    # read-only or pseudo file system (/sys, /proc) fails before the image is read
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise StagesmithError(
            f"{flag} {shown}: cannot write in {printable(parent)}: {exc.strerror}"
        ) from None
    os.close(fd)
    os.unlink(probe)
    return path


def _same_file(path: Path, source: str) -> bool:
    try:
        return os.path.samefile(path, source)
    except OSError:
        return False


def write_output(path: Path, data: str, force: bool, inputs: Sequence[str] = ()) -> None:
    """Write ``data`` atomically; refuses the input image, and an OS error is one line."""
    from stagesmith.fsutil import write_atomic

    for source in inputs:
        if _same_file(path, source):
            raise StagesmithError(f"{printable(path)} is the input image; refusing to overwrite it")
    try:
        write_atomic(path, data.encode("utf-8", errors="backslashreplace"), force=force)
    except OSError as exc:
        raise StagesmithError(f"cannot write {printable(path)}: {exc.strerror or exc}") from None
