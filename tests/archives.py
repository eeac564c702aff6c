"""Craft image archives for tests from layers described as Python data.

    from tests.archives import file, dir_, whiteout, docker_archive, oci_layout, oci_archive

    layers = [[dir_("etc"), file("etc/passwd", b"root:x:0:0::/root:/bin/sh\\n")],
              [whiteout("etc/passwd")]]
    path = docker_archive(tmp_path / "img.tar", layers)

Formats: legacy docker-archive (``<id>/layer.tar``), Engine >= 25 docker-archive
(``manifest.json`` + ``index.json`` + ``blobs/sha256``), OCI layout dirs and oci-archive tars,
with gzip / zstd / plain layers, multi-platform and nested indexes. Everything is written in
``tmp_path``; nothing is downloaded. Keep this API stable: other areas' tests import it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zstandard


@dataclass
class Member:
    """One layer member. ``declared_size`` lies about the size in the header (hostile tests)."""

    path: str
    type: str = "file"  # file dir symlink hardlink char block fifo
    data: bytes = b""
    mode: int | None = None
    uid: int = 0
    gid: int = 0
    linkname: str = ""
    mtime: int = 1_700_000_000
    declared_size: int | None = None
    pax: dict[str, str] | None = None  # PAX records written verbatim (hostile tests)


def file(
    path: str, data: bytes | int = b"", mode: int = 0o644, uid: int = 0, gid: int = 0
) -> Member:
    """A regular file; an int ``data`` means that many bytes of a repeatable pattern."""
    if isinstance(data, int):
        data = (hashlib.sha256(path.encode()).digest() * (data // 32 + 1))[:data]
    return Member(path, "file", data, mode, uid, gid)


def dir_(path: str, mode: int = 0o755, uid: int = 0, gid: int = 0) -> Member:
    return Member(path, "dir", b"", mode, uid, gid)


def symlink(path: str, target: str) -> Member:
    return Member(path, "symlink", linkname=target, mode=0o777)


def hardlink(path: str, target: str) -> Member:
    return Member(path, "hardlink", linkname=target)


def char(path: str) -> Member:
    return Member(path, "char", mode=0o666)


def fifo(path: str) -> Member:
    return Member(path, "fifo", mode=0o644)


def whiteout(path: str) -> Member:
    """Deletes ``path`` from the layers below (``dir/.wh.name``)."""
    parent, _, name = path.rpartition("/")
    return Member(f"{parent}/.wh.{name}" if parent else f".wh.{name}", "file")


def opaque(directory: str) -> Member:
    """Hides everything lower layers put in ``directory``."""
    return Member(f"{directory.rstrip('/')}/.wh..wh..opq", "file")


_TARTYPE = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "char": tarfile.CHRTYPE,
    "block": tarfile.BLKTYPE,
    "fifo": tarfile.FIFOTYPE,
}


def layer_tar(members: Sequence[Member]) -> bytes:
    """The uncompressed tar of one layer (PAX format, names written exactly as given)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for m in members:
            info = tarfile.TarInfo(m.path)
            info.type = _TARTYPE[m.type]
            info.mode = m.mode if m.mode is not None else (0o755 if m.type == "dir" else 0o644)
            info.uid, info.gid, info.mtime = m.uid, m.gid, m.mtime
            info.linkname = m.linkname
            if m.pax:
                info.pax_headers = dict(m.pax)
            if m.type == "file":
                info.size = len(m.data)
                tar.addfile(info, io.BytesIO(m.data))
            else:
                tar.addfile(info)
    data = buf.getvalue()
    return _patch_sizes(data, members) if any(m.declared_size for m in members) else data


def _patch_sizes(data: bytes, members: Sequence[Member]) -> bytes:
    """Rewrite header size fields for members with ``declared_size`` (and fix checksums)."""
    out = bytearray(data)
    pos = 0
    lying = {m.path: m.declared_size for m in members if m.declared_size is not None}
    while pos + 512 <= len(out) and any(out[pos : pos + 512]):
        hdr = out[pos : pos + 512]
        name = bytes(hdr[:100]).split(b"\0", 1)[0].decode()
        size = int(bytes(hdr[124:136]).strip(b"\0 ") or b"0", 8)
        if name in lying and hdr[156:157] != b"x":
            out[pos + 124 : pos + 136] = b"%011o\0" % lying[name]
            out[pos + 148 : pos + 156] = b" " * 8
            out[pos + 148 : pos + 156] = b"%06o\0 " % sum(out[pos : pos + 512])
        pos += 512 + size + (-size % 512)
    return bytes(out)


def compress(data: bytes, compression: str) -> bytes:
    if compression == "gzip":
        return gzip.compress(data, compresslevel=1, mtime=0)
    if compression == "zstd":
        return zstandard.ZstdCompressor(level=1).compress(data)
    return data


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class Built:
    """One image's blobs, ready to be laid out in any format."""

    config: bytes
    layers: list[tuple[bytes, bytes]]  # (blob, uncompressed tar)
    compression: str
    platform: str
    manifest: bytes = b""
    extra: dict[str, Any] = field(default_factory=dict)


_MEDIA = {
    "none": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}


def build(
    layers: Sequence[Sequence[Member]],
    *,
    compression: str | Sequence[str] = "none",
    platform: str = "linux/amd64",
    config: Mapping[str, Any] | None = None,
    history: Sequence[str] | None = None,
    config_doc: Mapping[str, Any] | None = None,
) -> Built:
    """Blobs for one image: layer tars (compressed per layer if a list is given) and config.

    ``config_doc`` overrides top-level keys of the config JSON (``rootfs``, ``history``, ...),
    for tests of badly typed metadata; the config's digest still matches its bytes."""
    comps = [compression] * len(layers) if isinstance(compression, str) else list(compression)
    blobs = []
    for members, comp in zip(layers, comps, strict=True):
        raw = layer_tar(members)
        blobs.append((compress(raw, comp), raw))
    os_, arch, *variant = platform.split("/")
    doc: dict[str, Any] = {
        "architecture": arch,
        "os": os_,
        "config": dict(config or {"Env": ["PATH=/usr/bin:/bin"], "Cmd": ["/bin/sh"]}),
        "rootfs": {"type": "layers", "diff_ids": [sha(raw) for _, raw in blobs]},
        "history": [
            {
                "created": "2024-01-01T00:00:00Z",
                "created_by": (history or [])[i] if history and i < len(history) else f"layer {i}",
            }
            for i in range(len(blobs))
        ],
    }
    if variant:
        doc["variant"] = variant[0]
    doc.update(config_doc or {})
    cfg = json.dumps(doc).encode()
    built = Built(cfg, blobs, comps[0] if comps else "none", platform)
    built.manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha(cfg),
                "size": len(cfg),
            },
            "layers": [
                {"mediaType": _MEDIA[c], "digest": sha(b), "size": len(b)}
                for (b, _), c in zip(blobs, comps, strict=True)
            ],
        }
    ).encode()
    return built


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1_700_000_000
    tar.addfile(info, io.BytesIO(data))


def docker_archive(
    dest: Path,
    layers: Sequence[Sequence[Member]] | Built,
    *,
    legacy: bool = True,
    tag: str = "stagesmith/test:latest",
    **kw: Any,
) -> Path:
    """A ``docker save`` archive: legacy ``<id>/layer.tar`` or Engine >= 25 ``blobs/sha256``."""
    b = layers if isinstance(layers, Built) else build(layers, **kw)
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tar:
        if legacy:
            cfg_name = sha(b.config)[7:] + ".json"
            names = []
            for blob, _ in b.layers:
                lid = sha(blob)[7:]
                names.append(f"{lid}/layer.tar")
                if f"{lid}/layer.tar" not in tar.getnames():
                    _add(tar, f"{lid}/layer.tar", blob)
            _add(tar, cfg_name, b.config)
            manifest = [{"Config": cfg_name, "RepoTags": [tag], "Layers": names}]
        else:
            seen: set[str] = set()
            for data in [b.config, b.manifest, *(blob for blob, _ in b.layers)]:
                name = "blobs/sha256/" + sha(data)[7:]
                if name not in seen:
                    seen.add(name)
                    _add(tar, name, data)
            manifest = [
                {
                    "Config": "blobs/sha256/" + sha(b.config)[7:],
                    "RepoTags": [tag],
                    "Layers": ["blobs/sha256/" + sha(blob)[7:] for blob, _ in b.layers],
                }
            ]
            index = {
                "schemaVersion": 2,
                "manifests": [
                    {
                        "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": sha(b.manifest),
                        "size": len(b.manifest),
                        "annotations": {"io.containerd.image.name": tag},
                    }
                ],
            }
            _add(tar, "index.json", json.dumps(index).encode())
            _add(tar, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        _add(tar, "manifest.json", json.dumps(manifest).encode())
    return dest


def _descriptor(b: Built, with_platform: bool) -> dict[str, Any]:
    d: dict[str, Any] = {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": sha(b.manifest),
        "size": len(b.manifest),
    }
    if with_platform:
        os_, arch, *variant = b.platform.split("/")
        d["platform"] = {"os": os_, "architecture": arch}
        if variant:
            d["platform"]["variant"] = variant[0]
    return d


def _layout_files(
    images: Sequence[Built], nested: bool, ref: str, platforms_in_index: bool
) -> dict[str, bytes]:
    files: dict[str, bytes] = {"oci-layout": b'{"imageLayoutVersion": "1.0.0"}'}

    def put(data: bytes) -> None:
        files["blobs/sha256/" + sha(data)[7:]] = data

    for b in images:
        put(b.config)
        put(b.manifest)
        for blob, _ in b.layers:
            put(blob)
    descs = [_descriptor(b, platforms_in_index or len(images) > 1) for b in images]
    if nested or len(images) > 1:
        inner = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": descs,
            }
        ).encode()
        put(inner)
        descs = [
            {
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": sha(inner),
                "size": len(inner),
            }
        ]
    for d in descs:
        d["annotations"] = {"org.opencontainers.image.ref.name": ref}
    files["index.json"] = json.dumps({"schemaVersion": 2, "manifests": descs}).encode()
    return files


def _images(layers: Any, kw: dict[str, Any]) -> list[Built]:
    if isinstance(layers, Built):
        return [layers]
    if isinstance(layers, Mapping):  # {platform: layers}
        return [build(v, platform=p, **kw) for p, v in layers.items()]
    if layers and isinstance(layers[0], Built):
        return list(layers)
    return [build(layers, **kw)]


def oci_layout(
    dest: Path,
    layers: Any,
    *,
    nested: bool = False,
    ref: str = "latest",
    platforms_in_index: bool = True,
    **kw: Any,
) -> Path:
    """An OCI image layout directory. ``layers`` may be ``{platform: layers}`` (multi-platform)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name, data in _layout_files(_images(layers, kw), nested, ref, platforms_in_index).items():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_bytes(data)
    return dest


def oci_archive(
    dest: Path,
    layers: Any,
    *,
    nested: bool = False,
    ref: str = "latest",
    platforms_in_index: bool = True,
    **kw: Any,
) -> Path:
    """An oci-archive: the OCI layout, as one uncompressed tar."""
    files = _layout_files(_images(layers, kw), nested, ref, platforms_in_index)
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files.items():
            _add(tar, name, data)
    return dest


def replace_member(archive: Path, name: str, data: bytes) -> Path:
    """Rewrite ``archive`` in place with member ``name`` holding ``data`` (added if absent)."""
    with tarfile.open(archive) as src:
        members = [(m, src.extractfile(m).read() if m.isfile() else b"") for m in src]  # type: ignore[union-attr]
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
        done = False
        for m, body in members:
            if m.name == name:
                body, done = data, True
                m.size = len(body)
            tar.addfile(m, io.BytesIO(body) if m.isfile() else None)
        if not done:
            _add(tar, name, data)
    return archive
