"""SS126: apk add without --no-cache."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.model import Severity
from stagesmith.lint.shell import installs, run_text
from stagesmith.lint.source import Doc


@rule("SS126", "apk-cache-in-layer", Severity.INFO, hadolint="DL3019", keywords=("RUN",))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """``apk add`` without ``--no-cache`` leaves the index in ``/var/cache/apk``.

    Bad::

        FROM alpine:3.20
        RUN apk update && apk add curl

    Good::

        FROM alpine:3.20
        RUN apk add --no-cache curl
    """
    for stage in doc.stages:
        for ins in stage.each("RUN"):
            text = run_text(ins)
            if "/var/cache/apk" in text:
                continue
            if any(i.manager == "apk" and "--no-cache" not in i.words for i in installs(text)):
                yield ins, "apk add without --no-cache"
