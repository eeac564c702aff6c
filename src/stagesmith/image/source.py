"""Where the blobs live (a tar archive or a directory) and how a manifest is found in them.

Formats: docker-archive (legacy ``<id>/layer.tar`` and Engine >= 25 / podman ``blobs/sha256``),
OCI image layout directories and oci-archive tars, with nested indexes and platform choice.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from stagesmith.image.model import ImageError
from stagesmith.image.streams import Region
from stagesmith.image.tarscan import RawMember, index_archive, normalize
from stagesmith.record import Record

MAX_JSON = 64 << 20
_DIGEST = re.compile(r"^(sha256|sha512):([0-9a-f]{32,128})$")
INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}


class BlobStore:
    """Named files of an image source, opened as forward streams."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        self._fd: int | None = None
        self._members: dict[str, RawMember] = {}
        if path.is_dir():
            self.kind = "dir"
            return
        self.kind = "tar"
        try:
            self._fd = os.open(path, os.O_RDONLY)
        except OSError as exc:
            raise ImageError(f"{path}: cannot open: {exc.strerror}") from None
        total = os.fstat(self._fd).st_size
        with open(self._fd, "rb", closefd=False) as f:
            self._members = index_archive(f, total, self.where)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def has(self, name: str) -> bool:
        name = self._clean(name)
        if self.kind == "dir":
            return (self.path / name).is_file()
        return name in self._members

    def _clean(self, name: str) -> str:
        return normalize(name, self.where)

    def size(self, name: str) -> int:
        name = self._clean(name)
        if self.kind == "dir":
            return (self.path / name).stat().st_size
        return self._members[name].size

    def open(self, name: str) -> Region:
        clean = self._clean(name)
        if not self.has(clean):
            raise ImageError(f"{self.where}: missing blob {name}")
        if self.kind == "dir":
            fd = os.open(self.path / clean, os.O_RDONLY)
            region = Region(fd, 0, os.fstat(fd).st_size)
            region._owned_fd = fd  # type: ignore[attr-defined]
            return region
        assert self._fd is not None
        m = self._members[clean]
        return Region(self._fd, m.offset, m.size)

    def head(self, name: str, n: int = 8) -> bytes:
        region = self.open(name)
        try:
            return region.read(n) or b""
        finally:
            close_region(region)

    def read_json(self, name: str, digest: str | None = None) -> Any:
        if not self.has(name):
            raise ImageError(f"{self.where}: missing {name}")
        if self.size(name) > MAX_JSON:
            raise ImageError(f"{self.where}: {name} is too large to be image metadata")
        region = self.open(name)
        try:
            data = region.read(MAX_JSON) or b""
        finally:
            close_region(region)
        if digest is not None:
            check_digest(data, digest, f"{self.where}: {name}")
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ImageError(f"{self.where}: {name} is not valid JSON ({exc})") from None


def close_region(region: Region) -> None:
    fd = getattr(region, "_owned_fd", None)
    if fd is not None:
        os.close(fd)


def check_digest(data: bytes, digest: str, where: str) -> None:
    m = _DIGEST.match(digest)
    if not m:
        raise ImageError(f"{where}: unsupported digest {digest!r}")
    got = hashlib.new(m.group(1), data).hexdigest()
    if got != m.group(2):
        raise ImageError(f"{where}: digest mismatch (expected {digest}, got {m.group(1)}:{got})")


def blob_name(digest: str, where: str) -> str:
    m = _DIGEST.match(str(digest))
    if not m:
        raise ImageError(f"{where}: bad digest {digest!r}")
    return f"blobs/{m.group(1)}/{m.group(2)}"


class LayerRef(Record):
    __slots__ = ("diff_id", "digest", "digest_is_diff_id", "media_type", "name")

    def __init__(
        self,
        name: str,  # file inside the store
        digest: str | None,  # expected digest of the blob bytes, when known
        media_type: str,
        diff_id: str,
        digest_is_diff_id: bool = False,  # legacy layer.tar: checked against diff_id
    ) -> None:
        self.name, self.digest, self.media_type, self.diff_id = name, digest, media_type, diff_id
        self.digest_is_diff_id = digest_is_diff_id


class Resolved(Record):
    __slots__ = ("config", "config_digest", "layers", "platform", "reference", "source_format")

    def __init__(
        self,
        source_format: str,
        config: dict[str, Any],
        config_digest: str,
        layers: list[LayerRef],
        reference: str,
        platform: str,
    ) -> None:
        self.source_format, self.config, self.config_digest = source_format, config, config_digest
        self.layers, self.reference, self.platform = layers, reference, platform


def field(obj: dict[str, Any], key: str, kind: type, where: str, what: str) -> Any:
    """``obj[key]`` if it is absent/null or of JSON type ``kind``; otherwise an ImageError."""
    value = obj.get(key)
    if value is None or isinstance(value, kind):
        return value
    name = {"dict": "an object", "list": "a list", "str": "a string"}[kind.__name__]
    raise ImageError(f"{where}: {what} {key} is not {name} (got {type(value).__name__})")


def diff_ids_of(cfg: dict[str, Any], where: str) -> list[str]:
    rootfs = field(cfg, "rootfs", dict, where, "image config") or {}
    ids = field(rootfs, "diff_ids", list, where, "image config rootfs") or []
    if not all(isinstance(d, str) for d in ids):
        raise ImageError(f"{where}: image config rootfs diff_ids holds a non-string")
    return list(ids)


def platform_of(p: dict[str, Any]) -> str:
    parts = []
    for key in ("os", "architecture", "variant"):
        value = p.get(key)
        if value is not None and not isinstance(value, str):
            raise ImageError(f"platform {key} is not a string (got {type(value).__name__})")
        parts.append(value or "")
    s = f"{parts[0]}/{parts[1]}"
    if parts[2]:
        s += f"/{parts[2]}"
    return s


#: The variant an architecture has when none is named (as containerd's platform matcher).
DEFAULT_VARIANT = {"arm64": "v8", "arm": "v7"}


def _canonical(platform: str) -> list[str]:
    parts = platform.split("/")
    if len(parts) == 2 and parts[1] in DEFAULT_VARIANT:
        parts.append(DEFAULT_VARIANT[parts[1]])
    return parts


def _matches(have: str, want: str) -> bool:
    """``linux/arm64`` and ``linux/arm64/v8`` name the same platform, either way round; a
    request without a variant matches any variant of that os/arch."""
    if have == want:
        return True
    h, w = _canonical(have), _canonical(want)
    if h == w:
        return True
    return len(want.split("/")) == 2 and h[:2] == w[:2]


def choose(candidates: list[tuple[str, Any]], platform: str | None, where: str) -> Any:
    """Pick one of (platform, item): the requested one, the only one, or linux/amd64."""
    if not candidates:
        raise ImageError(f"{where}: no image manifest found")
    names = sorted({p for p, _ in candidates})
    if platform:
        hits = [c for p, c in candidates if _matches(p, platform)]
        if not hits:
            raise ImageError(
                f"{where}: no image for platform {platform} (available: {', '.join(names)})"
            )
        return hits[0]
    if len(candidates) == 1:
        return candidates[0][1]
    hits = [c for p, c in candidates if _matches(p, "linux/amd64")]
    if hits:
        return hits[0]
    raise ImageError(
        f"{where}: several platforms, choose one with --platform (available: {', '.join(names)})"
    )


def resolve(store: BlobStore, platform: str | None) -> Resolved:
    if store.has("manifest.json"):
        return _docker(store, platform)
    if store.has("index.json"):
        fmt = "oci-layout" if store.kind == "dir" else "oci-archive"
        return _oci(store, platform, fmt)
    what = "directory" if store.kind == "dir" else "archive"
    raise ImageError(f"{store.where}: not an image {what} (no manifest.json or index.json)")


def _docker(store: BlobStore, platform: str | None) -> Resolved:
    doc = store.read_json("manifest.json")
    if not isinstance(doc, list) or not doc or not all(isinstance(d, dict) for d in doc):
        raise ImageError(f"{store.where}: manifest.json is not a list of images")
    candidates = []
    for item in doc:
        cfg_name = item.get("Config")
        if not isinstance(cfg_name, str):
            raise ImageError(f"{store.where}: manifest.json entry without Config")
        cfg = store.read_json(cfg_name, _digest_from_name(cfg_name))
        candidates.append((platform_of(cfg), (item, cfg_name, cfg)))
    item, cfg_name, cfg = choose(candidates, platform, store.where)
    if not isinstance(cfg, dict):
        raise ImageError(f"{store.where}: image config is not an object")
    where = store.where
    diff_ids = diff_ids_of(cfg, where)
    names = field(item, "Layers", list, where, "manifest.json") or []
    if not all(isinstance(n, str) for n in names):
        raise ImageError(f"{where}: manifest.json Layers holds a value that is not a string")
    sources = field(item, "LayerSources", dict, where, "manifest.json") or {}
    layers = []
    for i, name in enumerate(names):
        diff_id = diff_ids[i] if i < len(diff_ids) else ""
        digest = _digest_from_name(name)
        media = ""
        if digest and isinstance(sources.get(digest), dict):
            media = str(sources[digest].get("mediaType") or "")
        legacy = digest is None  # legacy <id>/layer.tar: the blob is the uncompressed diff
        if legacy:
            digest = diff_id or None
        layers.append(LayerRef(str(name), digest, media, diff_id, legacy))
    tags = field(item, "RepoTags", list, where, "manifest.json") or []
    return Resolved(
        source_format="docker-archive",
        config=cfg,
        config_digest=_digest_from_name(cfg_name) or "",
        layers=layers,
        reference=str(tags[0]) if tags else "",
        platform=platform_of(cfg),
    )


def _digest_from_name(name: str) -> str | None:
    m = re.match(r"^(?:blobs/(sha256|sha512)/)?([0-9a-f]{64}|[0-9a-f]{128})(?:\.json)?$", name)
    if not m:
        return None
    return f"{m.group(1) or 'sha256'}:{m.group(2)}"


def _oci(store: BlobStore, platform: str | None, fmt: str) -> Resolved:
    index = store.read_json("index.json")
    candidates: list[tuple[str, dict[str, Any]]] = []
    _collect(store, index, candidates, depth=0, ref="")
    desc = choose(candidates, platform, store.where)
    manifest = store.read_json(blob_name(desc["digest"], store.where), desc["digest"])
    if not isinstance(manifest, dict) or not isinstance(manifest.get("config"), dict):
        raise ImageError(f"{store.where}: image manifest without a config")
    cdesc = manifest["config"]
    cfg = store.read_json(blob_name(cdesc.get("digest", ""), store.where), cdesc.get("digest"))
    if not isinstance(cfg, dict):
        raise ImageError(f"{store.where}: image config is not an object")
    diff_ids = diff_ids_of(cfg, store.where)
    layers = []
    for i, ld in enumerate(field(manifest, "layers", list, store.where, "image manifest") or []):
        if not isinstance(ld, dict):
            raise ImageError(f"{store.where}: image manifest layer descriptor is not an object")
        digest = str(ld.get("digest", ""))
        layers.append(
            LayerRef(
                blob_name(digest, store.where),
                digest,
                str(ld.get("mediaType") or ""),
                str(diff_ids[i]) if i < len(diff_ids) else "",
            )
        )
    return Resolved(
        source_format=fmt,
        config=cfg,
        config_digest=str(cdesc.get("digest", "")),
        layers=layers,
        reference=desc.get("_ref", ""),
        platform=platform_of(cfg),
    )


def _collect(
    store: BlobStore, index: Any, out: list[tuple[str, dict[str, Any]]], depth: int, ref: str
) -> None:
    if depth > 8:
        raise ImageError(f"{store.where}: image indexes nested too deeply")
    if not isinstance(index, dict) or not isinstance(index.get("manifests", []), list):
        raise ImageError(f"{store.where}: malformed image index")
    for desc in index.get("manifests") or []:
        if not isinstance(desc, dict) or "digest" not in desc:
            raise ImageError(f"{store.where}: malformed descriptor in image index")
        annotations = field(desc, "annotations", dict, store.where, "descriptor") or {}
        name = str(annotations.get("org.opencontainers.image.ref.name") or ref)
        if annotations.get("vnd.docker.reference.type") == "attestation-manifest":
            continue
        if desc.get("mediaType") in INDEX_TYPES:
            child = store.read_json(blob_name(desc["digest"], store.where), desc["digest"])
            _collect(store, child, out, depth + 1, name)
            continue
        plat = field(desc, "platform", dict, store.where, "descriptor")
        if isinstance(plat, dict):
            key = platform_of(plat)
        else:  # no platform on the descriptor: read it from the config
            man = store.read_json(blob_name(desc["digest"], store.where), desc["digest"])
            if not isinstance(man, dict):
                raise ImageError(f"{store.where}: malformed image manifest")
            if man.get("mediaType") in INDEX_TYPES or "manifests" in man:
                _collect(store, man, out, depth + 1, name)
                continue
            cd = man.get("config") or {}
            cfg = store.read_json(blob_name(cd.get("digest", ""), store.where), cd.get("digest"))
            key = platform_of(cfg if isinstance(cfg, dict) else {})
        if key == "unknown/unknown":
            continue
        out.append((key, {**desc, "_ref": name}))
