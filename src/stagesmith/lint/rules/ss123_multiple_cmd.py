"""SS123: several CMD or ENTRYPOINT in one stage."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc


@rule(
    "SS123",
    "multiple-cmd",
    Severity.WARNING,
    hadolint="DL4003,DL4004",
    keywords=("CMD", "ENTRYPOINT"),
)
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Only the last ``CMD`` (or ``ENTRYPOINT``) of a stage takes effect; earlier ones are
    dead and usually a mistake.

    Bad::

        FROM python:3.12-slim
        CMD ["python", "migrate.py"]
        CMD ["python", "app.py"]

    Good::

        FROM python:3.12-slim
        CMD ["sh", "-c", "python migrate.py && exec python app.py"]
    """
    for stage in doc.stages:
        for keyword in ("CMD", "ENTRYPOINT"):
            found = stage.of(keyword)
            for ins in found[1:]:
                yield (
                    ins,
                    (
                        f"stage '{stage.label}' has {len(found)} {keyword} instructions; "
                        f"only the last one (line {found[-1].start_line}) takes effect"
                    ),
                )
