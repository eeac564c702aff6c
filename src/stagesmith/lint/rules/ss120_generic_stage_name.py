"""SS120: meaningless stage names."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc

_GENERIC = re.compile(
    r"^(stage|step|temp|tmp|build|image|layer|foo|bar|test|x)[-_]?[0-9]+$|^(temp|tmp|foo|bar|stage|x|a|b|s[0-9]*)$"
)


@rule("SS120", "generic-stage-name", Severity.STYLE)
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Stage names like ``stage1``, ``temp`` or ``tmp2`` say nothing about the stage's job;
    ``COPY --from=stage1`` reads badly. Name stages by role (``builder``, ``deps``, ``runtime``).

    Bad::

        FROM golang:1.22 AS stage1

    Good::

        FROM golang:1.22 AS builder
    """
    for stage in doc.stages:
        if stage.name and _GENERIC.match(stage.name):
            yield stage.from_instr, f"stage name '{stage.name}' is generic; name it by its role"
