"""SS104: two stages with the same name."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc


@rule("SS104", "duplicate-stage-name", Severity.ERROR, hadolint="DL3024")
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Two ``FROM ... AS name`` use the same name (names are case-insensitive).

    Bad::

        FROM node:20 AS build
        FROM python:3.12 AS build

    Good::

        FROM node:20 AS web-build
        FROM python:3.12 AS py-build
    """
    seen: dict[str, int] = {}
    for stage in doc.stages:
        if stage.name is None:
            continue
        if stage.name in seen:
            yield (
                stage.from_instr,
                (f"stage name '{stage.name}' is already used on line {seen[stage.name]}"),
            )
        else:
            seen[stage.name] = stage.from_instr.start_line
