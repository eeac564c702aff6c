"""SS105: stages the built target never uses."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import final_stage, reachable, references
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc


@rule("SS105", "unreachable-stage", Severity.WARNING)
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A stage that the final stage (or ``--target``) never reaches.

    BuildKit skips it, the legacy builder builds it for nothing; either way it is dead code
    or a forgotten ``COPY --from``.

    Bad::

        FROM python:3.12 AS tests
        RUN pytest
        FROM python:3.12-slim
        COPY app /app

    Good::

        FROM python:3.12 AS tests
        RUN pytest && touch /ok
        FROM python:3.12-slim
        COPY --from=tests /ok /ok
        COPY app /app
    """
    final = final_stage(doc, ctx)
    if final is None:
        return
    if any("$" in r.ref for r in references(doc)):
        return  # a reference built from an ARG could name any stage
    used = reachable(doc, final)
    for stage in doc.stages:
        if stage.index not in used and stage.index < final.index:
            yield (
                stage.from_instr,
                f"stage {stage.describe} is never used by the built stage {final.describe}",
            )
