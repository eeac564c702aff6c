"""Image efficiency with dive's exact definitions, so our numbers can be checked against dive.

dive (``filetree/efficiency.go``) looks at the *leaf* nodes of each layer's own tree (a member
with no members below it in the same layer; parents a layer only implies count as nodes too).
For every path it sums the size seen in each layer (``cumulative``) and keeps the smallest
(``minimum``). A whiteout counts as the size it deletes, measured on the layers below stacked
together, but only when it deletes a directory that the last layer touching it declared (not
merely implied as a parent); then it counts the whole subtree. A whiteout of a file counts 0. Efficiency is Σ minimum ÷ Σ cumulative (1.0 for an empty image); wasted bytes are Σ
cumulative over paths seen in two or more layers; user-wasted percent divides that by the size
of every layer but the first. Sizes are tar header sizes: directories, links and devices are 0.

Quirks of dive reproduced on purpose, checked against ``dive --json``: opaque markers
(``.wh..wh..opq``) are ignored, and a whiteout whose target is missing below records the path
with a "smallest size" of -1 and ends the visit of that layer (dive logs the error and moves
on), which lowers the score slightly. Layers are stacked in dive's visit order (children
first, names sorted) and layer 0 is stacked onto its own copy, as dive's StackTreeRange does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

from stagesmith.image.model import Entry, EntryType
from stagesmith.record import Record

if TYPE_CHECKING:
    from stagesmith.image.reader import Image


class Inefficiency(Record):
    __slots__ = ("count", "path", "size")

    def __init__(self, path: str, count: int, size: int) -> None:
        self.path = path  # with a leading "/", as dive prints it
        self.count = count  # in how many layers the path appears
        self.size = size  # cumulative bytes over those layers


class Efficiency(Record):
    __slots__ = (
        "inefficiencies",
        "layer_sizes",
        "score",
        "size_bytes",
        "user_size_bytes",
        "user_wasted_percent",
        "wasted_bytes",
    )

    def __init__(
        self,
        score: float,
        wasted_bytes: int,
        user_wasted_percent: float,
        size_bytes: int,
        user_size_bytes: int,
        layer_sizes: list[int],
        inefficiencies: list[Inefficiency] | None = None,
    ) -> None:
        self.score, self.wasted_bytes = score, wasted_bytes
        self.user_wasted_percent, self.size_bytes = user_wasted_percent, size_bytes
        self.user_size_bytes, self.layer_sizes = user_size_bytes, layer_sizes
        self.inefficiencies: list[Inefficiency] = inefficiencies or []

    def to_json(self) -> dict[str, object]:
        return {
            "efficiency": self.score,
            "wasted_bytes": self.wasted_bytes,
            "user_wasted_percent": self.user_wasted_percent,
            "size_bytes": self.size_bytes,
            "user_size_bytes": self.user_size_bytes,
            "layer_sizes": self.layer_sizes,
            "inefficiencies": [
                {"path": i.path, "count": i.count, "size": i.size} for i in self.inefficiencies
            ],
        }


_DIR = EntryType.DIR  # a plain name: the enum's class attribute costs a metaclass lookup

#: A directory of the stacked tree: name -> a directory, or a file's size (links, devices: 0).
_Dir = dict[str, Union["_Dir", int]]


class _Stack:
    """The layers stacked so far, as dive's tree holds them, reduced to what sizing a whiteout
    needs: nested dicts for directories, a plain size for everything else.

    Far smaller and faster than a tree of nodes with full metadata (one dict slot per path),
    and parent directories are looked up through a per-layer cache, as members of a layer tend
    to share a few directories. A member's implied parents become directories; a non-directory
    replaces whatever was at its path, a directory keeps an existing directory's contents.
    """

    def __init__(self) -> None:
        self.root: _Dir = {}
        self._dirs: dict[str, _Dir] = {}  # parent path -> directory, valid within one layer
        self._layer = -1

    def _dir(self, path: str) -> _Dir:
        node = self.root
        if not path:
            return node
        for part in path.split("/"):
            child = node.get(part)
            if type(child) is not dict:
                child = {}
                node[part] = child
            node = child
        self._dirs[path] = node
        return node

    def apply(self, layer: int, entry: Entry) -> None:
        if layer != self._layer:
            self._dirs.clear()
            self._layer = layer
        parent_path, _, name = entry.path.rpartition("/")
        parent = self._dirs.get(parent_path)
        if parent is None:
            parent = self._dir(parent_path)
        old = parent.get(name)
        if entry.type is _DIR:
            if type(old) is not dict:
                parent[name] = {}
            return
        if type(old) is dict:
            self._dirs.clear()  # a directory replaced: cached paths below it are gone
        parent[name] = entry.size

    def get(self, path: str) -> _Dir | int | None:
        node: _Dir | int = self.root
        for part in path.split("/"):
            if not part or part == ".":
                continue
            if type(node) is not dict:
                return None
            nxt = node.get(part)
            if nxt is None:
                return None
            node = nxt
        return node

    def remove(self, path: str) -> None:
        parent_path, _, name = path.rpartition("/")
        parent = self.get(parent_path)
        if type(parent) is dict and name in parent:
            del parent[name]
            self._dirs.clear()


def _total(node: _Dir | int) -> int:
    """Size of a file, or of everything below a directory."""
    if type(node) is not dict:
        return node  # type: ignore[return-value]
    total = 0
    todo = [node]
    while todo:
        for child in todo.pop().values():
            if type(child) is dict:
                todo.append(child)
            else:
                total += child  # type: ignore[operator]
    return total


class EfficiencyCollector:
    """Feed every (layer, entry) of one walk in order, then :meth:`finish`.

    Lets the efficiency pass share the single walk with the checks. Holds one small record per
    path (a size, or a list once a path is seen again) plus the stacked tree (sizes only)
    needed to size directory whiteouts.
    """

    def __init__(self) -> None:
        self._stack = _Stack()
        self._layer = -1
        self._pending: list[Entry] = []
        # path -> [cumulative, minimum, count], or just the size for a path seen once
        self._paths: dict[str, int | list[int]] = {}
        self._sizes: list[int] = []
        self._explicit: dict[str, bool] = {}  # path -> dive sees directory metadata on it

    def add(self, layer: int, entry: Entry) -> None:
        if layer != self._layer:
            self._close_layer()
            while len(self._sizes) <= layer:
                self._sizes.append(0)
            self._layer = layer
        self._pending.append(entry)
        self._sizes[layer] += entry.size

    def _mark_dirs(self, nodes: dict[str, Entry], parents: set[str]) -> None:
        """Record which paths this layer declares as directories.

        dive only sizes a directory whiteout when the node below carries directory metadata,
        and a layer that merely implies a directory (as the parent of a member) overwrites that
        metadata with an empty one when layers are stacked.
        """
        flags = self._explicit
        for path in parents:
            e = nodes.get(path)
            flags[path] = e is not None and _declared_dir(e)
        for path, e in nodes.items():  # files need no flag: a file whiteout counts 0 anyway
            if e.type is _DIR and e.whiteout is None and path not in parents:
                flags[path] = e.mode != _IMPLIED

    def _close_layer(self) -> None:
        if not self._pending:
            return
        # dive drops opaque markers when it reads a layer (only their parent dir stays a node)
        entries = [e for e in self._pending if not e.opaque]
        # a layer's tree holds one node per path (a later duplicate member replaces the first)
        nodes: dict[str, Entry] = {}
        for e in self._pending:
            if e.opaque and e.whiteout and e.whiteout not in nodes:
                nodes[e.whiteout] = Entry(e.whiteout, EntryType.DIR, mode=_IMPLIED)
        for e in entries:
            nodes[e.path] = e
        parents: set[str] = set()
        for raw in nodes:
            cut = raw.rfind("/")
            while cut > 0:
                parent = raw[:cut]
                if parent in parents:
                    break
                parents.add(parent)
                cut = raw.rfind("/", 0, cut)
        paths = self._paths
        if self._layer == 0:
            # dive sizes layer 0's whiteouts on layer 0's own tree, whiteout nodes left inert
            for e in entries:
                if e.whiteout is None:
                    self._stack.apply(0, e)
            self._mark_dirs(nodes, parents)
        # dive visits leaves depth-first with names sorted; the order matters because a
        # whiteout of a path missing below stops dive's visit of the rest of that layer
        # (without whiteouts in the layer the order changes nothing, so skip the sort)
        deletes = any(e.whiteout is not None for e in nodes.values())
        leaves = [raw for raw in nodes if raw not in parents]
        if deletes:
            leaves.sort(key=lambda p: p.split("/"))
        for raw in leaves:
            e = nodes[raw]
            key, size = raw, e.size
            if e.whiteout is not None:
                key, size = e.whiteout, 0
                below = self._stack.get(e.whiteout)
                if below is None:
                    paths.setdefault(key, [0, -1, 0])  # dive records the path, then gives up
                    break
                if type(below) is dict and self._explicit.get(e.whiteout, False):
                    size = _total(below)
            rec = paths.get(key)
            if rec is None:
                paths[key] = size  # seen once: the size is cumulative and minimum
            elif isinstance(rec, int):
                paths[key] = [rec + size, size if size < rec else rec, 2]
            else:
                rec[0] += size
                if rec[1] < 0 or size < rec[1]:
                    rec[1] = size
                rec[2] += 1
        # stack this layer the way dive does: nodes in its visit order (children before their
        # parent, names sorted), a whiteout removing whatever is there, anything else added;
        # opaque markers are ignored. On layer 0 dive stacks the layer onto its own copy.
        for raw in sorted(nodes, key=_child_first) if deletes else nodes:
            e = nodes[raw]
            if e.whiteout is not None:
                self._stack.remove(e.whiteout)
            else:  # every node, a file with members below it included (dive stacks them all)
                self._stack.apply(self._layer, e)
        if self._layer > 0:
            self._mark_dirs(nodes, parents)
        self._pending = []

    def finish(self) -> Efficiency:
        self._close_layer()
        minimum = cumulative = wasted = 0
        bad: list[Inefficiency] = []
        for path, rec in self._paths.items():
            if isinstance(rec, int):
                minimum += rec
                cumulative += rec
                continue
            cum, low, count = rec
            minimum += low
            cumulative += cum
            if count >= 2:
                wasted += cum
                bad.append(Inefficiency("/" + path, count, cum))
        bad.sort(key=lambda i: (-i.size, i.path))
        total = sum(self._sizes)
        user = total - (self._sizes[0] if self._sizes else 0)
        return Efficiency(
            score=1.0 if cumulative == 0 else minimum / cumulative,
            wasted_bytes=wasted,
            user_wasted_percent=wasted / user if user > 0 else 0.0,
            size_bytes=total,
            user_size_bytes=user,
            layer_sizes=list(self._sizes),
            inefficiencies=bad,
        )


_IMPLIED = -1  # mode of the stand-in node for an opaque marker's directory


def _declared_dir(e: Entry) -> bool:
    return e.type is _DIR and e.whiteout is None and e.mode != _IMPLIED


def _child_first(path: str) -> list[str]:
    return [*path.split("/"), "\U0010ffff"]


def analyze(image: Image) -> Efficiency:
    """dive's efficiency, wasted bytes and inefficient paths for ``image`` (one metadata pass)."""
    collector = EfficiencyCollector()
    for layer, entry, _ in image.walk():
        collector.add(layer, entry)
    eff = collector.finish()
    # layers with no entries never reach the collector; keep one size per layer
    sizes = [layer.size or 0 for layer in image.layers]
    if len(sizes) != len(eff.layer_sizes):
        eff.layer_sizes = sizes
    return eff
