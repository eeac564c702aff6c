"""Byte streams under the tar reader: archive regions, hashing, decompression by magic bytes.

Everything here reads forward in bounded chunks so memory stays flat however large a layer is:
a blob inside an outer tar is a window read with ``os.preadv`` (no shared file position), the
SHA-256 of the compressed bytes is updated as they pass, and decompression is incremental.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import mmap
import os
import threading
import zlib
from typing import BinaryIO

from stagesmith.image.model import ImageError

#: Read and inflate size. Kept under glibc's mmap threshold (128 KiB): 1 MiB chunks made every
#: inflate call map and unmap fresh pages, which cost a third of the time of a gzip layer.
CHUNK = 1 << 16
ZSTD_IN = 1 << 16
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class Region(io.RawIOBase):
    """A read-only window ``[offset, offset+length)`` of an open file descriptor.

    Seekable (positions are relative to the window), so an uncompressed layer that needs no
    digest can skip file content without reading it.
    """

    def __init__(self, fd: int, offset: int, length: int) -> None:
        super().__init__()
        self._fd, self._pos, self._end = fd, offset, offset + length
        self._start = offset

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    @property
    def span(self) -> tuple[int, int, int]:
        """``(fd, offset, length)`` of the window in its file."""
        return self._fd, self._start, self._end - self._start

    def tell(self) -> int:
        return self._pos - self._start

    def seek(self, pos: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_CUR:
            pos += self._pos - self._start
        elif whence == os.SEEK_END:
            pos += self._end - self._start
        self._pos = self._start + max(pos, 0)
        return self._pos - self._start

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        want = min(len(b), self._end - self._pos)
        if want <= 0:
            return 0
        view = memoryview(b)[:want]
        got = os.preadv(self._fd, [view], self._pos)
        self._pos += got
        return got


class Hashing(io.RawIOBase):
    """Passes reads through and keeps a running digest (``algo``: sha256, sha512) and count."""

    def __init__(self, raw: BinaryIO | io.RawIOBase, algo: str = "sha256") -> None:
        super().__init__()
        self._raw = raw
        self.algo = algo
        self.sha = hashlib.new(algo)
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


class _Zstd(io.RawIOBase):
    """zstd frames decompressed incrementally; a frame cut short is an error, not a silent EOF."""

    def __init__(self, raw: io.RawIOBase, where: str) -> None:
        super().__init__()
        import zstandard  # only here: it imports ``platform``, a few ms of every start-up

        self._raw, self._where = raw, where
        self._error = zstandard.ZstdError
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
                except self._error as exc:
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


class _Gzip(io.RawIOBase):
    """gzip members inflated incrementally with zlib (which checks each member's CRC and size).

    Much faster than ``gzip.GzipFile`` under a buffered reader, and output per call is bounded
    (``max_length``), so a gzip bomb cannot balloon memory. A stream cut short is an error.
    """

    def __init__(self, raw: io.RawIOBase, where: str) -> None:
        super().__init__()
        self._raw, self._where = raw, where
        self._d = zlib.decompressobj(31)
        self._tail = b""  # compressed input not yet consumed
        self._eof = False
        self._member_open = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` inflated bytes (at least one unless at the end), no extra copy."""
        want = CHUNK if size is None or size < 0 else size
        while True:
            if not self._tail:
                if self._eof:
                    return b""
                self._tail = self._raw.read(CHUNK) or b""
                if not self._tail:
                    self._eof = True
                    if self._member_open:
                        raise ImageError(f"{self._where}: truncated gzip stream")
                    return b""
            if not self._member_open:
                if not self._tail.strip(b"\x00"):
                    self._tail = b""  # zero padding after the last member
                    continue
                self._member_open = True
            try:
                out = self._d.decompress(self._tail, want)
            except zlib.error as exc:
                raise ImageError(f"{self._where}: corrupt gzip data: {exc}") from None
            self._tail = self._d.unconsumed_tail
            if self._d.eof:
                self._tail = self._d.unused_data + self._tail
                self._d = zlib.decompressobj(31)
                self._member_open = False
            if out:
                return out

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        out = self.read(len(b))
        n = len(out)
        b[:n] = out
        return n


#: Buffer for an uncompressed blob read straight from its file: small, because content that no
#: check wants is skipped with a seek, and a big buffer would read it anyway.
SEEK_BUFFER = 1 << 16


def inflating(raw: io.RawIOBase, compression: str, where: str) -> io.RawIOBase:
    """An unbuffered stream of the uncompressed bytes of a blob (``raw`` itself if plain)."""
    if compression == "gzip":
        return _Gzip(raw, where)
    if compression == "zstd":
        return _Zstd(raw, where)
    return raw


class Positioned(Region):
    """An uncompressed blob read with one ``pread`` per request at a position kept here.

    For the tar reader over an uncompressed layer: each 512-byte header is one ``pread`` and
    content nobody wants is skipped by moving the position, so it is never copied (through a
    read buffer it was: most of the file, for small members). Cheaper here than slicing a
    mapping, whose page faults cost more than the system calls, and nothing to unmap.
    """

    def __init__(self, fd: int, offset: int, length: int) -> None:
        super().__init__(fd, offset, length)
        self.length = length

    def read(self, size: int | None = -1) -> bytes:
        pos = self._pos
        end = self._end if size is None or size < 0 else min(pos + size, self._end)
        if end <= pos:
            return b""
        data = os.pread(self._fd, end - pos, pos)
        self._pos = pos + len(data)
        return data

    def advance(self, n: int) -> bool:
        """Move ``n`` bytes on; False (position unchanged) if that is past the window's end."""
        pos = self._pos + n
        if pos > self._end:
            return False
        self._pos = pos
        return True

    def pread(self, offset: int, size: int) -> bytes:
        """Up to ``size`` bytes at ``offset`` (relative to the window); the position stays."""
        start = self._start + offset
        size = min(size, self._end - start)
        return os.pread(self._fd, size, start) if size > 0 and offset >= 0 else b""


def decompressed(raw: io.RawIOBase, compression: str, where: str) -> BinaryIO:
    """A buffered reader over the uncompressed tar bytes of a layer blob."""
    inner = inflating(raw, compression, where)
    if inner.seekable():
        return io.BufferedReader(inner, SEEK_BUFFER)
    return io.BufferedReader(inner, CHUNK)


#: Bytes a prefetching worker reads per step, and how many steps it may run ahead.
PREFETCH_CHUNK = 1 << 18
PREFETCH_DEPTH = 4


class Prefetch(io.RawIOBase):
    """Reads ``raw`` to its end in a worker thread, ``PREFETCH_DEPTH`` chunks ahead.

    Used when every byte of a layer must pass anyway (a digest to check, or a compressed
    blob): reading, hashing and inflating (``preadv``, hashlib and zlib/zstd all release the
    GIL) then run on the second core while the walk parses headers and runs checks. Memory is
    bounded by the queue. An error in the worker (truncated or corrupt data) is raised here
    when the reader reaches the point where it happened. ``close`` stops the worker.
    """

    def __init__(self, raw: io.RawIOBase) -> None:
        super().__init__()
        import queue
        import threading

        self._raw = raw
        self._queue: queue.Queue[bytes | BaseException | None] = queue.Queue(PREFETCH_DEPTH)
        self._stop = threading.Event()
        self._chunk = memoryview(b"")
        self._done = False
        self._thread = threading.Thread(target=self._work, name="stagesmith-prefetch", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        put, read, stop = self._queue.put, self._raw.read, self._stop
        try:
            while not stop.is_set():
                data = read(PREFETCH_CHUNK)
                if not data:
                    break
                put(data)
        except BaseException as exc:  # handed to the reader, raised in its thread
            put(exc)
            return
        put(None)

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._chunk
        if not chunk:
            if self._done:
                return 0
            item = self._queue.get()
            if item is None:
                self._done = True
                return 0
            if isinstance(item, BaseException):
                self._done = True
                raise item
            chunk = memoryview(item)
        n = min(len(b), len(chunk))
        b[:n] = chunk[:n]
        self._chunk = chunk[n:]
        return n

    def close(self) -> None:
        if not self._stop.is_set():
            self._stop.set()
            while self._thread.is_alive():  # unblock a worker waiting on a full queue
                with contextlib.suppress(Exception):  # queue.Empty
                    self._queue.get(timeout=0.05)
            self._thread.join()
        super().close()


#: Bytes a background digest hashes per call; the pages are unmapped after each call, so the
#: mapping never holds more than this (plus the kernel's fault-around) in our RSS.
DIGEST_STEP = 2 << 20


class BackgroundDigest:
    """The digest of ``[offset, offset+length)`` of ``fd``, computed in a worker thread.

    For an uncompressed blob whose bytes must all be hashed: the walk then parses headers and
    seeks over content on the first core while hashlib (which releases the GIL) hashes the
    same bytes on the second. The region is hashed straight from a read-only mapping, in
    :data:`DIGEST_STEP` calls with the pages dropped behind (no copy into Python buffers, and
    memory stays flat); if the file cannot be mapped it is read with ``preadv`` instead.
    :meth:`hexdigest` waits for the worker; :meth:`close` stops it early. (A file truncated by
    someone else *while* it is hashed would fault the mapping, SIGBUS; no archive content can
    cause that, its size is checked against the member table when it is opened.)
    """

    def __init__(self, fd: int, offset: int, length: int, algo: str) -> None:
        self._fd, self._offset, self._length = fd, offset, length
        self._sha = hashlib.new(algo)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="stagesmith-digest", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            if self._length > 0:
                try:
                    self._mapped()
                except (OSError, ValueError):  # not mappable (a pipe, a special file)
                    self._sha = hashlib.new(self._sha.name)
                    self._read()
        except BaseException as exc:  # handed to hexdigest(), in the walk's thread
            self._error = exc

    def _mapped(self) -> None:
        gran = mmap.ALLOCATIONGRANULARITY
        base = self._offset - self._offset % gran
        start = self._offset - base
        end = start + self._length
        page = mmap.PAGESIZE
        with mmap.mmap(self._fd, end, access=mmap.ACCESS_READ, offset=base) as mm:
            dropped = 0
            pos = start
            while pos < end and not self._stop.is_set():
                step = min(DIGEST_STEP, end - pos)
                with memoryview(mm) as whole, whole[pos : pos + step] as chunk:
                    self._sha.update(chunk)
                pos += step
                upto = pos - pos % page
                if upto > dropped:  # read-only file pages: dropping only unmaps them
                    mm.madvise(mmap.MADV_DONTNEED, dropped, upto - dropped)
                    dropped = upto

    def _read(self) -> None:
        buf = memoryview(bytearray(1 << 20))
        pos, end = self._offset, self._offset + self._length
        while pos < end and not self._stop.is_set():
            got = os.preadv(self._fd, [buf[: min(len(buf), end - pos)]], pos)
            if not got:
                raise ImageError("blob ends before its declared size")
            self._sha.update(buf[:got])
            pos += got

    def hexdigest(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._sha.hexdigest()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
