"""SS106: compilers and build tools installed in the final stage."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import final_stage, lineage
from stagesmith.lint.model import Severity
from stagesmith.lint.shell import installs, is_build_tool, package_name, removed, run_text
from stagesmith.lint.source import Doc


@rule("SS106", "build-tools-in-final-stage", Severity.WARNING, keywords=("RUN",))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Build tools (gcc, make, cmake, build-essential, ``*-dev``, git, conda compilers) are
    installed in the final stage, or in a stage it is built ``FROM``.

    They bloat the image and widen its attack surface; install them in a builder stage.
    Single-stage files are reported too (the image ships the compiler either way), except
    for tools removed again in the same ``RUN`` (``apt-get purge``, ``apk del .build-deps``).

    Bad::

        FROM python:3.12-slim
        RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev

    Good::

        FROM python:3.12 AS builder
        RUN pip wheel --wheel-dir /wheels psycopg2
        FROM python:3.12-slim
        COPY --from=builder /wheels /wheels
    """
    final = final_stage(doc, ctx)
    if final is None:
        return
    for stage in lineage(doc, final):
        for ins in stage.of("RUN"):
            tools: list[str] = []
            text = run_text(ins)
            gone = removed(text)
            for inst in installs(text):
                if inst.manager in ("pip", "npm") or (inst.group and inst.group.lower() in gone):
                    continue
                names = [package_name(p) for p in inst.packages if is_build_tool(p)]
                tools += [n for n in names if n not in gone]
            if tools:
                where = (
                    "final stage" if stage is final else f"stage '{stage.label}' (base of final)"
                )
                yield (
                    ins,
                    f"build tools installed in the {where}: {', '.join(dict.fromkeys(tools))}",
                )
