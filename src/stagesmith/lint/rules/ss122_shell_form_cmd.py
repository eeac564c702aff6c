"""SS122: shell-form CMD / ENTRYPOINT."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import final_stage
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc


@rule(
    "SS122", "shell-form-cmd", Severity.WARNING, hadolint="DL3025", keywords=("CMD", "ENTRYPOINT")
)
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """``CMD python app.py`` runs under ``/bin/sh -c``: the program is not PID 1, does not
    get SIGTERM, and the final image needs a shell. Use the JSON (exec) form.

    Bad::

        FROM python:3.12-slim
        CMD python -m app

    Good::

        FROM python:3.12-slim
        CMD ["python", "-m", "app"]
    """
    final = final_stage(doc, ctx)
    if final is None:
        return
    for ins in final.of("CMD", "ENTRYPOINT"):
        if ins.args.strip() and ins.json_form is None:
            yield ins, f'{ins.keyword} in shell form; use the JSON form ["prog", "arg"]'
