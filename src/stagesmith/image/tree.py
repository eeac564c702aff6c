"""The merged filesystem of an image: layers stacked, whiteouts and opaque dirs applied.

Nodes hold metadata only (no content), so the tree of a large image stays small.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field

from stagesmith.image.model import Entry, EntryType, ImageError

MAX_HOPS = 40  # like the kernel's MAXSYMLINKS


@dataclass(slots=True, eq=False)
class Node:
    path: str
    type: EntryType
    size: int = 0
    mode: int = 0o755
    uid: int = 0
    gid: int = 0
    linkname: str = ""
    layer: int = 0
    children: dict[str, Node] | None = field(default=None, repr=False)
    _total: int | None = field(default=None, repr=False)

    @property
    def is_dir(self) -> bool:
        return self.type is EntryType.DIR

    @property
    def total_size(self) -> int:
        """Size of a file, or of everything below a directory."""
        if self.children is None:
            return self.size
        if self._total is None:
            self._total = self.size + sum(c.total_size for c in self.children.values())
        return self._total


class FileTree:
    """Build with :meth:`apply` in layer order (``Image.tree()`` does), then query."""

    def __init__(self) -> None:
        self.root = Node("", EntryType.DIR, children={})

    # -- building --------------------------------------------------------------------------
    def _dir(self, path: str, layer: int) -> Node:
        node = self.root
        if not path:
            return node
        acc = ""
        for part in path.split("/"):
            acc = f"{acc}/{part}" if acc else part
            assert node.children is not None
            child = node.children.get(part)
            if child is None or child.children is None:
                child = Node(acc, EntryType.DIR, layer=layer, children={})
                node.children[part] = child
            else:
                child.layer = max(child.layer, layer)  # touched by this layer: survives its opaque
            node = child
        return node

    def apply(self, layer: int, entry: Entry) -> None:
        self.root._total = None
        if entry.whiteout is not None:
            if entry.opaque:
                target = self.get(entry.whiteout)
                if target is not None and target.children is not None:
                    _prune_below(target, layer)
                return
            parent_path, _, name = entry.whiteout.rpartition("/")
            parent = self.get(parent_path)
            if parent is not None and parent.children is not None:
                victim = parent.children.get(name)
                if victim is not None and victim.layer < layer:
                    del parent.children[name]
            return
        parent_path, _, name = entry.path.rpartition("/")
        parent = self._dir(parent_path, layer)
        assert parent.children is not None
        old = parent.children.get(name)
        if entry.type is EntryType.DIR:
            if old is not None and old.children is not None:
                old.mode, old.uid, old.gid, old.layer = entry.mode, entry.uid, entry.gid, layer
                return
            parent.children[name] = Node(
                entry.path, entry.type, 0, entry.mode, entry.uid, entry.gid, "", layer, {}
            )
            return
        parent.children[name] = Node(
            entry.path,
            entry.type,
            entry.size,
            entry.mode,
            entry.uid,
            entry.gid,
            entry.linkname,
            layer,
        )

    def remove(self, path: str) -> bool:
        """Delete ``path`` and everything below it, whatever layer put it there."""
        parent_path, _, name = path.rpartition("/")
        parent = self.get(parent_path)
        if parent is None or parent.children is None or name not in parent.children:
            return False
        del parent.children[name]
        self.root._total = None
        return True

    # -- queries ---------------------------------------------------------------------------
    def get(self, path: str) -> Node | None:
        """The node at ``path`` exactly (symlinks not followed), or None."""
        node = self.root
        for part in path.strip("/").split("/"):
            if not part or part == ".":
                continue
            if node.children is None:
                return None
            nxt = node.children.get(part)
            if nxt is None:
                return None
            node = nxt
        return node

    def walk(self) -> Iterator[Node]:
        """Every node except the root, parents before children, names sorted."""
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node is not self.root:
                yield node
            if node.children:
                stack.extend(node.children[k] for k in sorted(node.children, reverse=True))

    def __iter__(self) -> Iterator[Node]:
        return self.walk()

    def __contains__(self, path: str) -> bool:
        return self.get(path) is not None

    @property
    def total_size(self) -> int:
        return self.root.total_size

    def resolve(self, path: str) -> Node | None:
        """The node ``path`` names once symlinks are followed inside the image.

        Absolute link targets restart at the image root; ``..`` never climbs above it. A
        chain of more than 40 links is a loop and raises ImageError.
        """
        hops = 0
        todo = [p for p in path.strip("/").split("/") if p not in ("", ".")]
        todo.reverse()
        stack: list[Node] = [self.root]
        while todo:
            part = todo.pop()
            if part == "..":
                if len(stack) > 1:
                    stack.pop()
                continue
            cur = stack[-1]
            if cur.children is None:
                return None
            nxt = cur.children.get(part)
            if nxt is None:
                return None
            if nxt.type is EntryType.SYMLINK:
                hops += 1
                if hops > MAX_HOPS:
                    raise ImageError(f"symlink loop resolving /{path.strip('/')}")
                target = nxt.linkname
                if target.startswith("/"):
                    stack = [self.root]
                parts = [p for p in target.split("/") if p not in ("", ".")]
                todo.extend(reversed(parts))
                continue
            stack.append(nxt)
        return stack[-1]

    def realpath(self, path: str) -> str | None:
        node = self.resolve(path)
        return None if node is None else "/" + node.path


def _prune_below(node: Node, layer: int) -> None:
    """Opaque dir: drop what lower layers put under ``node``, keep this layer's entries."""
    assert node.children is not None
    for name in list(node.children):
        child = node.children[name]
        if child.layer < layer:
            del node.children[name]
        elif child.children is not None:
            _prune_below(child, layer)


def parent_of(path: str) -> str:
    return posixpath.dirname(path)
