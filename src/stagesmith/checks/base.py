"""The visitor interface every check implements, and the content handle they share.

All checks run in one walk over the layers (:func:`stagesmith.checks.runner.run_checks`). For
each entry the runner asks every check whether it wants the content; if any does, the reader
opens it once and the :class:`Content` handle serves all of them from the same bytes (a cached
head, and forward-only ranges for ELF parsing, which never holds a whole large file).
"""

from __future__ import annotations

from typing import IO, Any

from stagesmith.checks.index import Index
from stagesmith.checks.model import Finding


class Content:
    """Lazy access to one entry's bytes; valid only while the runner is on that entry.

    A reader with a ``read_at(offset, size)`` method (the image reader gives one for members
    of uncompressed layers) is used for random access: then :meth:`read_at` can go back to
    any range and nothing needs retaining (:attr:`random_access`).
    """

    def __init__(self, reader: IO[bytes]) -> None:
        self._reader = reader
        self._buf = b""  # the retained prefix
        self._eof = False
        self._pos = 0  # stream position once reads went past the retained prefix
        self._streaming = False
        self._random = getattr(reader, "read_at", None)
        self.random_access = self._random is not None

    def head(self, n: int) -> bytes:
        """The first ``n`` bytes (fewer if the file is shorter, or if :meth:`read_at` already
        streamed past the retained prefix)."""
        if self._random is not None:
            if len(self._buf) < n and not self._eof:
                self._buf = self._random(0, n)
                self._eof = len(self._buf) < n
            return self._buf[:n]
        if self._streaming:
            return self._buf[:n]
        while len(self._buf) < n and not self._eof:
            chunk = self._reader.read(max(n - len(self._buf), 4096))
            if not chunk:
                self._eof = True
                break
            self._buf += chunk
        return self._buf[:n]

    def read_at(self, off: int, size: int) -> bytes | None:
        """Bytes ``[off, off+size)``: from the retained prefix, or by streaming forward without
        keeping what is skipped. None if that range was already streamed past."""
        end = off + size
        if end <= len(self._buf):
            return self._buf[off:end]
        if self._random is not None:
            data: bytes = self._random(off, size)
            return data
        if not self._streaming:
            # a range that starts inside (or just past) the retained prefix extends it: the
            # ELF reader retains the first PT_LOAD segment this way (.dynstr lives there).
            # Only a range beyond a gap switches to streaming. (Deciding by the range's end
            # made retaining a first segment > 64 KiB past the prefix return None, so bash,
            # git, perl... were dropped as unreadable and their libraries never checked.)
            if off <= len(self._buf) + 64 * 1024:
                return self.head(end)[off:end]
            self._streaming = True
            self._pos = len(self._buf)
        if off < self._pos:
            return None
        skip = off - self._pos
        while skip > 0 and not self._eof:
            chunk = self._reader.read(min(skip, 1 << 20))
            if not chunk:
                self._eof = True
                break
            skip -= len(chunk)
            self._pos += len(chunk)
        parts: list[bytes] = []
        want = size
        while want > 0 and not self._eof:
            chunk = self._reader.read(want)
            if not chunk:
                self._eof = True
                break
            parts.append(chunk)
            want -= len(chunk)
            self._pos += len(chunk)
        return b"".join(parts)


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
    #: True when ``visit`` does nothing without content: the runner then calls it only for
    #: entries this check wanted (it runs for every entry otherwise, the hot path).
    content_only = False
    #: The entry kinds (``index.FILE``, ``DIR``, ...) whose ``visit`` can do anything without
    #: content; the runner skips the call for other kinds. None: every kind.
    kinds: frozenset[str] | None = None

    def wants(self, entry: Any, path: str, kind: str) -> bool:
        return False

    def visit(self, layer: int, entry: Any, path: str, kind: str, content: Content | None) -> None:
        return None

    def finish(self, ctx: Context) -> list[Finding]:
        return []
