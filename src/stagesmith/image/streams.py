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
from collections.abc import Callable, Sequence
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

    Read forward (the compressed blob under an inflater) or, through :attr:`span`, by the tar
    scan and the digest workers at positions of their own (an uncompressed layer).
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


def inflating(raw: io.RawIOBase, compression: str, where: str) -> io.RawIOBase:
    """An unbuffered stream of the uncompressed bytes of a blob (``raw`` itself if plain)."""
    if compression == "gzip":
        return _Gzip(raw, where)
    if compression == "zstd":
        return _Zstd(raw, where)
    return raw


#: Bytes a prefetching worker reads per step, and how many steps it may run ahead.
PREFETCH_CHUNK = 1 << 18
PREFETCH_DEPTH = 4


class Prefetch(io.RawIOBase):
    """Reads ``raw`` to its end in a worker thread, ``PREFETCH_DEPTH`` chunks ahead.

    Used for every compressed layer: reading and inflating (and, for a compressed legacy
    layer, hashing the inflated bytes; ``preadv``, zlib/zstd and hashlib release the GIL) run
    beside the walk, which parses headers and runs checks meanwhile. Memory is
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


#: Bytes a digest worker hashes per call; the pages are unmapped after each call, so the
#: mapping never holds more than this (plus the kernel's fault-around) in our RSS.
DIGEST_STEP = 2 << 20


def span_digest(fd: int, offset: int, length: int, algo: str, stop: threading.Event) -> str:
    """The hex digest of ``[offset, offset+length)`` of ``fd`` (partial if ``stop`` is set).

    Hashed straight from a read-only mapping in :data:`DIGEST_STEP` calls, with the pages
    dropped behind (no copy into Python buffers, and memory stays flat); a file that cannot be
    mapped is read with ``preadv`` instead. (A file truncated by someone else *while* it is
    hashed would fault the mapping, SIGBUS; no archive content can cause that, its size is
    checked against the member table when it is opened.)
    """
    if length <= 0:
        return hashlib.new(algo).hexdigest()
    try:
        return _mapped_digest(fd, offset, length, algo, stop)
    except (OSError, ValueError):  # not mappable (a pipe, a special file)
        return _read_digest(fd, offset, length, algo, stop)


def _mapped_digest(fd: int, offset: int, length: int, algo: str, stop: threading.Event) -> str:
    sha = hashlib.new(algo)
    gran = mmap.ALLOCATIONGRANULARITY
    base = offset - offset % gran
    start = offset - base
    end = start + length
    page = mmap.PAGESIZE
    with mmap.mmap(fd, end, access=mmap.ACCESS_READ, offset=base) as mm:
        dropped = 0
        pos = start
        while pos < end and not stop.is_set():
            step = min(DIGEST_STEP, end - pos)
            with memoryview(mm) as whole, whole[pos : pos + step] as chunk:
                sha.update(chunk)
            pos += step
            upto = pos - pos % page
            if upto > dropped:  # read-only file pages: dropping only unmaps them
                mm.madvise(mmap.MADV_DONTNEED, dropped, upto - dropped)
                dropped = upto
    return sha.hexdigest()


def _read_digest(fd: int, offset: int, length: int, algo: str, stop: threading.Event) -> str:
    sha = hashlib.new(algo)
    buf = memoryview(bytearray(1 << 20))
    pos, end = offset, offset + length
    while pos < end and not stop.is_set():
        got = os.preadv(fd, [buf[: min(len(buf), end - pos)]], pos)
        if not got:
            raise ImageError("blob ends before its declared size")
        sha.update(buf[:got])
        pos += got
    return sha.hexdigest()


#: One digest to compute: called with the pool's stop event (set: give up early).
DigestJob = Callable[[threading.Event], str]


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


class DigestPool:
    """The digests of an image's blobs, computed while the walk reads the layers.

    Every byte of every layer blob is hashed: for an uncompressed image that is most of the
    work (SHA-256 runs at ~1.1 GB/s from the page cache here, the tar walk at several GB/s),
    so it runs beside the walk, leaving the walk's core to the walk. Each blob has its own
    digest, so the blobs are shared out in layer order: the one the walk needs next is the
    furthest along. ``None`` jobs are skipped.

    The workers are forked processes when that is safe (no other thread is running): a
    hashing thread would need the GIL back after every step, and a walk that never blocks
    holds it for the whole switch interval (5 ms), which starves the hash, so the walk then
    waits for it at every layer's end. Forked, they share nothing but a pipe of results;
    otherwise (threads already running, no ``fork``) they are threads. One worker per core
    but the walk's, at least one (``workers``, ``fork``: the choice made for tests).
    :meth:`result` waits for one digest; :meth:`close` stops the workers (a walk that ended
    early) and reaps them.
    """

    def __init__(
        self,
        jobs: Sequence[DigestJob | None],
        workers: int | None = None,
        fork: bool | None = None,
    ) -> None:
        self._jobs = list(jobs)
        todo = [i for i, job in enumerate(self._jobs) if job is not None]
        count = min(len(todo), workers or max(1, _cores() - 1))
        shares = [todo[k::count] for k in range(count)]
        self._results: dict[int, str | BaseException] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._done = threading.Condition()
        self._children: dict[int, io.BufferedReader] = {}  # pid -> its results pipe
        self._owner: dict[int, io.BufferedReader] = {}  # job -> the pipe its result comes on
        if fork is None:  # forking a process that runs threads can deadlock its child
            fork = hasattr(os, "fork") and threading.active_count() == 1
        if fork:
            for share in shares:
                self._fork(share)
        else:
            for n, share in enumerate(shares):
                thread = threading.Thread(
                    target=self._work, args=(share,), name=f"stagesmith-digest-{n}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    # -- workers ---------------------------------------------------------------------------
    def _run(self, i: int) -> str | BaseException:
        job = self._jobs[i]
        assert job is not None
        try:
            return job(self._stop)
        except (OSError, ImageError) as exc:
            return ImageError(str(exc))
        except Exception as exc:  # a waiting walk must get an answer, whatever went wrong
            return ImageError(f"{type(exc).__name__}: {exc}")

    def _work(self, share: list[int]) -> None:
        for i in share:
            if self._stop.is_set():
                return
            got = self._run(i)
            with self._done:
                self._results[i] = got
                self._done.notify_all()

    def _fork(self, share: list[int]) -> None:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: hash, write "index digest" or "index !error" lines, leave
            code = 0
            try:
                os.close(r)
                for i in share:
                    got = self._run(i)
                    text = f"!{got}" if isinstance(got, BaseException) else got
                    os.write(w, f"{i} {text}\n".encode("utf-8", "replace"))
            except BaseException:  # (an interrupt): the parent sees the pipe end early
                code = 1
            finally:
                os._exit(code)  # never the parent's cleanup, atexit or buffered output
        os.close(w)
        pipe = self._children[pid] = open(r, "rb")  # noqa: SIM115 (closed in close())
        for i in share:
            self._owner[i] = pipe

    # -- reading results -------------------------------------------------------------------
    def result(self, i: int) -> str:
        """The hex digest of job ``i``, waiting for it; an ImageError if it could not be read."""
        if self._jobs[i] is None:
            raise ValueError(f"no digest job {i}")
        if self._children:
            self._read_until(i)
        else:
            with self._done:
                self._done.wait_for(lambda: i in self._results)
        got = self._results[i]
        if isinstance(got, BaseException):
            raise got
        return got

    def _read_until(self, i: int) -> None:
        pipe = self._owner[i]
        while i not in self._results:
            line = pipe.readline()
            if not line:  # it died (killed, out of memory) before this one
                raise ImageError("the digest worker ended before computing this blob's digest")
            k, _, text = line.decode("utf-8", "replace").rstrip("\n").partition(" ")
            self._results[int(k)] = ImageError(text[1:]) if text[:1] == "!" else text

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        for pid, pipe in self._children.items():
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG) == (0, 0):  # still hashing: no longer needed
                    import signal  # (only here: its enums cost ~1 ms of every start-up)

                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
            pipe.close()
        self._children = {}
