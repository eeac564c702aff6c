"""A forward-only tar header reader (ustar, GNU long names, PAX) for layer and archive tars.

Our own reader rather than ``tarfile``: it never builds TarInfo objects for content we skip,
rejects hostile member names instead of silently rewriting them, and lets the caller decide per
member whether to read the content or skip it, which is the whole of the hot path.
"""

from __future__ import annotations

import io
import os
import posixpath
from collections.abc import Callable, Iterator
from typing import BinaryIO
from zlib import adler32

from stagesmith.image.model import Entry, EntryType, ImageError
from stagesmith.record import Record

BLOCK = 512
#: Bytes read at a header of an uncompressed layer that is not in the last read, when the
#: member before was under ``SMALL`` bytes: the header and what follows. Most members of
#: real images are small (two thirds of a Debian + Node image's under 3.5 KiB: directories,
#: links, small files) and come in runs, so the next headers and a small file's content
#: usually come with it: one system call instead of several. After a larger member, only the
#: header is read (a ``pread`` of 8 KiB costs ~1.8x one of 512 bytes here).
LOOKAHEAD = 8192
SMALL = 4096
ZERO = bytes(BLOCK)
#: Refuse declared member sizes beyond this (a crafted header can claim exabytes).
MAX_MEMBER = 1 << 40
#: Refuse PAX and GNU long-name headers beyond this (their records are read into memory;
#: real ones hold paths and a few attributes, a few KiB at most).
MAX_META = 1 << 20
WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"

#: The members as plain module names: reading ``EntryType.FILE`` goes through the enum
#: metaclass (~0.1 us), and the member loop compares kinds several times per member.
_FILE, _DIR, _HARDLINK = EntryType.FILE, EntryType.DIR, EntryType.HARDLINK
_CHAR, _BLOCK = EntryType.CHAR, EntryType.BLOCK

_TYPES = {
    b"0": EntryType.FILE,
    b"\x00": EntryType.FILE,
    b"7": EntryType.FILE,
    b"1": EntryType.HARDLINK,
    b"2": EntryType.SYMLINK,
    b"3": EntryType.CHAR,
    b"4": EntryType.BLOCK,
    b"5": EntryType.DIR,
    b"6": EntryType.FIFO,
}


def _num(field: bytes, where: str) -> int:
    try:  # fast path: octal digits padded with NUL/space (int() strips the spaces)
        return int(field.rstrip(b"\x00"), 8)
    except ValueError:
        pass
    if field and field[0] & 0x80:  # GNU base-256
        value = int.from_bytes(field[1:], "big")
        return -value if field[0] & 0x40 else value
    text = field.split(b"\x00", 1)[0].strip()
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise ImageError(f"{where}: bad numeric field in tar header") from None


def _checksum_ok(hdr: bytes) -> bool:
    field = hdr[148:156]
    text = field.rstrip(b"\x00 ").lstrip(b" ")
    try:
        stored = int(text, 8)
    except ValueError:
        return False
    # the checksum is the byte sum with the checksum field itself counted as spaces. The sum of
    # 256 bytes is at most 65280, below Adler-32's modulus, so zlib's adler32 (started at 0)
    # returns each half's exact byte sum in its low 16 bits: C speed, not a Python loop
    total = (adler32(hdr[:256], 0) & 0xFFFF) + (adler32(hdr[256:], 0) & 0xFFFF)
    return stored == total - sum(field) + 256


def _str(field: bytes) -> str:
    return field.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")


#: Decoded (mode, uid, gid) by their raw header bytes, and (uname, gname) likewise: layers
#: repeat a handful of owners and modes, so a dict lookup replaces five field parses per
#: member. Bounded, so a hostile layer with every value different cannot grow them.
_IDS: dict[bytes, tuple[int, int, int]] = {}
_OWNERS: dict[bytes, tuple[str, str]] = {}
_CACHE_MAX = 4096


def _ids(field: bytes, where: str) -> tuple[int, int, int]:
    ids = _IDS.get(field)
    if ids is None:
        ids = (
            _num(field[0:8], where) & 0o7777,
            _num(field[8:16], where),
            _num(field[16:24], where),
        )
        if len(_IDS) < _CACHE_MAX:
            _IDS[field] = ids
    return ids


def _owners(field: bytes) -> tuple[str, str]:
    names = _OWNERS.get(field)
    if names is None:
        names = (_str(field[0:32]), _str(field[32:64]))
        if len(_OWNERS) < _CACHE_MAX:
            _OWNERS[field] = names
    return names


def normalize(name: str, where: str) -> str:
    """Member name as an image path; absolute names and ``..`` escapes are refused."""
    if name.startswith("/"):
        raise ImageError(f"{where}: absolute member path {name!r}")
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            raise ImageError(f"{where}: member path {name!r} escapes the root")
        parts.append(part)
    return "/".join(parts)


class RawMember(Record):
    __slots__ = ("name", "offset", "size", "typeflag")

    def __init__(self, name: str, size: int, typeflag: bytes, offset: int) -> None:
        self.name, self.size, self.typeflag = name, size, typeflag
        self.offset = offset  # of the content in the stream


class _Content(io.RawIOBase):
    """The content of the current member; valid until the reader moves on."""

    def __init__(self, stream: BinaryIO, size: int, where: str) -> None:
        super().__init__()
        self._stream, self.left, self._where = stream, size, where
        self._read = stream.read

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Straight from the buffered stream below: no intermediate buffer per call."""
        want = self.left if size is None or size < 0 else min(size, self.left)
        if want <= 0:
            return b""
        data = self._read(want)
        if not data:
            raise ImageError(f"{self._where}: truncated tar member")
        self.left -= len(data)
        return data

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        want = min(len(b), self.left)
        if want <= 0:
            return 0
        n = self._stream.readinto(memoryview(b)[:want])  # type: ignore[attr-defined]
        if not n:
            raise ImageError(f"{self._where}: truncated tar member")
        self.left -= n
        return int(n)


class _Window:
    """A member of an uncompressed layer read with ``pread`` from the file itself: reads in
    order (``read``) and any range (``read_at``), with no shared position. Made only for the
    members a check wants, so it is kept slim (no io base class)."""

    __slots__ = ("_fd", "_held", "_pos", "_size", "_start")

    def __init__(self, fd: int, start: int, size: int, held: bytes | None = None) -> None:
        self._fd, self._start, self._size, self._pos = fd, start, size, 0
        self._held = held  # the whole content, when the scan's last read brought it

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        left = self._size - self._pos
        want = left if size is None or size < 0 else min(size, left)
        if want <= 0:
            return b""
        data = self.read_at(self._pos, want)
        self._pos += len(data)
        return data

    def read_at(self, offset: int, size: int) -> bytes:
        if offset < 0 or offset >= self._size or size <= 0:
            return b""
        if self._held is not None:
            return self._held[offset : offset + size]
        return os.pread(self._fd, min(size, self._size - offset), self._start + offset)


_SCRATCH = memoryview(bytearray(1 << 20))


def _skip(stream: BinaryIO, n: int, where: str) -> None:
    """Read past ``n`` bytes (they must pass through the digest) without allocating."""
    if n <= 0:
        return
    readinto = stream.readinto  # type: ignore[attr-defined]
    while n > 0:
        got = readinto(_SCRATCH[: min(n, 1 << 20)])
        if not got:
            raise ImageError(f"{where}: truncated tar member")
        n -= got


def _pax_int(pax: dict[str, str], key: str, where: str) -> int:
    """A decimal PAX number (``size``, ``uid``, ``gid``); anything else is a hostile header."""
    text = pax[key]
    if not text.isascii() or not text.isdigit():
        raise ImageError(f"{where}: malformed PAX {key} {text[:40]!r}")
    return int(text)


def _pax_time(pax: dict[str, str], where: str) -> float:
    text = pax["mtime"]
    head, _, frac = text.lstrip("-").partition(".")
    if not (head.isascii() and head.isdigit()) or (
        frac and not (frac.isascii() and frac.isdigit())
    ):
        raise ImageError(f"{where}: malformed PAX mtime {text[:40]!r}")
    return float(text)


def _parse_pax(data: bytes, where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        sp = data.find(b" ", pos)
        if sp < 0:
            break
        try:
            length = int(data[pos:sp])
        except ValueError:
            raise ImageError(f"{where}: malformed PAX header") from None
        if length <= 0:
            raise ImageError(f"{where}: malformed PAX header")
        record = data[sp + 1 : pos + length - 1]
        key, _, value = record.partition(b"=")
        out[key.decode("utf-8", "replace")] = value.decode("utf-8", "surrogateescape")
        pos += length
    return out


def scan(
    stream: BinaryIO,
    where: str,
    want: Callable[[Entry], bool] | None = None,
    span: tuple[int, int, int] | None = None,
) -> Iterator[tuple[Entry, BinaryIO | None]]:
    """Yield every member of a layer tar as an Entry, with a content reader when wanted.

    ``span`` ``(fd, offset, length)``: the layer is that window of a file (an uncompressed
    blob). Headers are then read with ``pread`` at a position kept in this loop (with a read
    ahead after small members, see ``LOOKAHEAD``), content nobody wants is skipped by moving
    that position (never read: its digest is computed apart), and
    a wanted member gets a reader of its own with random access; declared sizes are capped by
    the window (``stream`` is not used). Otherwise ``stream`` is read forward, skipped content
    read through.
    Readers are only given for regular files; devices and fifos are reported, never opened.
    """
    fast = span is not None
    if span is not None:
        fd, origin, cap = span[0], span[1], min(span[2], MAX_MEMBER)
        end_of_layer = span[2]
    else:
        fd, origin, cap, end_of_layer = -1, 0, MAX_MEMBER, 0
    pos = 0
    pread = os.pread
    # (fast path) the last read: a header and what follows it, often the next few headers;
    # ``small``: the last member was small, so the next ones likely are too
    buf, buf_at, buf_len = b"", 0, 0
    small = True

    pax: dict[str, str] = {}
    long_name: str | None = None
    long_link: str | None = None
    read = stream.read
    while True:
        if fast:
            at = pos - buf_at
            if 0 <= at <= buf_len - BLOCK:  # in what the last read brought: no system call
                hdr = buf[at : at + BLOCK]
            else:  # a read ahead only where the members are small (it costs more)
                buf = pread(fd, LOOKAHEAD if small else BLOCK, origin + pos)
                buf_at, buf_len = pos, len(buf)
                hdr = buf[:BLOCK]
            pos += BLOCK
        else:
            hdr = read(BLOCK)
        if len(hdr) < BLOCK:
            if not hdr:
                return  # tolerated: some writers omit the end-of-archive blocks
            raise ImageError(f"{where}: truncated tar header")
        if hdr == ZERO:
            return
        if not _checksum_ok(hdr):
            raise ImageError(f"{where}: not a tar stream (bad header checksum)")
        try:  # plain octal, the common case (int() takes the padding once NULs are stripped)
            size = int(hdr[124:136].rstrip(b"\x00"), 8)
        except ValueError:
            size = _num(hdr[124:136], where)
        tf = hdr[156:157]
        if "size" in pax:
            size = _pax_int(pax, "size", where)
        if size < 0 or size > cap:
            raise ImageError(f"{where}: member declares {size} bytes, more than the layer holds")
        padded = -size % BLOCK
        if tf in (b"x", b"g", b"L", b"K"):
            if size > MAX_META:  # read whole into memory: a crafted size must not balloon it
                raise ImageError(f"{where}: a tar extended header of {size} bytes")
            if fast:
                data = pread(fd, size, origin + pos)
                pos += size + padded
            else:
                data = read(size)
                read(padded)
            if len(data) < size:
                raise ImageError(f"{where}: truncated tar member")
            if tf == b"x":
                pax = _parse_pax(data, where)
            elif tf == b"L":
                long_name = _str(data)
            elif tf == b"K":
                long_link = _str(data)
            continue
        kind = _TYPES.get(tf, _FILE)  # unknown type flags read as regular files
        if long_name is not None:
            raw_name = long_name
        elif "path" in pax:
            raw_name = pax["path"]
        else:
            raw_name = _str(hdr[0:100])
            if hdr[345] and hdr[257:262] == b"ustar":
                raw_name = _str(hdr[345:500]) + "/" + raw_name
        if long_link is not None:
            link = long_link
        else:
            link = pax.get("linkpath", "") if pax else ""
            if not link and hdr[157]:
                link = _str(hdr[157:257])
        # already clean (the common case) needs no split: normalize only odd names
        if (
            raw_name
            and raw_name[0] not in "./"
            and "//" not in raw_name
            and "/." not in raw_name
            and raw_name[-1] != "/"
        ):
            path = raw_name
        else:
            path = normalize(raw_name, where)
        if kind is _FILE and raw_name.endswith("/"):
            kind = _DIR
        if (kind is _CHAR or kind is _BLOCK) and not path.startswith("dev/"):
            # rootfs tarballs (mmdebstrap, debootstrap) legitimately ship /dev/null & co.;
            # a device node anywhere else is no build's output, and unpacking it would create
            # a device on the host
            raise ImageError(f"{where}: device file {path!r} outside /dev")
        ids = _IDS.get(hdr[100:124])
        mode, uid, gid = ids if ids is not None else _ids(hdr[100:124], where)
        names = _OWNERS.get(hdr[265:329])
        uname, gname = names if names is not None else _owners(hdr[265:329])
        mtime = hdr[136:148]
        try:  # plain octal (int() accepts the NUL/space padding once NULs are stripped)
            stamp = float(int(mtime.rstrip(b"\x00"), 8))
        except ValueError:
            stamp = float(_num(mtime, where))
        if pax:
            if "uid" in pax:
                uid = _pax_int(pax, "uid", where)
            if "gid" in pax:
                gid = _pax_int(pax, "gid", where)
            uname = pax.get("uname") or uname
            gname = pax.get("gname") or gname
            if "mtime" in pax:
                stamp = _pax_time(pax, where)
            pax = {}
        entry = Entry(
            path,
            kind,
            size if kind is _FILE else 0,
            mode,
            uid,
            gid,
            uname,
            gname,
            link,
            stamp,
        )
        long_name = long_link = None
        if kind is _HARDLINK and link:
            entry.linkname = normalize(link, where)
        base = path.rpartition("/")[2] if WHITEOUT in path else ""
        if base.startswith(WHITEOUT):
            parent = path.rpartition("/")[0]
            if base == OPAQUE:
                entry.opaque = True
                entry.whiteout = parent
            else:
                tail = base[len(WHITEOUT) :]
                entry.whiteout = f"{parent}/{tail}" if parent else tail
        if fast:
            start = pos
            pos += size + padded
            small = size < SMALL
            if pos > end_of_layer:
                raise ImageError(f"{where}: truncated tar member")
            if path:
                if kind is _FILE and want is not None and want(entry):
                    at = start - buf_at
                    held = buf[at : at + size] if at + size <= buf_len else None
                    yield entry, _Window(fd, origin + start, size, held)  # type: ignore[misc]
                else:
                    yield entry, None
            continue
        if not path:
            _skip(stream, size + padded, where)
            continue
        if kind is _FILE and want is not None and want(entry):
            reader = _Content(stream, size, where)
            yield entry, reader  # type: ignore[misc]
            _skip(stream, reader.left + padded, where)
        else:
            yield entry, None
            _skip(stream, size + padded, where)


def index_archive(stream: BinaryIO, total: int, where: str) -> dict[str, RawMember]:
    """Map member names of an uncompressed outer archive to content offsets, seeking over data."""
    members: dict[str, RawMember] = {}
    links: dict[str, str] = {}
    pax: dict[str, str] = {}
    long_name: str | None = None
    pos = 0
    while True:
        stream.seek(pos)
        hdr = stream.read(BLOCK)
        if len(hdr) < BLOCK:
            if not hdr and members:
                break
            raise ImageError(f"{where}: not a tar archive (truncated header)")
        if hdr == ZERO:
            break
        if not _checksum_ok(hdr):
            raise ImageError(f"{where}: not a tar archive")
        size = _num(hdr[124:136], where)
        if "size" in pax:
            size = _pax_int(pax, "size", where)
        tf = hdr[156:157]
        start = pos + BLOCK
        if size < 0 or start + size > total:
            raise ImageError(f"{where}: member declares {size} bytes, past the end of the archive")
        pos = start + size + (-size % BLOCK)
        if tf in (b"x", b"L"):
            data = stream.read(size)
            if tf == b"x":
                pax = _parse_pax(data, where)
            else:
                long_name = _str(data)
            continue
        if tf == b"g":
            continue
        if long_name is not None:
            name = long_name
        elif "path" in pax:
            name = pax["path"]
        else:
            name = _str(hdr[0:100])
            if hdr[257:262] == b"ustar":
                prefix = _str(hdr[345:500])
                if prefix:
                    name = prefix + "/" + name
        pax, long_name = {}, None
        path = normalize(name, where)
        if tf in (b"0", b"\x00", b"7"):
            members[path] = RawMember(path, size, tf, start)
        elif tf in (b"1", b"2"):  # docker save links identical layer.tar files
            target = _str(hdr[157:257])
            if tf == b"2":
                target = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            if target.startswith(("/", "../")) or target == "..":
                raise ImageError(f"{where}: link {path!r} points outside the archive")
            links[path] = normalize(target, where)
    for path, target in links.items():
        seen = {path}
        while target in links and target not in seen:
            seen.add(target)
            target = links[target]
        if target in members:
            members[path] = members[target]
    return members
