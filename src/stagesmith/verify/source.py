"""Turning an opened ``stagesmith.image`` image into verify's ``TreeView`` and ``ImageMeta``.

The reader gives a merged tree (after whiteouts) and a one-pass ``walk(want)`` over layer
entries; content tests need only a few files, so they are fetched together in one walk, the
highest layer's copy winning (the tree already says the file survives).
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from stagesmith.verify.view import (
    BLOCK,
    CHAR,
    DIR,
    FIFO,
    FILE,
    HARDLINK,
    OTHER,
    SYMLINK,
    ImageMeta,
    Node,
    TreeView,
    normalise,
)

_KIND_NAMES = {
    "file": FILE,
    "reg": FILE,
    "regular": FILE,
    "dir": DIR,
    "directory": DIR,
    "symlink": SYMLINK,
    "sym": SYMLINK,
    "link": SYMLINK,
    "hardlink": HARDLINK,
    "hard": HARDLINK,
    "char": CHAR,
    "chr": CHAR,
    "chardev": CHAR,
    "block": BLOCK,
    "blk": BLOCK,
    "blockdev": BLOCK,
    "fifo": FIFO,
}
_TAR_KINDS = {
    tarfile.REGTYPE: FILE,
    tarfile.AREGTYPE: FILE,
    tarfile.CONTTYPE: FILE,
    tarfile.DIRTYPE: DIR,
    tarfile.SYMTYPE: SYMLINK,
    tarfile.LNKTYPE: HARDLINK,
    tarfile.CHRTYPE: CHAR,
    tarfile.BLKTYPE: BLOCK,
    tarfile.FIFOTYPE: FIFO,
}


def kind_of(raw: Any) -> str:
    """Map the reader's node type (a name, an enum or a tar type byte) onto our kinds."""
    if isinstance(raw, bytes):
        return _TAR_KINDS.get(raw, OTHER)
    value = getattr(raw, "value", raw)
    if isinstance(value, bytes):
        return _TAR_KINDS.get(value, OTHER)
    name = str(getattr(raw, "name", value) if not isinstance(value, str) else value).lower()
    return _KIND_NAMES.get(name, OTHER)


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, Mapping) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def meta_from_config(config: Any) -> ImageMeta:
    """Normalise the reader's image config (an object or the raw OCI ``config`` mapping)."""
    env = _get(config, "env", "Env", default=None) or []
    if isinstance(env, Mapping):
        env = [f"{k}={v}" for k, v in env.items()]
    ports = _get(config, "exposed_ports", "ExposedPorts", default=None) or []
    volumes = _get(config, "volumes", "Volumes", default=None) or []
    return ImageMeta(
        user=str(_get(config, "user", "User", default="") or ""),
        env=[str(e) for e in env],
        entrypoint=[str(a) for a in (_get(config, "entrypoint", "Entrypoint") or [])],
        cmd=[str(a) for a in (_get(config, "cmd", "Cmd") or [])],
        labels={str(k): str(v) for k, v in (_get(config, "labels", "Labels") or {}).items()},
        exposed_ports=sorted(str(p) for p in ports),
        working_dir=str(_get(config, "working_dir", "workdir", "WorkingDir", default="") or ""),
        volumes=sorted(str(v) for v in volumes),
    )


def _tree_nodes(tree: Any) -> Iterable[Any]:
    for name in ("nodes", "walk", "iter", "values", "__iter__"):
        attr = getattr(tree, name, None)
        if attr is None:
            continue
        items = attr() if callable(attr) else attr
        if isinstance(items, Mapping):
            return list(items.values())
        return list(items)
    raise TypeError(f"cannot iterate file tree {type(tree).__name__}")


def nodes_from_tree(tree: Any) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    for raw in _tree_nodes(tree):
        path = normalise(str(_get(raw, "path", "name")))
        nodes[path] = Node(
            path=path,
            kind=kind_of(_get(raw, "type", "kind")),
            mode=int(_get(raw, "mode", default=0o644) or 0) & 0o7777,
            uid=int(_get(raw, "uid", default=0) or 0),
            gid=int(_get(raw, "gid", default=0) or 0),
            size=int(_get(raw, "size", default=0) or 0),
            linkname=str(_get(raw, "linkname", "link", default="") or ""),
        )
    return nodes


def view_from_image(image: Any) -> TreeView:
    """A ``TreeView`` over an opened ``stagesmith.image`` image."""
    meta = meta_from_config(image.config)
    nodes = nodes_from_tree(image.tree())

    def read(paths: list[str]) -> dict[str, bytes]:
        wanted = set(paths)
        found: dict[str, bytes] = {}

        def want(entry: Any) -> bool:
            return normalise(str(_get(entry, "path", "name"))) in wanted

        for _layer, entry, reader in image.walk(want):
            if reader is None:
                continue
            path = normalise(str(_get(entry, "path", "name")))
            if path in wanted:
                data = reader.read() if hasattr(reader, "read") else bytes(reader)
                found[path] = data  # a later layer overrides an earlier one
        return found

    return TreeView(nodes, meta, read)


def archive_kind(path: Path) -> str | None:
    """``docker-archive``, ``oci-archive`` or ``oci`` (a layout directory), else None."""
    if path.is_dir():
        return "oci" if (path / "index.json").is_file() else None
    try:
        with tarfile.open(path) as tar:
            names = {m.name.lstrip("./") for m in tar.getmembers() if m.name.count("/") <= 1}
    except (tarfile.TarError, OSError):
        return None
    if "manifest.json" in names:
        return "docker-archive"
    if "index.json" in names:
        return "oci-archive"
    return None
