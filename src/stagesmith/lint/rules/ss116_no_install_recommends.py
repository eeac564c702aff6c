"""SS116: apt-get install pulling recommended packages."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import lineage
from stagesmith.lint.model import Severity
from stagesmith.lint.shell import installs, run_text
from stagesmith.lint.source import Doc


@rule("SS116", "apt-install-recommends", Severity.INFO, hadolint="DL3015", keywords=("RUN",))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """``apt-get install`` without ``--no-install-recommends`` adds packages nobody asked for.

    Bad::

        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*

    Good::

        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y --no-install-recommends curl \\
            && rm -rf /var/lib/apt/lists/*
    """
    for stage in doc.stages:
        configured = any(
            "Install-Recommends" in i.original
            for s in lineage(doc, stage)
            for i in s.of("RUN")
            if not installs(run_text(i))
        )
        if configured:  # apt.conf.d turned recommends off for the whole stage
            continue
        for ins in stage.each("RUN"):
            for inst in installs(run_text(ins)):
                if inst.manager == "apt" and not any(
                    w in ("--no-install-recommends", "APT::Install-Recommends=false")
                    or "Install-Recommends=false" in w
                    for w in inst.words
                ):
                    yield ins, "apt-get install without --no-install-recommends"
                    break
