"""Image efficiency with dive's exact definitions, so our numbers can be checked against dive.

dive (``filetree/efficiency.go``) looks at the *leaf* nodes of each layer's own tree (a member
with no members below it in the same layer; parents a layer only implies count as nodes too).
For every path it sums the size seen in each layer (``cumulative``) and keeps the smallest
(``minimum``). A whiteout counts as the size it deletes, measured on the layers below stacked
together, but only when it deletes a directory (then the whole subtree); a whiteout of a file
counts 0. Efficiency is Σ minimum ÷ Σ cumulative (1.0 for an empty image); wasted bytes are Σ
cumulative over paths seen in two or more layers; user-wasted percent divides that by the size
of every layer but the first. Sizes are tar header sizes: directories, links and devices are 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stagesmith.image.model import Entry
from stagesmith.image.tree import FileTree

if TYPE_CHECKING:
    from stagesmith.image.reader import Image


@dataclass(frozen=True, slots=True)
class Inefficiency:
    path: str  # with a leading "/", as dive prints it
    count: int  # in how many layers the path appears
    size: int  # cumulative bytes over those layers


@dataclass
class Efficiency:
    score: float
    wasted_bytes: int
    user_wasted_percent: float
    size_bytes: int
    user_size_bytes: int
    layer_sizes: list[int]
    inefficiencies: list[Inefficiency] = field(default_factory=list)

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


class EfficiencyCollector:
    """Feed every (layer, entry) of one walk in order, then :meth:`finish`.

    Lets the efficiency pass share the single walk with the checks. Holds one small record per
    path plus the stacked tree (metadata only) needed to size directory whiteouts.
    """

    def __init__(self) -> None:
        self._stack = FileTree()
        self._layer = -1
        self._pending: list[Entry] = []
        # path -> [cumulative, minimum, count]
        self._paths: dict[str, list[int]] = {}
        self._sizes: list[int] = []

    def add(self, layer: int, entry: Entry) -> None:
        if layer != self._layer:
            self._close_layer()
            while len(self._sizes) <= layer:
                self._sizes.append(0)
            self._layer = layer
        self._pending.append(entry)
        self._sizes[layer] += entry.size

    def _close_layer(self) -> None:
        if not self._pending:
            return
        entries = self._pending
        # a layer's tree holds one node per path (a later duplicate member replaces the first)
        nodes: dict[str, Entry] = {}
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
        for raw, e in nodes.items():
            if raw in parents:
                continue
            if e.whiteout is not None:
                key = e.whiteout if not e.opaque else raw.replace("/.wh..wh..opq", "/.wh..opq")
                size = 0
                if not e.opaque:
                    below = self._stack.get(e.whiteout)
                    if below is not None and below.children is not None:
                        size = below.total_size
            else:
                key, size = raw, e.size
            rec = paths.get(key)
            if rec is None:
                paths[key] = [size, size, 1]
            else:
                rec[0] += size
                if size < rec[1]:
                    rec[1] = size
                rec[2] += 1
        # parents implied or declared in this layer that are not leaves are not counted
        for e in entries:
            self._stack.apply(self._layer, e)
        self._pending = []

    def finish(self) -> Efficiency:
        self._close_layer()
        minimum = cumulative = wasted = 0
        bad: list[Inefficiency] = []
        for path, (cum, low, count) in self._paths.items():
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
