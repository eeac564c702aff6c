"""What the checks need from an image, as a Protocol.

The image reader (``stagesmith.image``) provides these; the checks depend only on the shape so
they can be read and tested on their own, and any source that can stream tar entries fits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any, Protocol


class EntryLike(Protocol):
    """One tar member of one layer; ``path`` has no leading ``/``."""

    path: str
    type: Any
    size: int
    mode: int
    uid: int
    gid: int
    linkname: str


class ImageLike(Protocol):
    @property
    def layers(self) -> Any: ...

    @property
    def config(self) -> Any: ...

    def walk(self, want: Callable[[Any], bool]) -> Iterator[tuple[int, Any, IO[bytes] | None]]: ...
