"""SS118: ``ADD`` of a remote URL."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import copy_sources
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc


@rule("SS118", "add-remote-url", Severity.WARNING, keywords=("ADD",))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """``ADD https://...`` downloads without verification (unless ``--checksum``) and leaves
    the file in a layer; prefer ``RUN curl ... && sha256sum -c`` or ``ADD --checksum=``.

    Bad::

        FROM debian:bookworm-slim
        ADD https://example.com/tool.tar.gz /tmp/

    Good::

        FROM debian:bookworm-slim
        ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \\
            https://example.com/tool.tar.gz /tmp/
    """
    for stage in doc.stages:
        for ins in stage.each("ADD"):
            if ins.flag("checksum"):
                continue
            urls = [s for s in copy_sources(ins) if s.startswith(("http://", "https://"))]
            if urls:
                yield ins, f"ADD of remote URL {urls[0]} without --checksum"
