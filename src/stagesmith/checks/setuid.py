"""Set-uid / set-gid files: each is a way to regain privileges inside the container.

Bad: a runtime image that keeps ``/usr/bin/su``, ``/usr/bin/passwd`` with the s-bit.
Good: ``RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`` in the final stage.
"""

from __future__ import annotations

from typing import Any

from stagesmith.checks.base import Check, Context
from stagesmith.checks.index import FILE
from stagesmith.checks.model import Finding, Severity

SETUID, SETGID = 0o4000, 0o2000


class SetuidCheck(Check):
    name = "setuid"
    kinds = frozenset({FILE})

    def __init__(self) -> None:
        self.files: dict[str, tuple[int, int]] = {}  # path -> (layer, mode)

    def visit(self, layer: int, entry: Any, path: str, kind: str, content: Any) -> None:
        if kind == FILE:
            mode = entry.mode
            if type(mode) is not int:
                mode = int(mode or 0)
            if mode & (SETUID | SETGID):
                self.files[path] = (layer, mode)

    def finish(self, ctx: Context) -> list[Finding]:
        out = []
        for path, (layer, mode) in sorted(self.files.items()):
            node = ctx.index.nodes.get(path)
            if node is None or node.layer != layer or not node.mode & (SETUID | SETGID):
                continue
            bits = " and ".join(
                name for bit, name in ((SETUID, "setuid"), (SETGID, "setgid")) if mode & bit
            )
            out.append(
                Finding(
                    id="setuid",
                    severity=Severity.WARNING,
                    title=f"{bits} /{path}",
                    message=f"/{path} is {bits} (mode {mode & 0o7777:o})",
                    subject=path,
                    paths=[path],
                    layer=layer,
                    evidence={"mode": f"{mode & 0o7777:04o}"},
                )
            )
        return out
