"""SS124: a service image with no HEALTHCHECK."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import final_stage, lineage
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc


@rule("SS124", "service-without-healthcheck", Severity.INFO, keywords=("EXPOSE",))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The final stage has an ``EXPOSE`` (it is a service) but defines no ``HEALTHCHECK``,
    so orchestrators without probes cannot tell a hung server from a healthy one.

    Bad::

        FROM python:3.12-slim
        EXPOSE 8000
        CMD ["gunicorn", "app:app"]

    Good::

        FROM python:3.12-slim
        EXPOSE 8000
        HEALTHCHECK CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://localhost:8000/')"]
        CMD ["gunicorn", "app:app"]
    """
    final = final_stage(doc, ctx)
    if final is None:
        return
    chain = lineage(doc, final)
    if any(s.of("HEALTHCHECK") for s in chain):
        return
    exposes = [i for s in chain for i in s.of("EXPOSE")]
    if exposes:
        yield (
            final.from_instr,
            (f"the final stage exposes {' '.join(exposes[0].words)} but has no HEALTHCHECK"),
        )
