"""Stage relations the multi-stage rules share: references, dependencies, the final stage."""

from __future__ import annotations

from dataclasses import dataclass

from stagesmith.lint.engine import Context
from stagesmith.lint.source import Doc, Instr, Stage


@dataclass
class StageRef:
    """A reference from an instruction to another stage (or an image) by name/index."""

    stage: Stage  # the stage holding the instruction
    instr: Instr
    ref: str  # as written
    kind: str  # "from" (FROM base), "copy", "mount"


def mount_options(value: str) -> dict[str, str]:
    """``type=cache,target=/x,from=builder`` -> dict (bare words become ``key=""``)."""
    opts: dict[str, str] = {}
    for part in value.split(","):
        key, _, val = part.partition("=")
        opts[key.strip().lower()] = val.strip()
    return opts


def references(doc: Doc) -> list[StageRef]:
    """Every ``COPY --from``, ``RUN --mount=from=`` and ``FROM <stage>`` in the file."""
    refs: list[StageRef] = []
    for stage in doc.stages:
        if stage.base and doc.stage_by_ref(stage.base) is not None and not stage.base.isdigit():
            refs.append(StageRef(stage, stage.from_instr, stage.base, "from"))
        for ins in stage.instructions:
            if ins.keyword in ("COPY", "ADD"):
                src = ins.flag("from")
                if src:
                    refs.append(StageRef(stage, ins, src, "copy"))
            if ins.keyword == "RUN":
                for mount in ins.flags.get("mount", []):
                    src = mount_options(mount).get("from")
                    if src:
                        refs.append(StageRef(stage, ins, src, "mount"))
    return refs


def is_image_ref(ref: str) -> bool:
    """A ``--from`` value naming an image rather than a stage (has a registry, tag or path)."""
    return any(c in ref for c in "/:@.")


def final_stage(doc: Doc, ctx: Context) -> Stage | None:
    """The stage that is built: ``ctx.target`` when given and present, else the last one."""
    if ctx.target:
        found = doc.stage_by_ref(ctx.target)
        if found is not None:
            return found
    return doc.final


def dependencies(doc: Doc, stage: Stage) -> list[Stage]:
    """Stages ``stage`` reads from (earlier ones only; bad references are other rules' job)."""
    deps: list[Stage] = []
    for r in references(doc):
        if r.stage is not stage:
            continue
        target = doc.stage_by_ref(r.ref)
        if target is not None and target.index < stage.index and target not in deps:
            deps.append(target)
    return deps


def reachable(doc: Doc, target: Stage) -> set[int]:
    """Indices of the stages a build of ``target`` needs, ``target`` included."""
    seen: set[int] = set()
    todo = [target]
    while todo:
        s = todo.pop()
        if s.index in seen:
            continue
        seen.add(s.index)
        todo.extend(dependencies(doc, s))
    return seen


def image_of(doc: Doc, stage: Stage) -> str:
    """The external image a stage ultimately starts from (following ``FROM <stage>``)."""
    seen: set[int] = set()
    current = stage
    while current.index not in seen:
        seen.add(current.index)
        parent = doc.stage_by_ref(current.base)
        if parent is None or parent.index >= current.index:
            return current.base
        current = parent
    return current.base


def copies_from(doc: Doc, stage: Stage) -> list[tuple[Instr, Stage]]:
    """``COPY --from=<earlier stage>`` instructions of ``stage`` with the stage they read."""
    result: list[tuple[Instr, Stage]] = []
    for ins in stage.of("COPY", "ADD"):
        src = ins.flag("from")
        if src:
            other = doc.stage_by_ref(src)
            if other is not None and other.index < stage.index:
                result.append((ins, other))
    return result


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
    chain: list[Stage] = []
    current: Stage | None = stage
    while current is not None and current not in chain:
        chain.append(current)
        parent = doc.stage_by_ref(current.base)
        current = parent if parent is not None and parent.index < current.index else None
    return chain
