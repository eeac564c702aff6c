"""SS102: a stage reading from itself."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import references
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc


@rule("SS102", "from-own-stage", Severity.ERROR, hadolint="DL3023")
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """``COPY --from`` / ``--mount=from=`` refers to the stage it is in.

    Bad::

        FROM golang:1.22 AS build
        COPY --from=build /src/app /app

    Good::

        FROM golang:1.22 AS build
        RUN go build -o /app ./...
        FROM gcr.io/distroless/static
        COPY --from=build /app /app
    """
    for ref in references(doc):
        if ref.kind != "from" and ref.target is ref.stage:
            yield ref.instr, f"stage '{ref.stage.label}' cannot read from itself ('{ref.ref}')"
