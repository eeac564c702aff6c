"""SS105: stages the built target never uses."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.config import ALTERNATIVE_TARGETS as DEFAULTS
from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import final_stage, reachable, references
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc


@rule("SS105", "unreachable-stage", Severity.WARNING)
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A stage that the final stage (or ``--target``) never reaches.

    BuildKit skips it, the legacy builder builds it for nothing; either way it is dead code
    or a forgotten ``COPY --from``. Stages plainly meant to be built on their own with
    ``--target`` (named ``test``, ``dev``, ``debug``, ``lint``, ``docs``..., also with a
    suffix such as ``test-unit``; the ``alternative-targets`` setting), and the stages they
    need, are not reported.

    Bad::

        FROM node:20 AS assets
        RUN npm ci && npm run build
        FROM python:3.12-slim
        COPY app /app

    Good::

        FROM node:20 AS assets
        RUN npm ci && npm run build
        FROM python:3.12-slim
        COPY --from=assets /dist /app/static
        COPY app /app
    """
    final = final_stage(doc, ctx)
    if final is None:
        return
    if any("$" in r.ref for r in references(doc)):
        return  # a reference built from an ARG could name any stage
    used = reachable(doc, final)
    names = set(DEFAULTS if ctx.alternative_targets is None else ctx.alternative_targets)
    for stage in doc.stages:
        if stage is not final and stage.name and _is_alternative(stage.name, names):
            used |= reachable(doc, stage)
    for stage in doc.stages:
        if stage.index not in used and stage.index < final.index:
            yield (
                stage.from_instr,
                f"stage {stage.describe} is never used by the built stage {final.describe}",
            )


def _is_alternative(name: str, names: set[str]) -> bool:
    """``name`` is one of ``names``, or one of them followed by ``-``, ``_`` or ``.`` and
    more (each place such a separator occurs is tried: ``test-unit``, ``dev_tools``)."""
    low = name.lower()
    if low in names:
        return True
    return any(ch in "-_." and low[:i] in names for i, ch in enumerate(low))
