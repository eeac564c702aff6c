"""SS114: package-manager caches and apt lists left in a layer."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import mount_options
from stagesmith.lint.model import Severity
from stagesmith.lint.shell import installs, run_text
from stagesmith.lint.source import Doc, Instr

_APT_LISTS_REMOVED = re.compile(r"rm\s+-[a-zA-Z]*\s+.*?/var/lib/apt/lists")
_YUM_CLEAN = re.compile(r"(yum|dnf|microdnf|tdnf|zypper)\s+clean")
_YUM_CACHE_REMOVED = re.compile(r"rm\s+-[a-zA-Z]*\s+.*?/var/cache/(yum|dnf)")


def _cache_mounted(ins: Instr, *dirs: str) -> bool:
    for m in ins.flags.get("mount", []):
        opts = mount_options(m)
        if opts.get("type") in ("cache", "tmpfs") and any(
            (opts.get("target") or opts.get("dst") or opts.get("destination") or "").startswith(d)
            for d in dirs
        ):
            return True
    return False


@rule(
    "SS114", "package-cache-left-in-layer", Severity.WARNING, hadolint="DL3009", keywords=("RUN",)
)
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """``apt-get install`` without removing ``/var/lib/apt/lists`` in the same RUN (or a cache
    mount); ``yum``/``dnf install`` without ``clean all``. The lists stay in the layer forever.

    Bad::

        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y --no-install-recommends curl

    Good::

        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y --no-install-recommends curl \\
            && rm -rf /var/lib/apt/lists/*
    """
    for stage in doc.stages:
        for ins in stage.each("RUN"):
            text = run_text(ins)
            managers = {i.manager for i in installs(text)}
            if "apt" in managers and not (
                _APT_LISTS_REMOVED.search(text)
                or _cache_mounted(ins, "/var/lib/apt", "/var/cache/apt")
            ):
                yield ins, "apt lists are left in the layer: add 'rm -rf /var/lib/apt/lists/*'"
            if "yum" in managers and not (
                _YUM_CLEAN.search(text)
                or _YUM_CACHE_REMOVED.search(text)
                or _cache_mounted(ins, "/var/cache")
            ):
                yield ins, "the yum/dnf cache is left in the layer: add '<manager> clean all'"
