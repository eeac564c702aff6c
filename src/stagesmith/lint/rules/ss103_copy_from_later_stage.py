"""SS103: reading from a stage defined further down."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import references
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc


@rule("SS103", "from-later-stage", Severity.ERROR, hadolint="DL3022")
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """``COPY --from`` / ``--mount=from=`` / ``FROM`` names a stage defined later in the file.

    A stage can only use stages defined before it; BuildKit treats the name as an image.

    Bad::

        FROM debian:bookworm-slim
        COPY --from=build /out /app
        FROM gcc:13 AS build

    Good::

        FROM gcc:13 AS build
        FROM debian:bookworm-slim
        COPY --from=build /out /app
    """
    for ref in references(doc):
        if ref.forward and ref.target is not None:
            yield (
                ref.instr,
                (
                    f"stage '{ref.stage.label}' reads '{ref.ref}', which is defined later "
                    f"(line {ref.target.from_instr.start_line})"
                ),
            )
    # FROM <later stage name>: FROM only sees earlier stages, so the graph has an image there
    for stage in doc.stages:
        later = doc.stage_by_ref(stage.base) if not stage.base.isdigit() else None
        if later is not None and later.index > stage.index:
            yield (
                stage.from_instr,
                (
                    f"FROM '{stage.base}' names a stage defined later "
                    f"(line {later.from_instr.start_line}); it will be pulled as an image"
                ),
            )
