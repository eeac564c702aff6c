"""One crafted image that exercises every file and metadata test kind, for archives in tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.verify.craft import D, F, H, L, Member, docker_archive, oci_layout

PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"

LAYERS: list[list[Member]] = [
    [
        D("etc"),
        F("etc/passwd", PASSWD),
        F("etc/os-release", 'PRETTY_NAME="Crafted"\nVERSION_CODENAME=bookworm\n'),
        D("usr"),
        D("usr/bin"),
        L("bin", "usr/bin"),
        F("usr/bin/tool", "#!/bin/sh\necho tool\n", 0o4750, 1000, 50),
        L("usr/bin/tool-link", "tool"),
        L("usr/bin/abs-link", "/usr/bin/tool"),
        H("usr/bin/tool-hard", "usr/bin/tool"),
        F("usr/bin/gcc", "ELF", 0o755),
        D("tmp", 0o1777),
        D("srv", 0o2775, 1000, 1000),
        F("srv/app.conf", "debug = false\nport = 8080\n", 0o640, 1000, 1000),
        F("old-secret", "password=hunter2\n", 0o600),
        D("home"),
        D("home/app", 0o750, 1000, 1000),
    ],
    [
        Member(".wh.old-secret"),
        # engines list the parent directory again in the layer that changes its content
        D("srv", 0o2775, 1000, 1000),
        F("srv/app.conf", "debug = true\nport = 8080\n", 0o644, 1000, 1000),
        Member("usr/bin/.wh.gcc"),
    ],
]

CONFIG: dict[str, Any] = {
    "User": "app",
    "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/app", "MODE=prod=1"],
    "Entrypoint": ["/usr/bin/tool"],
    "Cmd": ["--serve"],
    "WorkingDir": "/srv",
    "Labels": {"org.opencontainers.image.version": "1.2.3", "team": "core"},
    "ExposedPorts": {"8080/tcp": {}, "53/udp": {}},
    "Volumes": {"/data": {}},
}


def make_docker_archive(
    tmp: Path, layers: list[list[Member]] | None = None, config: dict[str, Any] | None = None
) -> Path:
    return docker_archive(tmp / "image.tar", layers or LAYERS, config or CONFIG)


def make_oci_layout(tmp: Path) -> Path:
    return oci_layout(tmp / "oci", LAYERS, CONFIG)
