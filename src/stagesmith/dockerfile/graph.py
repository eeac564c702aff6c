"""Which stage needs which: the build graph BuildKit derives from a Dockerfile.

Edges come from ``FROM <stage>``, ``COPY/ADD --from=<stage|index>`` and
``RUN --mount=from=<stage>``; anything else those name is an external image. The
linter reads stage relations only from here (:mod:`stagesmith.lint.graph` is a thin
adapter), so ``stagesmith parse --json`` and ``stagesmith lint`` always agree on what a
``--target`` build runs.

One rule for references to a later stage: a ``--from`` / ``--mount=from=`` naming a stage
defined further down, by name or by index, is an edge with ``forward=True`` (BuildKit
resolves it and builds that stage; the classic builder fails on it, which lint's SS103
reports). ``FROM <later name>`` is different: ``FROM`` only sees earlier stages, so the name
is an external image.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from stagesmith.dockerfile.helpers import parse_mounts
from stagesmith.dockerfile.model import Instruction, Stage
from stagesmith.dockerfile.record import FrozenRecord

if TYPE_CHECKING:
    from stagesmith.dockerfile.model import Dockerfile

EdgeKind = Literal["from", "copy", "mount"]


class Edge(FrozenRecord):
    """Stage ``stage`` depends on stage ``depends_on`` through ``instruction``; ``forward``:
    the stage depended on is defined after the one that reads it."""

    __slots__ = ("depends_on", "forward", "instruction", "kind", "ref", "stage")

    def __init__(
        self,
        stage: int,
        depends_on: int,
        kind: EdgeKind,
        instruction: Instruction,
        ref: str,
        forward: bool = False,
    ) -> None:
        self.stage = stage
        self.depends_on = depends_on
        self.kind = kind
        self.instruction = instruction
        self.ref = ref
        self.forward = forward


class ExternalRef(FrozenRecord):
    """An image pulled from outside the Dockerfile (``scratch`` is not listed)."""

    __slots__ = ("image", "instruction", "kind", "stage")

    def __init__(
        self, image: str, stage: int | None, kind: EdgeKind, instruction: Instruction
    ) -> None:
        self.image = image
        self.stage = stage
        self.kind = kind
        self.instruction = instruction


class UnknownRef(FrozenRecord):
    """A reference that names nothing buildable: an index out of range, or its own stage."""

    __slots__ = ("instruction", "kind", "reason", "ref", "stage")

    def __init__(
        self, ref: str, stage: int | None, kind: EdgeKind, instruction: Instruction, reason: str
    ) -> None:
        self.ref = ref
        self.stage = stage
        self.kind = kind
        self.instruction = instruction
        self.reason = reason


class StageGraph:
    """Dependencies between the stages of one Dockerfile."""

    def __init__(self, df: Dockerfile) -> None:
        # no reference back to ``df`` (which holds the graph): no cycle, so a parse is freed
        # as soon as it is dropped instead of waiting for the garbage collector
        self.stages = df.stages
        self._by_name = {s.name: s.index for s in reversed(df.stages) if s.name is not None}
        self.edges: list[Edge] = []
        self.external: list[ExternalRef] = []
        self.unknown_refs: list[UnknownRef] = []
        for stage in df.stages:
            self._scan(stage)

    # -- construction -------------------------------------------------------

    def _resolve(self, ref: str, stage: Stage, kind: EdgeKind, ins: Instruction) -> None:
        low = ref.lower()
        if kind == "from":
            if stage.base_stage is not None:
                self.edges.append(Edge(stage.index, stage.base_stage, kind, ins, ref))
            elif low != "scratch" and ref:
                image = stage.resolved_base or ref
                self.external.append(ExternalRef(image, stage.index, kind, ins))
            return
        if ref.isdigit():
            index = int(ref)
            if index >= len(self.stages) or index == stage.index:
                reason = "index out of range" if index != stage.index else "refers to its own stage"
                self.unknown_refs.append(UnknownRef(ref, stage.index, kind, ins, reason))
            else:
                self.edges.append(Edge(stage.index, index, kind, ins, ref, index > stage.index))
            return
        target = self._by_name.get(low)
        if target is None:
            if low != "scratch":
                self.external.append(ExternalRef(ref, stage.index, kind, ins))
            return
        if target == stage.index:
            self.unknown_refs.append(
                UnknownRef(ref, stage.index, kind, ins, "refers to its own stage")
            )
            return
        self.edges.append(Edge(stage.index, target, kind, ins, ref, target > stage.index))

    def _scan(self, stage: Stage) -> None:
        self._resolve(stage.base, stage, "from", stage.from_instruction)
        for ins in stage.instructions:
            if ins.keyword in ("COPY", "ADD"):
                ref = ins.flag("from")
                if ref:
                    self._resolve(ref, stage, "copy", ins)
            elif ins.keyword == "RUN":
                for mount in parse_mounts(ins):
                    if mount.from_:
                        self._resolve(mount.from_, stage, "mount", ins)

    # -- queries --------------------------------------------------------------

    def stage(self, ref: str | int) -> Stage | None:
        """A stage by index or (case-insensitive) name."""
        if isinstance(ref, int) or ref.isdigit():
            i = int(ref)
            return self.stages[i] if 0 <= i < len(self.stages) else None
        index = self._by_name.get(ref.lower())
        return None if index is None else self.stages[index]

    def target(self, name: str | None = None) -> Stage | None:
        """The stage ``docker build`` builds: the named one, or the last."""
        if name is None:
            return self.stages[-1] if self.stages else None
        return self.stage(name)

    def dependencies(self, index: int) -> list[Edge]:
        return [e for e in self.edges if e.stage == index]

    def dependents(self, index: int) -> list[Edge]:
        return [e for e in self.edges if e.depends_on == index]

    def reachable(self, target: str | int | None = None) -> set[int]:
        """Indexes of the stages needed to build ``target`` (itself included)."""
        stage = self.target(None) if target is None else self.stage(target)
        if stage is None:
            return set()
        seen = {stage.index}
        todo = [stage.index]
        while todo:
            for edge in self.dependencies(todo.pop()):
                if edge.depends_on not in seen:
                    seen.add(edge.depends_on)
                    todo.append(edge.depends_on)
        return seen

    def unused(self, target: str | int | None = None) -> list[Stage]:
        """Stages a build of ``target`` never runs."""
        needed = self.reachable(target)
        return [s for s in self.stages if s.index not in needed]

    def external_images(self) -> list[str]:
        """Distinct external image references, in order of first use."""
        return list(dict.fromkeys(e.image for e in self.external))

    def to_dict(self) -> dict[str, object]:
        return {
            "stages": [
                {
                    "index": s.index,
                    "name": s.name,
                    "base": s.base,
                    "resolved_base": s.resolved_base,
                    "base_stage": s.base_stage,
                    "platform": s.platform,
                    "start_line": s.from_instruction.start_line,
                }
                for s in self.stages
            ],
            "edges": [
                {
                    "stage": e.stage,
                    "depends_on": e.depends_on,
                    "kind": e.kind,
                    "ref": e.ref,
                    "forward": e.forward,
                    "line": e.instruction.start_line,
                }
                for e in self.edges
            ],
            "external": [
                {
                    "image": e.image,
                    "stage": e.stage,
                    "kind": e.kind,
                    "line": e.instruction.start_line,
                }
                for e in self.external
            ],
            "unknown_refs": [
                {
                    "ref": u.ref,
                    "stage": u.stage,
                    "kind": u.kind,
                    "reason": u.reason,
                    "line": u.instruction.start_line,
                }
                for u in self.unknown_refs
            ],
            "target": self.stages[-1].index if self.stages else None,
            "reachable": sorted(self.reachable()) if self.stages else [],
        }
