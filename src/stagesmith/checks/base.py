"""The visitor interface every check implements, and the content handle they share.

All checks run in one walk over the layers (:func:`stagesmith.checks.runner.run_checks`). For
each entry the runner asks every check whether it wants the content; if any does, the reader
opens it once and the :class:`Content` handle serves all of them from the same bytes (a cached
head, and the full body only for the few checks that need it, such as ELF parsing).
"""

from __future__ import annotations

from typing import IO, Any

from stagesmith.checks.index import Index
from stagesmith.checks.model import Finding

#: Read at most this much of any single file into memory (an ELF larger than this is skipped).
MAX_FULL_READ = 512 * 1024 * 1024


class Content:
    """Lazy access to one entry's bytes; valid only while the runner is on that entry."""

    def __init__(self, reader: IO[bytes]) -> None:
        self._reader = reader
        self._buf = b""
        self._eof = False

    def head(self, n: int) -> bytes:
        """The first ``n`` bytes (fewer if the file is shorter)."""
        while len(self._buf) < n and not self._eof:
            chunk = self._reader.read(max(n - len(self._buf), 4096))
            if not chunk:
                self._eof = True
                break
            self._buf += chunk
        return self._buf[:n]

    def full(self, limit: int = MAX_FULL_READ) -> bytes | None:
        """The whole file, or None if it is larger than ``limit``."""
        parts = [self._buf]
        total = len(self._buf)
        while not self._eof:
            chunk = self._reader.read(1 << 20)
            if not chunk:
                self._eof = True
                break
            parts.append(chunk)
            total += len(chunk)
            if total > limit:
                return None
        self._buf = b"".join(parts)
        return self._buf


class Context:
    """What checks can use when they finish: the merged index and the image config."""

    def __init__(self, index: Index, config: Any) -> None:
        self.index = index
        self.config = config


class Check:
    """A visitor over every entry of every layer, in layer order.

    ``wants`` must be cheap (it runs for every entry) and says whether this check needs the
    entry's bytes; ``visit`` is called for every entry, with content only when some check
    wanted it; ``finish`` turns what the check kept into findings.
    """

    name = "check"

    def wants(self, entry: Any, path: str, kind: str) -> bool:
        return False

    def visit(self, layer: int, entry: Any, path: str, kind: str, content: Content | None) -> None:
        return None

    def finish(self, ctx: Context) -> list[Finding]:
        return []
