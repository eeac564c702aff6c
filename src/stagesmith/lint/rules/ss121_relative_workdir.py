"""SS121: relative WORKDIR."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc

_WINDOWS_ABSOLUTE = re.compile(r"^[A-Za-z]:[\\/]")


@rule("SS121", "relative-workdir", Severity.WARNING, hadolint="DL3000", keywords=("WORKDIR",))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """``WORKDIR app`` depends on the previous WORKDIR and on the base image's; use an
    absolute path. Variables (``$HOME``) and Windows drive paths are accepted.

    Bad::

        FROM node:20-slim
        WORKDIR app

    Good::

        FROM node:20-slim
        WORKDIR /app
    """
    for stage in doc.stages:
        for ins in stage.each("WORKDIR"):
            path = ins.args.strip().strip("\"'")
            if not path or path.startswith(("/", "$")) or _WINDOWS_ABSOLUTE.match(path):
                continue
            yield ins, f"WORKDIR '{path}' is relative; use an absolute path"
