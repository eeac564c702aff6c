"""Device nodes under ``/dev`` shipped in a layer.

Rootfs tarballs made by mmdebstrap or debootstrap and imported with ``docker import`` /
``podman import`` carry ``/dev/null``, ``/dev/console`` and friends. They are harmless at run
time (the engine mounts its own ``/dev`` over them), so they are reported as information, not
refused. A device node anywhere else is refused by the reader (exit 2): no build produces one,
and unpacking it would create a device on the host.

Bad: ``podman import rootfs.tar`` of a tarball made with device nodes.
Good: exclude ``./dev/*`` when making the tarball (``mmdebstrap --skip=output/dev``).
"""

from __future__ import annotations

from typing import Any

from stagesmith.checks.base import Check, Context
from stagesmith.checks.index import OTHER
from stagesmith.checks.model import Finding, Severity

_DEVICE_TYPES = ("char", "block")


class DeviceFilesCheck(Check):
    name = "device-files"
    kinds = frozenset({OTHER})

    def __init__(self) -> None:
        self.devices: dict[str, tuple[int, str]] = {}  # path -> (layer, char|block)

    def visit(self, layer: int, entry: Any, path: str, kind: str, content: Any) -> None:
        if kind == OTHER:
            raw = str(getattr(entry.type, "value", entry.type))
            if raw in _DEVICE_TYPES:
                self.devices[path] = (layer, raw)

    def finish(self, ctx: Context) -> list[Finding]:
        live = {p: v for p, v in self.devices.items() if ctx.index.alive(p, v[0])}
        if not live:
            return []
        paths = sorted(live)
        shown = ", ".join("/" + p for p in paths[:5]) + (", ..." if len(paths) > 5 else "")
        return [
            Finding(
                id="device-file",
                severity=Severity.INFO,
                title=f"{len(paths)} device node(s) under /dev",
                message=f"the image ships device nodes ({shown}); the engine mounts its own "
                "/dev over them at run time, so they only show how the rootfs was made",
                subject="dev",
                paths=paths,
                layer=min(v[0] for v in live.values()),
                evidence={"types": sorted({v[1] for v in live.values()})},
            )
        ]
