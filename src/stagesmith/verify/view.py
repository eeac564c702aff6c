"""What file and metadata tests need from an image, with symlinks resolved like a kernel would.

Tests see the image through ``ImageView``: its config, ``lstat`` of a path and the bytes of a
regular file. ``TreeView`` implements it over a flat map of path → ``Node`` (the merged layer
tree), so the same code serves archives and engine images without extracting anything.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field

#: Kinds of node, as tar records them.
FILE, DIR, SYMLINK, HARDLINK, CHAR, BLOCK, FIFO, OTHER = (
    "file",
    "dir",
    "symlink",
    "hardlink",
    "char",
    "block",
    "fifo",
    "other",
)
_MAX_LINKS = 40  # the kernel's limit on symlinks followed in one lookup


class PathError(Exception):
    """A path cannot be resolved: missing, a loop, or a non-directory in the middle."""


@dataclass(frozen=True)
class Node:
    path: str  # absolute, normalised ("/usr/bin/python3")
    kind: str
    mode: int = 0o644  # permission bits including setuid/setgid/sticky (0o7777)
    uid: int = 0
    gid: int = 0
    size: int = 0
    linkname: str = ""


@dataclass
class ImageMeta:
    """The runtime part of the image config (OCI ``config`` object), normalised."""

    user: str = ""
    env: list[str] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    exposed_ports: list[str] = field(default_factory=list)
    working_dir: str = ""
    volumes: list[str] = field(default_factory=list)

    def env_map(self) -> dict[str, str]:
        result: dict[str, str] = {}
        for item in self.env:
            key, _, value = item.partition("=")
            result[key] = value
        return result


def normalise(path: str) -> str:
    path = posixpath.normpath("/" + path.lstrip("/"))
    return "/" if path in ("/", "//") else path.rstrip("/") or "/"


class TreeView:
    """An ``ImageView`` over a merged file tree and a function that reads a file's bytes."""

    def __init__(
        self,
        nodes: dict[str, Node],
        meta: ImageMeta,
        read_bytes: Callable[[list[str]], dict[str, bytes]],
    ) -> None:
        self.nodes = nodes
        self.meta = meta
        self._read_bytes = read_bytes
        self._cache: dict[str, bytes] = {}

    # -- lookup -------------------------------------------------------------------------------
    def _node(self, path: str) -> Node | None:
        if path == "/":
            return self.nodes.get("/") or Node("/", DIR, 0o755)
        return self.nodes.get(path)

    def resolve(self, path: str, follow_last: bool) -> Node:
        """Walk ``path`` one component at a time, following symlinks (the last one if asked)."""
        todo = [c for c in normalise(path).split("/") if c]
        current = "/"
        links = 0
        while todo:
            part = todo.pop(0)
            if part == "..":
                current = posixpath.dirname(current) or "/"
                continue
            candidate = posixpath.join(current, part)
            node = self._node(candidate)
            if node is None:
                raise PathError(f"{candidate}: no such file or directory")
            last = not todo
            if node.kind == SYMLINK and (follow_last or not last):
                links += 1
                if links > _MAX_LINKS:
                    raise PathError(f"{path}: too many levels of symbolic links")
                target = node.linkname
                base = "/" if target.startswith("/") else current
                todo = [c for c in target.split("/") if c and c != "."] + todo
                current = base
                continue
            if not last and node.kind not in (DIR,):
                if node.kind == HARDLINK:
                    node = self._hardlink_target(node)
                if node.kind != DIR:
                    raise PathError(f"{candidate}: not a directory")
            current = candidate
        node = self._node(current)
        assert node is not None
        return node

    def _hardlink_target(self, node: Node) -> Node:
        target = self.nodes.get(normalise(node.linkname))
        if target is None:
            return node
        return Node(node.path, target.kind, target.mode, target.uid, target.gid, target.size)

    def lstat(self, path: str) -> Node | None:
        """The node at ``path`` without following a final symlink, or None if it is not there."""
        try:
            node = self.resolve(path, follow_last=False)
        except PathError:
            return None
        if node.kind == HARDLINK:
            return self._hardlink_target(node)
        return node

    def read(self, path: str) -> bytes:
        """The bytes of the regular file at ``path`` (symlinks followed); PathError if none."""
        node = self.resolve(path, follow_last=True)
        source = node.path
        if node.kind == HARDLINK:
            source = normalise(node.linkname)
            node = self._hardlink_target(node)
        if node.kind == DIR:
            raise PathError(f"{path}: is a directory")
        if node.kind != FILE:
            raise PathError(f"{path}: not a regular file")
        if source not in self._cache:
            self._cache.update(self._read_bytes([source]))
        if source not in self._cache:
            raise PathError(f"{path}: content not found in any layer")
        return self._cache[source]

    def prefetch(self, paths: list[str]) -> None:
        """Read the content of several files in one pass (a layer walk is the costly part)."""
        wanted = []
        for path in paths:
            try:
                node = self.resolve(path, follow_last=True)
            except PathError:
                continue
            source = normalise(node.linkname) if node.kind == HARDLINK else node.path
            if source not in self._cache:
                wanted.append(source)
        if wanted:
            self._cache.update(self._read_bytes(sorted(set(wanted))))
