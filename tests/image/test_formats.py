"""Every source format is read the same: same entries, same config, same tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagesmith.image import EntryType, open_image
from tests.archives import (
    build,
    char,
    dir_,
    docker_archive,
    file,
    hardlink,
    oci_archive,
    oci_layout,
    opaque,
    symlink,
    whiteout,
)

LAYERS = [
    [
        dir_("etc"),
        file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
        dir_("usr/bin"),
        file("usr/bin/tool", 1000, mode=0o755),
        dir_("cache"),
        file("cache/a", 300),
    ],
    [
        file("usr/bin/tool", 2000, mode=0o755),
        symlink("bin", "usr/bin"),
        hardlink("usr/bin/tool2", "usr/bin/tool"),
        char("dev/null"),
    ],
    [whiteout("etc/passwd"), opaque("cache"), file("cache/b", 10)],
]


def _make(kind: str, tmp: Path, compression: str) -> Path:
    b = build(LAYERS, compression=compression, config={"User": "app", "Env": ["A=1", "B=x=y"]})
    if kind == "docker-legacy":
        return docker_archive(tmp / "d.tar", b, legacy=True)
    if kind == "docker-oci":
        return docker_archive(tmp / "d.tar", b, legacy=False)
    if kind == "oci-layout":
        return oci_layout(tmp / "layout", b)
    return oci_archive(tmp / "o.tar", b)


@pytest.mark.parametrize("kind", ["docker-legacy", "docker-oci", "oci-layout", "oci-archive"])
@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_every_format_reads_the_same(tmp_path: Path, kind: str, compression: str) -> None:
    src = _make(kind, tmp_path, compression)
    with open_image(src) as img:
        assert len(img.layers) == 3
        assert all(layer.compression == compression for layer in img.layers)
        assert img.config.user == "app"
        assert img.config.env == {"A": "1", "B": "x=y"}
        assert img.config.os == "linux" and img.config.architecture == "amd64"
        assert [layer.created_by for layer in img.layers] == ["layer 0", "layer 1", "layer 2"]
        seen = []
        content = {}
        for i, entry, reader in img.walk(lambda e: e.path == "usr/bin/tool"):
            seen.append((i, entry.path, entry.type))
            if reader is not None:
                content[i] = reader.read()
        assert (1, "dev/null", EntryType.CHAR) in seen
        assert (1, "usr/bin/tool2", EntryType.HARDLINK) in seen
        assert (0, "usr/bin/tool", EntryType.FILE) in seen
        assert len(content[0]) == 1000 and len(content[1]) == 2000
        assert [layer.size for layer in img.layers] == [
            sum(len(m.data) for m in layer) for layer in LAYERS
        ]
        tree = img.tree()
        assert tree.get("etc/passwd") is None
        assert tree.get("etc") is not None
        assert tree.get("cache/a") is None and tree.get("cache/b").size == 10
        assert tree.get("usr/bin/tool").size == 2000
        assert tree.get("usr/bin/tool").layer == 1
        assert tree.resolve("bin/tool") is tree.get("usr/bin/tool")
        assert tree.get("usr").total_size == 2000


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_a_walk_stopped_early_stops_its_prefetching_worker(
    tmp_path: Path, compression: str
) -> None:
    import threading

    layers = [[file(f"f{i}", 300_000) for i in range(12)]]  # more than the worker runs ahead
    src = docker_archive(tmp_path / "x.tar", layers, compression=compression)
    before = threading.active_count()
    with open_image(src) as img:
        walk = img.walk(lambda e: True)
        _, entry, reader = next(walk)
        assert entry.path == "f0" and reader is not None and len(reader.read()) == 300_000
        walk.close()  # the consumer gives up mid-layer
        assert threading.active_count() == before
        # and a full walk afterwards still verifies the layer against its diff_id
        assert sum(1 for _ in img.walk()) == 12
    assert threading.active_count() == before
