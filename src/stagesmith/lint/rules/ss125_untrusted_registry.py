"""SS125: base image from a registry not in the trusted list (when one is configured)."""

from __future__ import annotations

from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc


def registry_of(image: str) -> str:
    """``docker.io`` for short names, else the first path component when it looks like a host."""
    first, sep, _ = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first.lower()
    return "docker.io"


@rule("SS125", "untrusted-registry", Severity.ERROR, hadolint="DL3026")
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """With ``trusted-registries`` configured, every external base must come from one of them.

    Config::

        lint:
          trusted-registries: [registry.example.com]

    Bad::

        FROM docker.io/library/python:3.12-slim

    Good::

        FROM registry.example.com/python:3.12-slim
    """
    if not ctx.trusted_registries:
        return
    trusted = {r.lower().rstrip("/") for r in ctx.trusted_registries}
    for stage in doc.stages:
        base = stage.base
        if not base or "$" in base or base.lower() == "scratch":
            continue
        other = doc.stage_by_ref(base)
        if other is not None and other.index < stage.index:
            continue
        reg = registry_of(base)
        if reg not in trusted and not (reg == "docker.io" and "hub.docker.com" in trusted):
            yield stage.from_instr, f"base image '{base}' comes from untrusted registry {reg}"
