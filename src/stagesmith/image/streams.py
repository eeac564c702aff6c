"""Byte streams under the tar reader: archive regions, hashing, decompression by magic bytes.

Everything here reads forward in bounded chunks so memory stays flat however large a layer is:
a blob inside an outer tar is a window read with ``os.preadv`` (no shared file position), the
SHA-256 of the compressed bytes is updated as they pass, and decompression is incremental.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import zlib
from typing import Any, BinaryIO

import zstandard

from stagesmith.image.model import ImageError

CHUNK = 1 << 20
ZSTD_IN = 1 << 16
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class Region(io.RawIOBase):
    """A read-only window ``[offset, offset+length)`` of an open file descriptor."""

    def __init__(self, fd: int, offset: int, length: int) -> None:
        super().__init__()
        self._fd, self._pos, self._end = fd, offset, offset + length

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        want = min(len(b), self._end - self._pos)
        if want <= 0:
            return 0
        view = memoryview(b)[:want]
        got = os.preadv(self._fd, [view], self._pos)
        self._pos += got
        return got


class Hashing(io.RawIOBase):
    """Passes reads through and keeps a running SHA-256 and byte count of what went by."""

    def __init__(self, raw: BinaryIO | io.RawIOBase) -> None:
        super().__init__()
        self._raw = raw
        self.sha = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._raw.readinto(b)  # type: ignore[union-attr]
        if n:
            mv = memoryview(b)[:n]
            self.sha.update(mv)
            self.count += n
        return n or 0

    def drain(self) -> None:
        buf = bytearray(CHUNK)
        while self.readinto(buf):
            pass

    def hexdigest(self) -> str:
        return self.sha.hexdigest()


def sniff(head: bytes) -> str:
    """Compression named by the first bytes of a blob: ``gzip``, ``zstd`` or ``none``."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return "none"


class _Checked(io.RawIOBase):
    """Turns decompressor exceptions into one clear ImageError naming the layer."""

    def __init__(self, inner: Any, where: str, kind: str) -> None:
        super().__init__()
        self._inner, self._where, self._kind = inner, where, kind

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            return int(self._inner.readinto(b))
        except EOFError as exc:
            raise ImageError(f"{self._where}: truncated {self._kind} stream") from exc
        except (OSError, zlib.error, zstandard.ZstdError) as exc:
            raise ImageError(f"{self._where}: corrupt {self._kind} data: {exc}") from exc


class _Zstd(io.RawIOBase):
    """zstd frames decompressed incrementally; a frame cut short is an error, not a silent EOF."""

    def __init__(self, raw: io.RawIOBase, where: str) -> None:
        super().__init__()
        self._raw, self._where = raw, where
        self._dctx = zstandard.ZstdDecompressor()
        self._obj = self._dctx.decompressobj()
        self._pending = b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending and not self._eof:
            # small input slices bound the output of one decompress() call (zstd bombs)
            data = self._raw.read(ZSTD_IN)
            if not data:
                self._eof = True
                if not self._obj.eof and self._started:
                    raise ImageError(f"{self._where}: truncated zstd stream")
                break
            self._started = True
            out = []
            while data:
                try:
                    out.append(self._obj.decompress(data))
                except zstandard.ZstdError as exc:
                    raise ImageError(f"{self._where}: corrupt zstd data: {exc}") from exc
                if self._obj.eof:
                    data = self._obj.unused_data
                    self._obj = self._dctx.decompressobj()
                    self._started = bool(data)
                else:
                    data = b""
            self._pending = b"".join(out)
        n = min(len(b), len(self._pending))
        b[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    _started = False


def decompressed(raw: io.RawIOBase, compression: str, where: str) -> BinaryIO:
    """A buffered reader over the uncompressed tar bytes of a layer blob."""
    if compression == "gzip":
        gz = gzip.GzipFile(fileobj=raw, mode="rb")
        return io.BufferedReader(_Checked(gz, where, "gzip"), CHUNK)
    if compression == "zstd":
        return io.BufferedReader(_Zstd(raw, where), CHUNK)
    return io.BufferedReader(raw, CHUNK)
