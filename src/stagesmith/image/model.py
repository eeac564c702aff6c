"""Plain data the image reader hands out: layers, config, history, tar entries.

These are deliberately small data classes with no behaviour, so checks and reports can be
written and tested against them without any archive at hand (``Record``s rather than
dataclasses: see ``stagesmith.record``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from stagesmith.errors import StagesmithError
from stagesmith.record import Record


class ImageError(StagesmithError):
    """An image that cannot be read: bad archive, missing blob, digest mismatch, hostile path."""


class EntryType(StrEnum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    CHAR = "char"
    BLOCK = "block"
    FIFO = "fifo"


class Entry(Record):
    """One member of one layer tar.

    ``path`` is normalized (no leading ``/`` or ``./``, no trailing ``/``). A whiteout keeps
    its raw member path (``dir/.wh.name``) and sets ``whiteout`` to the path it deletes; the
    opaque marker (``dir/.wh..wh..opq``) sets ``opaque`` and ``whiteout`` to the directory
    whose lower-layer content it hides.
    """

    __slots__ = (
        "gid",
        "gname",
        "linkname",
        "mode",
        "mtime",
        "opaque",
        "path",
        "size",
        "type",
        "uid",
        "uname",
        "whiteout",
    )

    def __init__(
        self,
        path: str,
        type: EntryType,
        size: int = 0,
        mode: int = 0o644,
        uid: int = 0,
        gid: int = 0,
        uname: str = "",
        gname: str = "",
        linkname: str = "",
        mtime: float = 0.0,
        whiteout: str | None = None,
        opaque: bool = False,
    ) -> None:
        self.path, self.type, self.size, self.mode = path, type, size, mode
        self.uid, self.gid, self.uname, self.gname = uid, gid, uname, gname
        self.linkname, self.mtime, self.whiteout, self.opaque = linkname, mtime, whiteout, opaque

    @property
    def is_whiteout(self) -> bool:
        return self.whiteout is not None


class HistoryEntry(Record):
    """One entry of the config's history; ``layer`` is the index into ``Image.layers`` or None."""

    __slots__ = ("comment", "created", "created_by", "empty", "layer")

    def __init__(
        self,
        created_by: str = "",
        created: str = "",
        comment: str = "",
        empty: bool = False,
        layer: int | None = None,
    ) -> None:
        self.created_by, self.created, self.comment = created_by, created, comment
        self.empty, self.layer = empty, layer


class Layer(Record):
    """A filesystem layer.

    ``size`` is the sum of the content sizes of the layer's entries (the figure dive reports)
    and ``empty`` says the layer holds no entries; both need one pass over the layer and are
    filled by the first full walk (``Image.total_size`` triggers one when needed).
    """

    __slots__ = (
        "comment",
        "compressed_size",
        "compression",
        "created",
        "created_by",
        "diff_id",
        "digest",
        "empty",
        "entries",
        "media_type",
        "size",
    )

    def __init__(
        self,
        digest: str,
        diff_id: str,
        media_type: str,
        compression: str,
        compressed_size: int,
        created_by: str = "",
        created: str = "",
        comment: str = "",
        size: int | None = None,
        empty: bool | None = None,
        entries: int | None = None,
    ) -> None:
        self.digest, self.diff_id, self.media_type = digest, diff_id, media_type
        self.compression, self.compressed_size = compression, compressed_size
        self.created_by, self.created, self.comment = created_by, created, comment
        self.size, self.empty, self.entries = size, empty, entries


class ImageConfig(Record):
    """The runtime config of the image (the ``config`` object of the OCI config JSON)."""

    __slots__ = (
        "architecture",
        "cmd",
        "entrypoint",
        "env",
        "exposed_ports",
        "healthcheck",
        "labels",
        "os",
        "stop_signal",
        "user",
        "variant",
        "volumes",
        "working_dir",
    )

    def __init__(
        self,
        user: str = "",
        env: dict[str, str] | None = None,
        entrypoint: list[str] | None = None,
        cmd: list[str] | None = None,
        healthcheck: dict[str, Any] | None = None,
        labels: dict[str, str] | None = None,
        exposed_ports: list[str] | None = None,
        working_dir: str = "",
        volumes: list[str] | None = None,
        stop_signal: str = "",
        os: str = "",
        architecture: str = "",
        variant: str = "",
    ) -> None:
        self.user: str = user
        self.env: dict[str, str] = {} if env is None else env
        self.entrypoint, self.cmd, self.healthcheck = entrypoint, cmd, healthcheck
        self.labels: dict[str, str] = {} if labels is None else labels
        self.exposed_ports: list[str] = [] if exposed_ports is None else exposed_ports
        self.working_dir: str = working_dir
        self.volumes: list[str] = [] if volumes is None else volumes
        self.stop_signal, self.os, self.architecture, self.variant = (
            stop_signal,
            os,
            architecture,
            variant,
        )

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> ImageConfig:
        """Read the config JSON; a field of the wrong JSON type is an ImageError, not a crash."""
        cfg = doc.get("config") or doc.get("container_config") or {}
        if not isinstance(cfg, dict):
            raise ImageError("image config: 'config' is not an object")
        env: dict[str, str] = {}
        for item in _typed(cfg, "Env", list) or []:
            if not isinstance(item, str):
                raise ImageError("image config: Env holds a value that is not a string")
            key, _, value = item.partition("=")
            env[key] = value
        health = _typed(cfg, "Healthcheck", dict)
        labels = _typed(cfg, "Labels", dict) or {}
        return cls(
            user=_scalar(cfg, "User"),
            env=env,
            entrypoint=_str_list(cfg, "Entrypoint"),
            cmd=_str_list(cfg, "Cmd"),
            healthcheck=health or None,
            labels={str(k): _label(k, v) for k, v in labels.items()},
            exposed_ports=sorted(str(p) for p in (_typed(cfg, "ExposedPorts", dict) or {})),
            working_dir=_scalar(cfg, "WorkingDir"),
            volumes=sorted(str(v) for v in (_typed(cfg, "Volumes", dict) or {})),
            stop_signal=_scalar(cfg, "StopSignal"),
            os=_scalar(doc, "os"),
            architecture=_scalar(doc, "architecture"),
            variant=_scalar(doc, "variant"),
        )


def _typed(obj: dict[str, Any], key: str, kind: type) -> Any:
    value = obj.get(key)
    if value is None or isinstance(value, kind):
        return value
    name = "an object" if kind is dict else "a list"
    raise ImageError(f"image config: {key} is not {name} (got {type(value).__name__})")


def _scalar(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise ImageError(f"image config: {key} is not a string (got {type(value).__name__})")


def _label(key: Any, value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ImageError(f"image config: label {str(key)[:60]!r} is not a string")


def _str_list(obj: dict[str, Any], key: str) -> list[str] | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ImageError(f"image config: {key} is not a list of strings")
