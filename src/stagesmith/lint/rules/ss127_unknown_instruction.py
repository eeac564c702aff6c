"""SS127: an instruction BuildKit does not know."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc

KNOWN = {
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
}


@rule("SS127", "unknown-instruction", Severity.ERROR)
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A keyword that is not a Dockerfile instruction; the build fails on it (often a lost
    ``\\`` continuation turning a shell line into an "instruction").

    Bad::

        FROM debian:bookworm-slim
        RUN apt-get update &&
            apt-get install -y curl

    Good::

        FROM debian:bookworm-slim
        RUN apt-get update && \\
            apt-get install -y curl
    """
    for ins in doc.instructions:
        if ins.keyword not in KNOWN:
            yield ins, f"unknown instruction '{ins.keyword}' (missing '\\' on the line before?)"
