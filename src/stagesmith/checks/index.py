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
from typing import Any, NamedTuple

from stagesmith.errors import StagesmithError

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
    parent, _, base = path.rpartition("/")  # (normalized: no empty parts, no trailing "/")
    if base == OPAQUE_MARKER:
        return parent, True
    if base.startswith(WHITEOUT_PREFIX):
        tail = base[len(WHITEOUT_PREFIX) :]
        return (f"{parent}/{tail}" if parent else tail), False
    if getattr(entry, "opaque", False):
        return (norm(flag) if isinstance(flag, str) else path), True
    if flag:
        return (norm(flag) if isinstance(flag, str) else path), False
    return None


class Node(NamedTuple):
    """What the index keeps of one path (a tuple: one is made per entry of every layer)."""

    layer: int
    kind: str
    size: int
    mode: int
    linkname: str


#: ``Node(...)`` without the NamedTuple's Python-level ``__new__``: the index makes one per entry.
_new_node = tuple.__new__


class Index:
    """Path → (layer, kind, size, mode, link) for everything alive, updated entry by entry.

    ``_kids`` maps each directory (explicit or only implied by a member's path) to the paths
    directly below it, so a whiteout or opaque marker removes a subtree by walking just that
    subtree (not every path of the image), and implied directories are known without a scan.
    A directory is in ``_kids`` only while something is below it.
    """

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self._kids: dict[str, set[str]] = {}
        #: per layer: sum of entry content sizes (dive's layer size) and number of entries
        self.layer_bytes: dict[int, int] = {}
        self.layer_entries: dict[int, int] = {}
        #: bookkeeping for tests: how many paths whiteouts visited (must stay ~ what they delete)
        self.delete_visits = 0
        #: resolve(): (directory, max_links) -> (resolved parts, links followed) or None
        self._memo: dict[tuple[str, int], tuple[tuple[str, ...], int] | None] = {}

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
        size = entry.size or 0
        if layer in self.layer_entries:
            self.layer_entries[layer] += 1
            self.layer_bytes[layer] += size
        else:
            self.layer_entries[layer] = 1
            self.layer_bytes[layer] = size
        if not known:
            wo = whiteout_target(entry)
            path, kind = norm(entry.path), kind_of(entry)
        if wo is not None:
            self.delete(layer, wo[0], wo[1])
            return
        if path is None:
            if self._memo:
                self._memo.clear()
            return
        self.put(layer, entry, path, kind, size)

    def delete(self, layer: int, target: str, opaque: bool) -> None:
        """What a whiteout (``opaque``: an opaque marker) in ``layer`` does to ``target``;
        the layer counts are :meth:`add`'s (the runner keeps its own)."""
        if self._memo:
            self._memo.clear()
        self._delete(layer, target, keep_self=opaque)

    def put(self, layer: int, entry: Any, path: str, kind: str | None, size: int) -> None:
        """Record an entry that is not a whiteout at its (normalised) ``path``; ``size`` is
        its content size (``entry.size or 0``). The layer counts are :meth:`add`'s."""
        if self._memo:
            self._memo.clear()
        if not path or kind is None:
            return
        nodes = self.nodes
        old = nodes.get(path)
        if old is None:
            i = path.rfind("/")
            below = self._kids.get(path[:i] if i > 0 else "")
            if below is not None:  # the common case: a new path in a known directory
                below.add(path)
            else:
                self._link(path)
        elif old.kind == DIR and kind != DIR:
            # a file replacing a directory hides everything below it
            self._delete(layer, path, keep_self=True)
        link = entry.linkname or "" if kind in (SYMLINK, HARDLINK) else ""
        nodes[path] = _new_node(Node, (layer, kind, size, entry.mode or 0, link))

    def _link(self, path: str) -> None:
        kids = self._kids
        while True:
            parent = path.rpartition("/")[0]
            below = kids.get(parent)
            if below is None:
                kids[parent] = {path}
                if not parent:
                    return
                path = parent  # a new directory: link it to its own parent too
                continue
            below.add(path)
            return

    def _unlink(self, path: str) -> None:
        kids, nodes = self._kids, self.nodes
        while not kids.get(path):  # a path with something below stays an (implied) directory
            parent = path.rpartition("/")[0]
            below = kids.get(parent)
            if below is None:
                return
            below.discard(path)
            if below or not parent:
                return
            del kids[parent]
            if parent in nodes:
                return
            path = parent

    def _delete(self, layer: int, target: str, keep_self: bool) -> None:
        """Remove what lower layers put at ``target`` (and below it)."""
        target = norm(target)
        nodes = self.nodes
        node = nodes.get(target)
        if node is not None and node.kind != DIR:
            if not keep_self and node.layer < layer:
                del nodes[target]
                self._unlink(target)
            return
        doomed: list[str] = []
        if not keep_self and node is not None and node.layer < layer:
            doomed.append(target)
        todo = list(self._kids.get(target, ()))
        while todo:
            p = todo.pop()
            self.delete_visits += 1
            below = self._kids.get(p)
            if below:
                todo.extend(below)
            n = nodes.get(p)
            if n is not None and n.layer < layer:
                doomed.append(p)
        for p in doomed:
            del nodes[p]
            self._unlink(p)

    def alive(self, path: str, layer: int) -> bool:
        node = self.nodes.get(norm(path))
        return node is not None and node.layer == layer

    def resolve(self, path: str, max_links: int = 40) -> str | None:
        """The final path ``path`` names after following symlinks inside the image, or None.

        More than ``max_links`` links on the way is a symlink loop: a StagesmithError (exit 2),
        since the image cannot be reasoned about (the kernel refuses it with ELOOP).

        Where the parent directory of ``path`` leads is remembered (until the index changes):
        the shared-library check asks for thousands of names in the same few directories."""
        clean = norm(path)
        parent, _, base = clean.rpartition("/")
        done: list[str] = []
        hops = 0
        if parent:
            key = (parent, max_links)
            if key in self._memo:
                state = self._memo[key]
            else:
                got = self._walk(parent.split("/")[::-1], [], 0, True, clean, max_links)
                state = None if got is None else (tuple(got[0]), got[1])
                self._memo[key] = state
            if state is None:
                return None
            done, hops = list(state[0]), state[1]
        got = self._walk([base], done, hops, False, clean, max_links)
        if got is None:
            return None
        return got[2] if got[2] is not None else "/".join(got[0])

    def _walk(
        self, todo: list[str], done: list[str], hops: int, more: bool, path: str, max_links: int
    ) -> tuple[list[str], int, str | None] | None:
        """Resolve the parts ``todo`` (a stack: next part last) after the resolved ``done``.

        ``more`` says parts follow these (the caller resolves a parent directory), so the last
        one is not final: an implied directory passes and a hard link is not followed. Returns
        (resolved parts, links followed, the path a final hard link names) or None."""
        nodes, kids = self.nodes, self._kids
        prefix = "/".join(done)
        while todo:
            part = todo.pop()
            if part == "." or not part:
                continue
            if part == "..":
                if done:
                    done.pop()
                    prefix = "/".join(done)
                continue
            current = f"{prefix}/{part}" if prefix else part
            node = nodes.get(current)
            if node is None:
                # implicit parent directories (tar without dir entries) still count as dirs
                if (todo or more) and current in kids:
                    done.append(part)
                    prefix = current
                    continue
                return None
            if node.kind == SYMLINK:
                hops += 1
                if hops > max_links:
                    raise StagesmithError(f"symlink loop resolving /{path} (at /{current})")
                link = node.linkname
                if link.startswith("/"):
                    done, prefix = [], ""
                todo.extend(p for p in reversed(link.split("/")) if p)
                continue
            if node.kind == HARDLINK and not todo and not more:
                target = norm(node.linkname)
                return done, hops, (target if target in nodes else current)
            done.append(part)
            prefix = current
        return done, hops, None

    def is_dir(self, path: str) -> bool:
        """Whether ``path`` (not resolved) is a directory in the final image, an explicit
        directory entry or one only implied by something alive below it."""
        key = norm(path)
        node = self.nodes.get(key)
        if node is not None:
            return node.kind == DIR
        return bool(self._kids.get(key))

    def exists(self, path: str) -> bool:
        return self.resolve(path) is not None

    def kind(self, path: str) -> str | None:
        node = self.nodes.get(norm(path))
        return node.kind if node else None

    def listdir(self, directory: str) -> list[str]:
        """Names of the entries directly in ``directory`` (already resolved), sorted."""
        key = norm(directory)
        cut = len(key) + 1 if key else 0
        return sorted(p[cut:] for p in self._kids.get(key, ()) if p in self.nodes)
