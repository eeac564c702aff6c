"""Reading container images with no daemon: archives and layouts streamed, never extracted.

Public API (kept stable for ``checks``, ``report`` and the CLI)::

    with open_image("app.tar") as image:
        for layer, entry, reader in image.walk(want):
            ...
        tree = image.tree()
"""

from typing import TYPE_CHECKING, Any

from stagesmith.image.model import (
    Entry,
    EntryType,
    HistoryEntry,
    ImageConfig,
    ImageError,
    Layer,
)
from stagesmith.image.reader import Image, open_image

if TYPE_CHECKING:
    from stagesmith.image.tree import FileTree, Node


def __getattr__(name: str) -> Any:
    """``FileTree`` and ``Node`` on first use: ``inspect`` never builds a tree."""
    if name in ("FileTree", "Node"):
        from stagesmith.image import tree

        return getattr(tree, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Entry",
    "EntryType",
    "FileTree",
    "HistoryEntry",
    "Image",
    "ImageConfig",
    "ImageError",
    "Layer",
    "Node",
    "open_image",
]
