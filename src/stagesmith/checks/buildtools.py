"""Build-only things left in a runtime image: compilers, linkers, headers, caches, apt lists.

Bad (single stage)::

    FROM python:3.11
    RUN apt-get update && apt-get install -y build-essential && pip install numpy

Good (multi-stage): compile in a builder stage, ``COPY --from=builder`` only the venv into
``python:3.11-slim``; nothing below is then present in the final image.
"""

from __future__ import annotations

import re
from typing import Any

from stagesmith.checks.base import Check, Context
from stagesmith.checks.index import FILE, HARDLINK, SYMLINK
from stagesmith.checks.model import Finding, Severity
from stagesmith.errors import StagesmithError

#: Compiler/linker driver names; a target triple prefix (``x86_64-linux-gnu-``,
#: ``x86_64-conda-linux-gnu-``) and a version suffix (``-12``) are allowed around them.
_TOOLS = (
    r"gcc|g\+\+|c\+\+|cc|clang|clang\+\+|gfortran|make|gmake|cmake|ld|ld\.bfd|ld\.gold|ld\.lld|as"
)
TOOL_RE = re.compile(rf"^(?:[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*-)?({_TOOLS})(?:-\d+(?:\.\d+)*)?$")
_BIN_DIRS = ("bin", "sbin")

#: Enough headers under one include tree to call it a development install.
HEADER_THRESHOLD = 50


_CACHE_ROOTS = ("var/cache/apt/", "var/lib/apt/lists/", "opt/conda/pkgs/", "root/.conda/pkgs/")


def _cache_kind(path: str) -> tuple[str, str] | None:
    """``(subject, root)`` when ``path`` lies in a package-manager cache or apt list dir."""
    if ".cache/" not in path and ".npm/" not in path and not path.startswith(_CACHE_ROOTS):
        return None  # the common case, cheap: this runs for every file
    parts = path.split("/")
    for i in range(len(parts) - 1):
        if parts[i] == ".cache" and parts[i + 1] in ("pip", "uv", "pypoetry", "yarn"):
            return parts[i + 1] + "-cache", "/".join(parts[: i + 2])
        if parts[i] == ".npm" and parts[i + 1] == "_cacache":
            return "npm-cache", "/".join(parts[: i + 2])
    if path.startswith("var/cache/apt/") and path.endswith((".deb", ".bin")):
        return "apt-cache", "var/cache/apt"
    rest = path[len("var/lib/apt/lists/") :]
    if path.startswith("var/lib/apt/lists/") and "/" not in rest and rest != "lock":
        return "apt-lists", "var/lib/apt/lists"
    if path.startswith(("opt/conda/pkgs/", "root/.conda/pkgs/")) and path.endswith(
        (".conda", ".tar.bz2")
    ):
        return "conda-pkgs", path.split("/pkgs/")[0] + "/pkgs"
    return None


def _runs(ctx: Context, path: str) -> bool:
    """A tool path that leads to a file: a symlink whose target is gone (``g++ -> gcc`` after
    ``gcc`` is deleted) or that loops is not a tool in the image."""
    index = ctx.index
    if index.kind(path) != SYMLINK:
        return True
    try:
        real = index.resolve(path)
    except StagesmithError:
        return False
    return real is not None and index.kind(real) in (FILE, HARDLINK)


def tool_name(path: str) -> str | None:
    """The tool a path provides (``gcc`` for ``usr/bin/x86_64-linux-gnu-gcc-12``), or None."""
    head, _, base = path.rpartition("/")
    if head.rpartition("/")[2] not in _BIN_DIRS:
        return None
    m = TOOL_RE.match(base)
    if not m:
        return None
    name = m.group(1)
    return "ld" if name.startswith("ld") else name


class BuildToolsCheck(Check):
    name = "build-tools"
    kinds = frozenset({FILE, SYMLINK})

    def __init__(self) -> None:
        self.tools: dict[str, dict[str, int]] = {}  # tool -> path -> layer
        self.headers: dict[str, dict[str, int]] = {}  # include root -> header path -> layer
        self.caches: dict[str, dict[str, tuple[int, int]]] = {}  # subject -> path -> (layer,size)
        self.roots: dict[str, str] = {}

    def visit(self, layer: int, entry: Any, path: str, kind: str, content: Any) -> None:
        if kind != FILE and kind != SYMLINK:
            return
        # a tool's parent directory is bin or sbin: most paths fail this substring test
        if "bin/" in path:
            tool = tool_name(path)
            if tool:
                self.tools.setdefault(tool, {})[path] = layer
        if path.endswith((".h", ".hpp")) and "/include/" in f"/{path}":
            root = f"/{path}".split("/include/")[0].lstrip("/") + "/include"
            self.headers.setdefault(root.lstrip("/"), {})[path] = layer
        # _cache_kind's own first test, inline (most files are in no cache)
        if kind == FILE and (".cache/" in path or ".npm/" in path or path.startswith(_CACHE_ROOTS)):
            hit = _cache_kind(path)
            if hit:
                subject, root = hit
                self.caches.setdefault(subject, {})[path] = (layer, int(entry.size or 0))
                self.roots[subject] = root

    def finish(self, ctx: Context) -> list[Finding]:
        out: list[Finding] = []
        for tool, paths in sorted(self.tools.items()):
            live = sorted(
                p for p, layer in paths.items() if ctx.index.alive(p, layer) and _runs(ctx, p)
            )
            if not live:
                continue
            out.append(
                Finding(
                    id="build-tool",
                    severity=Severity.WARNING,
                    title=f"{tool} present",
                    message=f"build tool {tool} is in the image ({', '.join('/' + p for p in live[:3])}"
                    f"{', ...' if len(live) > 3 else ''}); build in a separate stage",
                    subject=tool,
                    paths=live,
                    layer=min(paths[p] for p in live),
                )
            )
        for root, paths in sorted(self.headers.items()):
            live = [p for p, layer in paths.items() if ctx.index.alive(p, layer)]
            if len(live) < HEADER_THRESHOLD:
                continue
            out.append(
                Finding(
                    id="headers",
                    severity=Severity.INFO,
                    title=f"{len(live)} C headers under /{root}",
                    message=f"/{root} holds {len(live)} header files: development packages in a runtime image",
                    subject=root,
                    paths=[root],
                    layer=min(paths[p] for p in live),
                    evidence={"count": len(live)},
                )
            )
        for subject, files in sorted(self.caches.items()):
            live2 = {p: v for p, v in files.items() if ctx.index.alive(p, v[0])}
            if not live2:
                continue
            size = sum(v[1] for v in live2.values())
            root = self.roots[subject]
            out.append(
                Finding(
                    id="package-cache" if subject != "apt-lists" else "apt-lists",
                    severity=Severity.WARNING,
                    title=f"{subject} left in /{root}",
                    message=f"/{root}: {len(live2)} files, {size} bytes of {subject} "
                    "(use a cache mount or clean up in the same RUN)",
                    subject=subject,
                    paths=[root],
                    layer=min(v[0] for v in live2.values()),
                    evidence={"files": len(live2), "bytes": size},
                )
            )
        return out
