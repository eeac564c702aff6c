"""SS128: an instruction other than ARG before the first FROM."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc


@rule("SS128", "instruction-before-from", Severity.ERROR, hadolint="DL3061")
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Only ``ARG`` may come before the first ``FROM``; anything else fails the build. A file
    with no ``FROM`` at all is reported once.

    Bad::

        WORKDIR /app
        FROM python:3.12-slim

    Good::

        ARG PY=3.12
        FROM python:${PY}-slim
        WORKDIR /app
    """
    for ins in doc.instructions:
        if ins.keyword == "FROM":
            return
        if ins.keyword != "ARG":
            yield ins, f"{ins.keyword} before the first FROM; only ARG may come first"
            return
    if doc.instructions:  # only ARGs, and no FROM at all
        yield doc.instructions[0], "no FROM instruction: there is nothing to build"
