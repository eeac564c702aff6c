"""SS132: instructions the parser accepts but BuildKit rejects when it builds."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc, Instr

_CHECKED = frozenset(("FROM", "USER", "WORKDIR", "COPY", "ADD"))


def _problem(ins: Instr) -> str | None:
    if ins.keyword not in _CHECKED:
        return None
    args = list(ins.node.args) if ins.node is not None else ins.words
    if ins.keyword == "FROM":
        if not args:
            return "FROM names no image"
        if len(args) == 2 and args[1].lower() == "as":
            return "FROM ... AS names no stage"
        if len(args) not in (1, 3) or (len(args) == 3 and args[1].lower() != "as"):
            return "FROM takes an image and optionally 'AS name' (FROM image [AS name])"
    elif ins.keyword in ("USER", "WORKDIR") and not "".join(args).strip():
        return f"{ins.keyword} has no argument"
    elif ins.keyword in ("COPY", "ADD") and ins.flag("from") == "":
        return f"{ins.keyword} --from= names nothing"
    return None


@rule("SS132", "invalid-arguments", Severity.ERROR)
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """An instruction whose arguments BuildKit rejects when it builds, although the file
    parses: ``FROM`` with no image, ``FROM a AS`` (no name), ``FROM a AS b AS c``, ``USER`` or
    ``WORKDIR`` with nothing after it, ``COPY --from=`` with an empty value. The build fails
    on them, often after minutes of earlier steps.

    Bad::

        FROM python:3.12-slim AS
        WORKDIR
        COPY --from= /app /app

    Good::

        FROM python:3.12-slim AS runtime
        WORKDIR /app
        COPY app /app
    """
    for ins in doc.walk():
        problem = _problem(ins)
        if problem:
            yield ins, problem
