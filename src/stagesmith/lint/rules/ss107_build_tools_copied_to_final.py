"""SS107: compilers or a compiler-carrying environment copied into the final stage."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import copies_from, copy_sources, final_stage
from stagesmith.lint.model import Severity
from stagesmith.lint.shell import BUILD_TOOL_PATHS, installs, is_build_tool, run_text
from stagesmith.lint.source import COPY_FROM, Doc


@rule("SS107", "build-tools-copied-to-final-stage", Severity.WARNING, keywords=(COPY_FROM,))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The final stage copies compiler binaries (``/usr/bin/gcc``, ``/usr/lib/gcc``), or a whole
    conda environment whose builder installed compilers (``gcc_linux-64``, ``compilers``).

    Bad::

        FROM mambaorg/micromamba AS build
        RUN micromamba create -p /opt/env python=3.12 gxx_linux-64 numpy
        FROM debian:bookworm-slim
        COPY --from=build /opt/env /opt/env

    Good::

        FROM mambaorg/micromamba AS build
        RUN micromamba create -p /opt/env python=3.12 numpy
        FROM debian:bookworm-slim
        COPY --from=build /opt/env /opt/env
    """
    final = final_stage(doc, ctx)
    if final is None:
        return
    for ins, src_stage in copies_from(doc, final):
        sources = copy_sources(ins)
        tool_paths = [s for s in sources if BUILD_TOOL_PATHS.match(s)]
        if tool_paths:
            yield ins, f"copies build tools into the final stage: {', '.join(tool_paths)}"
            continue
        conda_compilers: list[str] = []
        env_dirs: list[str] = []
        for run in src_stage.of("RUN"):
            for inst in installs(run_text(run)):
                if inst.manager != "conda":
                    continue
                conda_compilers += [p for p in inst.packages if is_build_tool(p)]
                words = inst.words
                for flag in ("-p", "--prefix"):
                    if flag in words and words.index(flag) + 1 < len(words):
                        env_dirs.append(words[words.index(flag) + 1].rstrip("/"))
        if not conda_compilers:
            continue
        for src in sources:
            s = src.rstrip("/") or "/"
            if any(s == d or d.startswith(s + "/") or s.startswith(d + "/") for d in env_dirs) or (
                "conda" in s or "mamba" in s or s.startswith("/opt/")
            ):
                yield (
                    ins,
                    (
                        f"copies {src} from '{src_stage.label}', whose environment includes compilers "
                        f"({', '.join(dict.fromkeys(conda_compilers))})"
                    ),
                )
                break
