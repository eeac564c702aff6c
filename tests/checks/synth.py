"""Layered test images as real tar streams, walked like the image reader walks them.

Each layer is a tar built in memory from ``{path: spec}`` where spec is bytes (a file), a
``Sym``/``Dir``/``Whiteout`` marker, or ``(bytes, mode)``. ``SynthImage.walk`` reads the tars
with :mod:`tarfile` exactly once, offering content only when ``want`` says so.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any


@dataclass
class Sym:
    target: str


@dataclass
class Dir:
    mode: int = 0o755


@dataclass
class Hard:
    """A tar hard link to an earlier member of the same layer."""

    target: str


@dataclass
class Entry:
    path: str
    type: str
    size: int
    mode: int
    uid: int = 0
    gid: int = 0
    linkname: str = ""


@dataclass
class Config:
    user: str = ""
    env: list[str] = field(default_factory=list)


def layer_tar(files: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path, spec in files.items():
            info = tarfile.TarInfo(path)
            data = b""
            if isinstance(spec, Hard):
                info.type, info.linkname = tarfile.LNKTYPE, spec.target
            elif isinstance(spec, Sym):
                info.type, info.linkname = tarfile.SYMTYPE, spec.target
            elif isinstance(spec, Dir):
                info.type, info.mode = tarfile.DIRTYPE, spec.mode
            else:
                data, mode = spec if isinstance(spec, tuple) else (spec, 0o644)
                info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buf.getvalue()


_TYPES = {tarfile.REGTYPE: "file", tarfile.DIRTYPE: "dir", tarfile.SYMTYPE: "symlink"}


class SynthImage:
    def __init__(self, layers: list[dict[str, Any]], config: Config | None = None) -> None:
        self.tars = [layer_tar(files) for files in layers]
        self.config = config or Config()
        self.layers = self.tars

    def walk(self, want: Callable[[Any], bool]) -> Iterator[tuple[int, Any, IO[bytes] | None]]:
        for i, raw in enumerate(self.tars):
            with tarfile.open(fileobj=io.BytesIO(raw), mode="r|") as tar:
                for info in tar:
                    entry = Entry(
                        info.name.lstrip("/"),
                        _TYPES.get(info.type, "other"),
                        info.size,
                        info.mode,
                        info.uid,
                        info.gid,
                        info.linkname,
                    )
                    reader = tar.extractfile(info) if info.isfile() and want(entry) else None
                    yield i, entry, reader
