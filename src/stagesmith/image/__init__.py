"""Reading container images with no daemon: archives and layouts streamed, never extracted.

Public API (kept stable for ``checks``, ``report`` and the CLI)::

    with open_image("app.tar") as image:
        for layer, entry, reader in image.walk(want):
            ...
        tree = image.tree()
"""

from stagesmith.image.model import (
    Entry,
    EntryType,
    HistoryEntry,
    ImageConfig,
    ImageError,
    Layer,
)
from stagesmith.image.reader import Image, open_image
from stagesmith.image.tree import FileTree, Node

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
