"""SS108: the final image runs as root."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import final_stage, image_of, lineage
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc

#: Bases that already switch to an unprivileged user.
_NONROOT_BASES = re.compile(
    r"(distroless/.*:.*nonroot|chainguard/|cgr\.dev/|:.*-nonroot|/nonroot|bitnami/|"
    r"jupyter/|quay\.io/jupyter/|nginxinc/nginx-unprivileged|mambaorg/micromamba|"
    r"ubi[0-9]*/.*-minimal.*nonroot|docker\.io/jupyter)"
)


@rule("SS108", "final-stage-runs-as-root", Severity.WARNING, hadolint="DL3002")
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The final stage has no ``USER``, or its last ``USER`` is ``root`` / ``0``.

    Known non-root bases (``gcr.io/distroless/...:nonroot``, Chainguard, Bitnami,
    ``nginx-unprivileged``, micromamba) are accepted without a ``USER``. A ``scratch`` final
    stage is reported too: without ``USER`` its program runs as uid 0 (use a numeric
    ``USER 65534``; scratch has no ``/etc/passwd``).

    Bad::

        FROM python:3.12-slim
        COPY app /app
        CMD ["python", "/app/main.py"]

    Good::

        FROM python:3.12-slim
        RUN useradd --uid 10001 app
        COPY app /app
        USER app
        CMD ["python", "/app/main.py"]
    """
    final = final_stage(doc, ctx)
    if final is None:
        return
    for stage in lineage(doc, final):
        users = stage.of("USER")
        if users:
            last = users[-1]
            name = (last.words[0] if last.words else "").split(":")[0]
            if name in ("root", "0"):
                yield last, "the final stage switches back to root; end with an unprivileged USER"
            return
    base = image_of(doc, final).lower()
    if _NONROOT_BASES.search(base):
        return
    if base == "scratch":
        yield (
            final.from_instr,
            "the final stage is FROM scratch with no USER, so its program runs as uid 0; "
            "add a numeric USER (e.g. USER 65534)",
        )
        return
    yield final.from_instr, "the final stage has no USER, so the container runs as root"
