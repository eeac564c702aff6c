"""SS110: the runtime stage installs again what its builder already built."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import copies_from, copy_dest, copy_sources, final_stage
from stagesmith.lint.model import Severity
from stagesmith.lint.shell import installs, package_name, run_text
from stagesmith.lint.source import COPY_FROM, Doc

#: Where installed dependencies live; copying one of these means the builder's install is used.
_DEPS = re.compile(
    r"site-packages|dist-packages|/install\b|^/usr/local/?$|^/usr/local/lib|venv|\.local|wheels|"
    r"node_modules|/opt/conda|/opt/env|^/env|\.pixi|__pypackages__"
)


def _installed(stage_runs: list) -> dict[tuple[str, str], None]:
    found: dict[tuple[str, str], None] = {}
    for ins in stage_runs:
        for inst in installs(run_text(ins)):
            if inst.manager not in ("pip", "npm", "conda"):
                continue
            words = inst.words
            for i, w in enumerate(words):
                if w in ("-r", "--requirement") and i + 1 < len(words):
                    found[(inst.manager, "-r " + words[i + 1].rsplit("/", 1)[-1])] = None
            for p in inst.packages:
                if p not in (".",) and not p.startswith(("/", "$")):
                    found[(inst.manager, package_name(p))] = None
            if inst.manager == "npm" and not inst.packages:
                found[("npm", "package.json")] = None
    return found


@rule("SS110", "runtime-reinstalls-builder-packages", Severity.WARNING, keywords=(COPY_FROM,))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The final stage copies from a builder and then installs the same packages again
    (same ``pip install -r requirements.txt``, same npm/conda packages) although it copied the
    builder's installed dependencies (site-packages, a venv, ``node_modules``...): the builder's
    work is thrown away and the runtime gets the build dependencies back.

    Bad::

        FROM python:3.12 AS builder
        RUN pip install --prefix=/install -r requirements.txt
        FROM python:3.12-slim
        COPY --from=builder /install /usr/local
        RUN pip install -r requirements.txt

    Good::

        FROM python:3.12 AS builder
        RUN pip install --prefix=/install -r requirements.txt
        FROM python:3.12-slim
        COPY --from=builder /install /usr/local
    """
    final = final_stage(doc, ctx)
    if final is None:
        return
    sources = [
        s
        for ins, s in copies_from(doc, final)
        if any(_DEPS.search(p) for p in [*copy_sources(ins), copy_dest(ins)])
    ]
    if not sources:
        return
    built: dict[tuple[str, str], None] = {}
    for s in sources:
        built.update(_installed(s.of("RUN")))
    for ins in final.of("RUN"):
        again = [name for key in _installed([ins]) if key in built for name in [key[1]]]
        if again:
            yield ins, f"re-installs what a builder stage already built: {', '.join(again)}"
