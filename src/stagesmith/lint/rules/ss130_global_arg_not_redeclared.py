"""SS130: a global ARG used inside a stage that never re-declares it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import lineage
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc

_REF = re.compile(r"\$(?:\{(\w+)|(\w+))")


def _declared(words: list[str]) -> set[str]:
    return {w.split("=", 1)[0] for w in words}


@rule("SS130", "global-arg-not-in-stage", Severity.WARNING)
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """An ``ARG`` declared before the first ``FROM`` is only in scope for ``FROM`` lines; a stage
    that uses ``$NAME`` without its own ``ARG NAME`` gets an empty string.

    Bad::

        ARG VERSION=1.4.2
        FROM debian:bookworm-slim
        RUN echo "building $VERSION" > /version

    Good::

        ARG VERSION=1.4.2
        FROM debian:bookworm-slim
        ARG VERSION
        RUN echo "building $VERSION" > /version
    """
    if not doc.global_args:
        return
    for stage in doc.stages:
        in_scope: set[str] = set()
        for parent in reversed(lineage(doc, stage)[1:]):  # ancestors' ENV carry over
            for ins in parent.of("ENV"):
                in_scope |= _declared(ins.words)
        for ins in stage.instructions:
            if ins.keyword == "ARG" or ins.keyword == "ENV":
                in_scope |= _declared(ins.words)
                continue
            names = {a or b for a, b in _REF.findall(ins.original)}
            missing = sorted(n for n in names if n in doc.global_args and n not in in_scope)
            if missing:
                yield (
                    ins,
                    (
                        f"${missing[0]} is a global ARG (before the first FROM) and is empty here; "
                        f"add 'ARG {missing[0]}' to stage '{stage.label}'"
                    ),
                )
