"""Stage relations the multi-stage rules share, read from the parser's stage graph.

A thin adapter: :class:`stagesmith.dockerfile.StageGraph` (what ``stagesmith parse --json``
prints) decides which stage a ``--from`` names, which stages a target needs and which
references are forward; this module only maps its stages and instructions onto the lint view
(:mod:`stagesmith.lint.source`). ONBUILD triggers are not in the graph (they run in other
builds) but their ``--from`` values are listed by :func:`references` so SS101/SS102 see them.
Results are memoised per document: rules ask the same questions many times.
"""

from __future__ import annotations

from stagesmith.dockerfile.helpers import parse_mounts
from stagesmith.dockerfile.record import FrozenRecord
from stagesmith.errors import StagesmithError
from stagesmith.lint.engine import Context
from stagesmith.lint.source import Doc, Instr, Stage


class UnknownTargetError(StagesmithError):
    """``--target`` (or the config's ``target``) names no stage of the file."""


class StageRef(FrozenRecord):
    """A reference from an instruction to another stage (or an image) by name/index.

    ``stage`` holds the instruction; ``ref`` is as written; ``kind`` is ``from`` (FROM base),
    ``copy`` or ``mount``; ``target`` is the stage it names (None: an image, a missing stage
    or an index out of range); ``forward``: the named stage comes after the reading one (an
    edge BuildKit builds, SS103 reports).
    """

    __slots__ = ("forward", "instr", "kind", "ref", "stage", "target")

    def __init__(
        self,
        stage: Stage,
        instr: Instr,
        ref: str,
        kind: str,
        target: Stage | None = None,
        forward: bool = False,
    ) -> None:
        self.stage = stage
        self.instr = instr
        self.ref = ref
        self.kind = kind
        self.target = target
        self.forward = forward


def mount_options(value: str) -> dict[str, str]:
    """``type=cache,target=/x,from=builder`` -> dict (bare words become ``key=""``)."""
    opts: dict[str, str] = {}
    for part in value.split(","):
        key, _, val = part.partition("=")
        opts[key.strip().lower()] = val.strip()
    return opts


def _instr_map(doc: Doc) -> dict[int, Instr]:
    key = "instr-map"
    found = doc.memo.get(key)
    if found is None:
        found = {id(i.node): i for i in doc.instructions if i.node is not None}
        doc.memo[key] = found
    return found  # type: ignore[return-value]


def references(doc: Doc) -> list[StageRef]:
    """Every ``COPY --from``, ``RUN --mount=from=`` and ``FROM <stage>`` in the file, each
    resolved the way the parser's graph resolves it, in file order."""
    key = "references"
    cached = doc.memo.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    graph = doc.graph
    instr = _instr_map(doc)
    stages = doc.stages
    refs: list[StageRef] = []
    for e in graph.edges:
        refs.append(
            StageRef(
                stages[e.stage],
                instr[id(e.instruction)],
                e.ref,
                e.kind,
                stages[e.depends_on],
                e.forward,
            )
        )
    for u in graph.unknown_refs:
        if u.stage is None:
            continue
        own = stages[u.stage] if u.reason == "refers to its own stage" else None
        refs.append(StageRef(stages[u.stage], instr[id(u.instruction)], u.ref, u.kind, own))
    for x in graph.external:
        if x.kind != "from" and x.stage is not None:
            refs.append(StageRef(stages[x.stage], instr[id(x.instruction)], x.image, x.kind))
    for stage in stages:
        for trig in stage.triggers:
            refs += _trigger_refs(doc, stage, trig)
    refs.sort(key=lambda r: (r.instr.start_line, r.kind != "from"))
    doc.memo[key] = refs
    return refs


def _trigger_refs(doc: Doc, stage: Stage, trig: Instr) -> list[StageRef]:
    values: list[tuple[str, str]] = []
    if trig.keyword in ("COPY", "ADD") and trig.flag("from"):
        values.append((trig.flag("from") or "", "copy"))
    if trig.keyword == "RUN" and trig.node is not None:
        values += [(m.from_, "mount") for m in parse_mounts(trig.node) if m.from_]
    out = []
    for value, kind in values:
        target = doc.stage_by_ref(value)
        forward = target is not None and target.index > stage.index
        out.append(StageRef(stage, trig, value, kind, target, forward))
    return out


def is_image_ref(ref: str) -> bool:
    """A ``--from`` value naming an image rather than a stage (has a registry, tag or path)."""
    return any(c in ref for c in "/:@.")


def final_stage(doc: Doc, ctx: Context) -> Stage | None:
    """The stage that is built: ``ctx.target`` when given, else the last one.

    A target that names no stage is bad input (:class:`UnknownTargetError`, exit 2): linting
    some other stage instead would answer a question nobody asked.
    """
    key = ("final", ctx.target)
    if key in doc.memo:
        return doc.memo[key]  # type: ignore[return-value]
    found = doc.final
    if ctx.target:
        found = doc.stage_by_ref(ctx.target)
        if found is None:
            names = ", ".join(s.label for s in doc.stages) or "none"
            raise UnknownTargetError(
                f"{doc.path}: --target '{ctx.target}' names no stage (stages: {names})"
            )
    doc.memo[key] = found
    return found


def dependencies(doc: Doc, stage: Stage) -> list[Stage]:
    """Stages ``stage`` reads from, as the parser's graph has them (forward ones included)."""
    deps: list[Stage] = []
    for e in doc.graph.dependencies(stage.index):
        other = doc.stages[e.depends_on]
        if other not in deps:
            deps.append(other)
    return deps


def reachable(doc: Doc, target: Stage) -> set[int]:
    """Indices of the stages a build of ``target`` needs, ``target`` included (the graph's
    answer, the same set ``stagesmith parse --json`` prints for that target)."""
    return doc.graph.reachable(target.index)


def image_of(doc: Doc, stage: Stage) -> str:
    """The external image a stage ultimately starts from (following ``FROM <stage>``)."""
    return lineage(doc, stage)[-1].base


def copies_from(doc: Doc, stage: Stage) -> list[tuple[Instr, Stage]]:
    """``COPY --from=<earlier stage>`` instructions of ``stage`` with the stage they read
    (a new list each call; worked out once per document and stage)."""
    key = ("copies-from", stage.index)
    found = doc.memo.get(key)
    if found is None:
        found = [
            (r.instr, r.target)
            for r in references(doc)
            if r.kind == "copy"
            and r.stage is stage
            and r.target is not None
            and r.target.index < stage.index
            and not r.instr.onbuild
        ]
        doc.memo[key] = found
    return list(found)  # type: ignore[call-overload]


def copy_sources(ins: Instr) -> list[str]:
    """Source paths of a COPY/ADD (all words but the last; exec form supported)."""
    form = ins.json_form
    words = form if form is not None else ins.words
    return words[:-1] if len(words) > 1 else []


def copy_dest(ins: Instr) -> str:
    form = ins.json_form
    words = form if form is not None else ins.words
    return words[-1] if words else ""


def lineage(doc: Doc, stage: Stage) -> list[Stage]:
    """``stage`` and the stages it is built ``FROM`` (their layers are in the final image)."""
    key = ("lineage", stage.index)
    cached = doc.memo.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    chain: list[Stage] = []
    parsed = doc.df.stages if doc.df is not None else []
    current: int | None = stage.index
    while current is not None and all(s.index != current for s in chain):
        chain.append(doc.stages[current])
        current = parsed[current].base_stage if current < len(parsed) else None
    doc.memo[key] = chain
    return chain
