"""SS119: a base image without a tag, or with ``latest``."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc


def split_tag(image: str) -> tuple[str, str | None, bool]:
    """(repository, tag or None, has digest)."""
    digest = "@" in image
    name = image.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1 :], digest
    return name, None, digest


@rule("SS119", "untagged-or-latest-base", Severity.WARNING, hadolint="DL3006,DL3007")
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """``FROM python`` or ``FROM python:latest``: the build changes whenever upstream does.
    Pin a version tag (and ideally a digest). Stage references, ``scratch`` and
    ``$ARG`` bases left unresolved are not reported.

    Bad::

        FROM python:latest

    Good::

        FROM python:3.12.4-slim-bookworm
    """
    for stage in doc.stages:
        base = stage.base
        if not base or "$" in base or base.lower() == "scratch":
            continue
        other = doc.stage_by_ref(base)
        if other is not None and other.index < stage.index:
            continue
        _repo, tag, digest = split_tag(base)
        if digest:
            continue
        if tag is None:
            yield stage.from_instr, f"base image '{base}' has no tag; pin a version"
        elif tag == "latest":
            yield stage.from_instr, f"base image '{base}' uses 'latest'; pin a version"
