"""Crafting small image archives in tests (docker-archive and OCI layout), byte by byte.

Layers are given as lists of ``Member``; a whiteout is a member named ``.wh.NAME``. Nothing
is downloaded; every archive is made in ``tmp_path``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Member:
    name: str
    data: bytes = b""
    mode: int = 0o644
    kind: bytes = tarfile.REGTYPE
    uid: int = 0
    gid: int = 0
    link: str = ""


def D(name: str, mode: int = 0o755, uid: int = 0, gid: int = 0) -> Member:
    return Member(name, mode=mode, kind=tarfile.DIRTYPE, uid=uid, gid=gid)


def F(name: str, data: bytes | str = b"", mode: int = 0o644, uid: int = 0, gid: int = 0) -> Member:
    raw = data.encode() if isinstance(data, str) else data
    return Member(name, raw, mode, tarfile.REGTYPE, uid, gid)


def L(name: str, target: str) -> Member:
    return Member(name, mode=0o777, kind=tarfile.SYMTYPE, link=target)


def H(name: str, target: str) -> Member:
    return Member(name, kind=tarfile.LNKTYPE, link=target)


def layer_tar(members: list[Member]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for m in members:
            info = tarfile.TarInfo(m.name)
            info.type = m.kind
            info.mode = m.mode
            info.uid, info.gid = m.uid, m.gid
            info.mtime = 1_700_000_000
            info.linkname = m.link
            data = m.data if m.kind == tarfile.REGTYPE else b""
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buf.getvalue()


def image_config(config: dict[str, Any], layers: list[bytes]) -> bytes:
    doc = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": config,
        "rootfs": {
            "type": "layers",
            "diff_ids": ["sha256:" + hashlib.sha256(b).hexdigest() for b in layers],
        },
        "history": [{"created_by": f"layer {i}"} for i in range(len(layers))],
    }
    return json.dumps(doc).encode()


def docker_archive(path: Path, layers: list[list[Member]], config: dict[str, Any]) -> Path:
    """A ``docker save``-style archive: manifest.json, config JSON, one layer.tar per layer."""
    blobs = [layer_tar(m) for m in layers]
    cfg = image_config(config, blobs)
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    with tarfile.open(path, "w") as tar:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_700_000_000
            tar.addfile(info, io.BytesIO(data))

        names = []
        for blob in blobs:
            name = hashlib.sha256(blob).hexdigest() + "/layer.tar"
            add(name, blob)
            names.append(name)
        add(cfg_name, cfg)
        manifest = [{"Config": cfg_name, "RepoTags": ["localhost/crafted:1"], "Layers": names}]
        add("manifest.json", json.dumps(manifest).encode())
    return path


def oci_layout(path: Path, layers: list[list[Member]], config: dict[str, Any]) -> Path:
    """An OCI image layout directory with gzip layers."""
    blobs_dir = path / "blobs" / "sha256"
    blobs_dir.mkdir(parents=True)
    raw = [layer_tar(m) for m in layers]

    def put(data: bytes) -> tuple[str, int]:
        digest = hashlib.sha256(data).hexdigest()
        (blobs_dir / digest).write_bytes(data)
        return "sha256:" + digest, len(data)

    layer_descs = []
    for blob in raw:
        digest, size = put(gzip.compress(blob, mtime=0))
        layer_descs.append(
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": digest,
                "size": size,
            }
        )
    cfg_digest, cfg_size = put(image_config(config, raw))
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": cfg_digest,
            "size": cfg_size,
        },
        "layers": layer_descs,
    }
    man_digest, man_size = put(json.dumps(manifest).encode())
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": man_digest,
                "size": man_size,
            }
        ],
    }
    (path / "index.json").write_text(json.dumps(index))
    (path / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    return path
