"""SS101: a ``--from`` naming a stage that does not exist."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import is_image_ref, references
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc


@rule("SS101", "from-unknown-stage", Severity.ERROR, hadolint="DL3022")
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """``COPY --from`` / ``RUN --mount=from=`` names a stage that is not defined.

    BuildKit then tries to pull an image of that name, which fails far from the typo.

    Bad::

        FROM python:3.12 AS builder
        FROM python:3.12-slim
        COPY --from=biulder /app /app

    Good::

        FROM python:3.12 AS builder
        FROM python:3.12-slim
        COPY --from=builder /app /app
    """
    for ref in references(doc):
        if ref.kind == "from" or is_image_ref(ref.ref) or "$" in ref.ref:
            continue
        if ref.target is None:
            what = "COPY --from" if ref.kind == "copy" else "RUN --mount from="
            yield ref.instr, f"{what} '{ref.ref}' names no stage in this Dockerfile"
