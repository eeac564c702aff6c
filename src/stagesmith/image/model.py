"""Plain data the image reader hands out: layers, config, history, tar entries.

These are deliberately small dataclasses with no behaviour, so checks and reports can be
written and tested against them without any archive at hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from stagesmith.errors import StagesmithError


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


@dataclass(slots=True)
class Entry:
    """One member of one layer tar.

    ``path`` is normalized (no leading ``/`` or ``./``, no trailing ``/``). A whiteout keeps
    its raw member path (``dir/.wh.name``) and sets ``whiteout`` to the path it deletes; the
    opaque marker (``dir/.wh..wh..opq``) sets ``opaque`` and ``whiteout`` to the directory
    whose lower-layer content it hides.
    """

    path: str
    type: EntryType
    size: int = 0
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    uname: str = ""
    gname: str = ""
    linkname: str = ""
    mtime: float = 0.0
    whiteout: str | None = None
    opaque: bool = False

    @property
    def is_whiteout(self) -> bool:
        return self.whiteout is not None


@dataclass(slots=True)
class HistoryEntry:
    """One entry of the config's history; ``layer`` is the index into ``Image.layers`` or None."""

    created_by: str = ""
    created: str = ""
    comment: str = ""
    empty: bool = False
    layer: int | None = None


@dataclass
class Layer:
    """A filesystem layer.

    ``size`` is the sum of the content sizes of the layer's entries (the figure dive reports)
    and ``empty`` says the layer holds no entries; both need one pass over the layer and are
    filled by the first full walk (``Image.total_size`` triggers one when needed).
    """

    digest: str
    diff_id: str
    media_type: str
    compression: str
    compressed_size: int
    created_by: str = ""
    created: str = ""
    comment: str = ""
    size: int | None = None
    empty: bool | None = None
    entries: int | None = None


@dataclass
class ImageConfig:
    """The runtime config of the image (the ``config`` object of the OCI config JSON)."""

    user: str = ""
    env: dict[str, str] = field(default_factory=dict)
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    healthcheck: dict[str, Any] | None = None
    labels: dict[str, str] = field(default_factory=dict)
    exposed_ports: list[str] = field(default_factory=list)
    working_dir: str = ""
    volumes: list[str] = field(default_factory=list)
    stop_signal: str = ""
    os: str = ""
    architecture: str = ""
    variant: str = ""

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> ImageConfig:
        cfg = doc.get("config") or doc.get("container_config") or {}
        if not isinstance(cfg, dict):
            raise ImageError("image config: 'config' is not an object")
        env: dict[str, str] = {}
        for item in cfg.get("Env") or []:
            key, _, value = str(item).partition("=")
            env[key] = value
        return cls(
            user=str(cfg.get("User") or ""),
            env=env,
            entrypoint=_str_list(cfg.get("Entrypoint")),
            cmd=_str_list(cfg.get("Cmd")),
            healthcheck=cfg.get("Healthcheck") or None,
            labels={str(k): str(v) for k, v in (cfg.get("Labels") or {}).items()},
            exposed_ports=sorted(str(p) for p in (cfg.get("ExposedPorts") or {})),
            working_dir=str(cfg.get("WorkingDir") or ""),
            volumes=sorted(str(v) for v in (cfg.get("Volumes") or {})),
            stop_signal=str(cfg.get("StopSignal") or ""),
            os=str(doc.get("os") or ""),
            architecture=str(doc.get("architecture") or ""),
            variant=str(doc.get("variant") or ""),
        )


def _str_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]
