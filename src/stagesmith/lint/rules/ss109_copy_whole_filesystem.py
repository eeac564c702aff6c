"""SS109: copying ``/`` (a whole filesystem) from another stage or image."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import copy_sources
from stagesmith.lint.model import Severity
from stagesmith.lint.source import COPY_FROM, Doc

#: ``/usr/local`` is deliberately absent: copying a ``--prefix`` install there is common and fine.
_WHOLE = {"/", "/.", "/*", "/usr", "/usr/", "/usr/*", "/var", "/var/", "/etc", "/etc/"}


@rule("SS109", "copy-whole-filesystem", Severity.WARNING, hadolint="DL3067", keywords=(COPY_FROM,))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """``COPY --from=stage / /`` (or ``/usr``, ``/etc``, ``/var``) drags the builder's whole
    filesystem, compilers and caches included, into the image: copy only what runs.

    Bad::

        FROM python:3.12 AS builder
        RUN pip install --prefix=/install app
        FROM python:3.12-slim
        COPY --from=builder / /

    Good::

        FROM python:3.12 AS builder
        RUN pip install --prefix=/install app
        FROM python:3.12-slim
        COPY --from=builder /install /usr/local
    """
    for stage in doc.stages:
        for ins in stage.each("COPY", "ADD"):
            if not ins.flag("from"):
                continue
            whole = [s for s in copy_sources(ins) if s in _WHOLE]
            if whole:
                yield (
                    ins,
                    (
                        f"copies {whole[0]} from '{ins.flag('from')}': the whole filesystem of the "
                        "source comes along; copy only the files that are needed"
                    ),
                )
