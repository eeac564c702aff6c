"""The merged view of an image built during the single walk: what is alive at the end.

Checks see every entry of every layer once, in order, including files a later layer deletes or
replaces. Each check records what it saw together with the layer index, and keeps a record only
if :meth:`Index.alive` says that path from that layer is still there in the final image. The
index also answers path lookups with symlinks resolved *inside* the image, which the shared
library check needs. It holds a small tuple per path, never file content.
"""

from __future__ import annotations

import contextlib
import posixpath
from dataclasses import dataclass
from typing import Any

FILE, DIR, SYMLINK, HARDLINK, OTHER = "file", "dir", "symlink", "hardlink", "other"

_KIND_ALIASES = {
    "file": FILE,
    "reg": FILE,
    "regular": FILE,
    "0": FILE,
    "\x00": FILE,
    "dir": DIR,
    "directory": DIR,
    "5": DIR,
    "symlink": SYMLINK,
    "sym": SYMLINK,
    "link": SYMLINK,
    "2": SYMLINK,
    "hardlink": HARDLINK,
    "lnk": HARDLINK,
    "1": HARDLINK,
}

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"


_KIND_CACHE: dict[Any, str] = {}


def kind_of(entry: Any) -> str:
    """Normalise the reader's entry type (an enum, a string or a tar type byte) to our names."""
    raw = getattr(entry, "type", None)
    try:
        return _KIND_CACHE[raw]
    except (KeyError, TypeError):
        pass
    kind = _kind_uncached(raw)
    with contextlib.suppress(TypeError):
        _KIND_CACHE[raw] = kind
    return kind


def _kind_uncached(raw: Any) -> str:
    value = getattr(raw, "value", raw)
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    name = getattr(raw, "name", None)
    for candidate in (value, name):
        if isinstance(candidate, str):
            hit = _KIND_ALIASES.get(candidate.lower())
            if hit:
                return hit
    return OTHER


def norm(path: str) -> str:
    """Image paths as keys: no leading ``/`` or ``./``, no trailing ``/``."""
    if (
        path
        and path[0] not in "./ "
        and path[-1] not in "/ "
        and "/." not in path
        and "//" not in path
    ):
        return path  # already clean (the reader normalises paths)
    path = path.strip()
    while path.startswith("./"):
        path = path[2:]
    path = path.strip("/")
    if not path:
        return ""
    return posixpath.normpath(path).lstrip("/") if ".." in path or "//" in path else path


def whiteout_target(entry: Any) -> tuple[str, bool] | None:
    """``(path, opaque)`` if the entry deletes something from lower layers, else None.

    Works whether the reader passes raw ``.wh.`` names or flags (``whiteout``/``opaque``)
    on entries whose path is already the deleted path (or the opaque directory).
    """
    flag = getattr(entry, "whiteout", None)
    if not flag and ".wh." not in entry.path and not getattr(entry, "opaque", False):
        return None  # the common case, kept cheap: this runs for every entry
    path = norm(entry.path)
    base = posixpath.basename(path)
    parent = posixpath.dirname(path)
    if base == OPAQUE_MARKER:
        return parent, True
    if base.startswith(WHITEOUT_PREFIX):
        return (posixpath.join(parent, base[len(WHITEOUT_PREFIX) :]), False)
    if getattr(entry, "opaque", False):
        return (norm(flag) if isinstance(flag, str) else path), True
    if flag:
        return (norm(flag) if isinstance(flag, str) else path), False
    return None


@dataclass(slots=True)
class Node:
    layer: int
    kind: str
    size: int
    mode: int
    linkname: str


class Index:
    """Path → (layer, kind, size, mode, link) for everything alive, updated entry by entry."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self._dirs: set[str] | None = None  # every parent directory, built lazily for lookups
        #: per layer: sum of entry content sizes (dive's layer size) and number of entries
        self.layer_bytes: dict[int, int] = {}
        self.layer_entries: dict[int, int] = {}

    def add(
        self,
        layer: int,
        entry: Any,
        path: str | None = None,
        kind: str | None = None,
        wo: tuple[str, bool] | None = None,
        known: bool = False,
    ) -> None:
        """Record one entry; ``known`` means path/kind/wo were already computed by the caller."""
        self.layer_entries[layer] = self.layer_entries.get(layer, 0) + 1
        self.layer_bytes[layer] = self.layer_bytes.get(layer, 0) + int(entry.size or 0)
        if not known:
            wo = whiteout_target(entry)
            path, kind = norm(entry.path), kind_of(entry)
        if wo is not None:
            target, opaque = wo
            self._delete(layer, target, keep_self=opaque)
            return
        if not path or kind is None:
            return
        self._dirs = None
        old = self.nodes.get(path)
        if old is not None and old.kind == DIR and kind != DIR:
            # a file replacing a directory hides everything below it
            self._delete(layer, path, keep_self=True)
        link = entry.linkname or "" if kind in (SYMLINK, HARDLINK) else ""
        self.nodes[path] = Node(layer, kind, int(entry.size or 0), int(entry.mode or 0), link)

    def _delete(self, layer: int, target: str, keep_self: bool) -> None:
        """Remove what lower layers put at ``target`` (and below it)."""
        target = norm(target)
        self._dirs = None
        node = self.nodes.get(target)
        if node is not None and node.kind != DIR:
            if not keep_self and node.layer < layer:
                del self.nodes[target]
            return
        prefix = target + "/" if target else ""
        doomed = [
            p
            for p, n in self.nodes.items()
            if n.layer < layer and (p.startswith(prefix) or (not keep_self and p == target))
        ]
        for p in doomed:
            del self.nodes[p]

    def alive(self, path: str, layer: int) -> bool:
        node = self.nodes.get(norm(path))
        return node is not None and node.layer == layer

    def resolve(self, path: str, max_links: int = 40) -> str | None:
        """The final path ``path`` names after following symlinks inside the image, or None."""
        parts = [p for p in norm(path).split("/") if p]
        done: list[str] = []
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == ".":
                continue
            if part == "..":
                if done:
                    done.pop()
                continue
            current = "/".join([*done, part])
            node = self.nodes.get(current)
            if node is None:
                # implicit parent directories (tar without dir entries) still count as dirs
                if parts and current in self._parent_dirs():
                    done.append(part)
                    continue
                return None
            if node.kind == SYMLINK:
                hops += 1
                if hops > max_links:
                    return None
                link = node.linkname
                base = [] if link.startswith("/") else list(done)
                parts = [p for p in link.split("/") if p] + parts
                done = base
                continue
            if node.kind == HARDLINK and not parts:
                return norm(node.linkname) if norm(node.linkname) in self.nodes else current
            done.append(part)
        return "/".join(done)

    def _parent_dirs(self) -> set[str]:
        if self._dirs is None:
            dirs: set[str] = set()
            for p in self.nodes:
                parent = posixpath.dirname(p)
                while parent and parent not in dirs:
                    dirs.add(parent)
                    parent = posixpath.dirname(parent)
            self._dirs = dirs
        return self._dirs

    def exists(self, path: str) -> bool:
        return self.resolve(path) is not None

    def kind(self, path: str) -> str | None:
        node = self.nodes.get(norm(path))
        return node.kind if node else None

    def listdir(self, directory: str) -> list[str]:
        """Direct children of ``directory`` (already resolved), sorted."""
        prefix = norm(directory) + "/" if norm(directory) else ""
        return sorted(
            p[len(prefix) :]
            for p in self.nodes
            if p.startswith(prefix) and "/" not in p[len(prefix) :]
        )
