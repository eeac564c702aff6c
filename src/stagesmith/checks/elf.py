"""A small reader for the parts of an ELF file the loader uses to find libraries.

Only the ELF header, the program headers, ``PT_INTERP`` and the ``PT_DYNAMIC`` entries
(``DT_NEEDED``, ``DT_RPATH``, ``DT_RUNPATH``, ``DT_SONAME``, via ``DT_STRTAB``) are read, through
the program headers like ``ld.so`` does, so section headers and debug info at the end of the
file are never touched. It reads byte ranges through a ``read_at(offset, size)`` callable that may
only go forward, except into a retained prefix: the first ``PT_LOAD`` segment (where the linker
puts ``.dynstr``), capped at :data:`RETAIN`. So a 40 MB ``cc1`` costs a few hundred KiB of memory
and the walk can stop reading once the dynamic section is parsed.
pyelftools gives the same answers (tests compare them) but parses far more than needed.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from stagesmith.record import Record

ELF_MAGIC = b"\x7fELF"
ET_EXEC, ET_DYN = 2, 3
PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
DT_NULL, DT_NEEDED, DT_STRTAB, DT_STRSZ, DT_SONAME, DT_RPATH, DT_RUNPATH = 0, 1, 5, 10, 14, 15, 29

#: e_machine -> Debian multiarch triplet, for the loader's default directories.
MULTIARCH = {
    62: "x86_64-linux-gnu",
    183: "aarch64-linux-gnu",
    3: "i386-linux-gnu",
    40: "arm-linux-gnueabihf",
    21: "powerpc64le-linux-gnu",
    22: "s390x-linux-gnu",
    243: "riscv64-linux-gnu",
}


#: Most of the start of a file kept in memory for the string table lookup.
RETAIN = 16 * 1024 * 1024

#: The structures read, compiled once per byte order (index 0: little, 1: big endian):
#: ELF header fields from e_type, a program header (the fields used), a dynamic entry.
_HEADER64 = (struct.Struct("<HHIQQQIHHH"), struct.Struct(">HHIQQQIHHH"))
_HEADER32 = (struct.Struct("<HHIIIIIHHH"), struct.Struct(">HHIIIIIHHH"))
_PHDR64 = (struct.Struct("<IIQQQQ"), struct.Struct(">IIQQQQ"))
_PHDR32 = (struct.Struct("<IIIII"), struct.Struct(">IIIII"))
_DYN64 = (struct.Struct("<qQ"), struct.Struct(">qQ"))
_DYN32 = (struct.Struct("<iI"), struct.Struct(">iI"))


class ElfError(ValueError):
    """The bytes start like ELF but the structures do not hold together."""


class ElfInfo(Record):
    __slots__ = (
        "dynamic",
        "elf_class",
        "etype",
        "interpreter",
        "machine",
        "needed",
        "rpath",
        "runpath",
        "soname",
    )

    def __init__(
        self,
        elf_class: int,  # 32 or 64
        machine: int,
        etype: int,
        interpreter: str | None = None,
        needed: list[str] | None = None,
        rpath: list[str] | None = None,
        runpath: list[str] | None = None,
        soname: str | None = None,
        dynamic: bool = False,
    ) -> None:
        self.elf_class, self.machine, self.etype = elf_class, machine, etype
        self.interpreter, self.soname, self.dynamic = interpreter, soname, dynamic
        self.needed: list[str] = [] if needed is None else needed
        self.rpath: list[str] = [] if rpath is None else rpath
        self.runpath: list[str] = [] if runpath is None else runpath


def from_bytes(data: bytes) -> Callable[[int, int], bytes | None]:
    """A ``read_at`` over bytes in memory (tests, small files)."""
    return lambda off, size: data[off : off + size]


def parse_elf(
    read_at: Callable[[int, int], bytes | None],
    limit: int = 512 * 1024 * 1024,
    retain: bool = True,
) -> ElfInfo | None:
    """Parse the loader-relevant parts of an ELF file; None if it is not ELF.

    ``read_at(offset, size)`` returns those bytes (fewer at end of file), or None when the
    range was already streamed past and not retained. ``retain=False`` says ``read_at`` has
    random access, so the first segment is not read ahead to keep ``.dynstr`` reachable.
    """

    def head(n: int) -> bytes:
        data = read_at(0, n)
        if data is None:  # pragma: no cover - the prefix is always retained
            raise ElfError("prefix not available")
        return data

    def span(off: int, size: int) -> bytes:
        data = read_at(off, size)
        if data is None:
            raise ElfError("table lies before a range already streamed past")
        return data

    ident = head(64)
    if len(ident) < 52 or not ident.startswith(ELF_MAGIC):
        return None
    ei_class, ei_data = ident[4], ident[5]
    if ei_class not in (1, 2) or ei_data not in (1, 2):
        raise ElfError("bad ELF class or byte order")
    order = ei_data - 1  # 0: little endian, 1: big endian
    is64 = ei_class == 2
    etype, machine, _, _, phoff, _, _, _, phentsize, phnum = (_HEADER64 if is64 else _HEADER32)[
        order
    ].unpack_from(ident, 16)
    info = ElfInfo(elf_class=64 if is64 else 32, machine=machine, etype=etype)
    if etype not in (ET_EXEC, ET_DYN) or phnum == 0:
        return info
    if phentsize < (56 if is64 else 32) or phoff + phnum * phentsize > limit:
        raise ElfError("bad program header table")
    table = head(phoff + phnum * phentsize)
    if len(table) < phoff + phnum * phentsize:
        raise ElfError("truncated program header table")
    loads: list[tuple[int, int, int]] = []  # (vaddr, offset, filesz)
    dyn: tuple[int, int] | None = None
    interp: tuple[int, int] | None = None
    phdr = (_PHDR64 if is64 else _PHDR32)[order].unpack_from
    for at in range(phoff, phoff + phnum * phentsize, phentsize):
        if is64:
            p_type, _, off, vaddr, _, filesz = phdr(table, at)
        else:
            p_type, off, vaddr, _, filesz = phdr(table, at)
        if p_type == PT_LOAD:
            loads.append((vaddr, off, filesz))
        elif p_type == PT_DYNAMIC:
            dyn = (off, filesz)
        elif p_type == PT_INTERP:
            interp = (off, filesz)
    first = min((ld for ld in loads if ld[1] == 0), default=None, key=lambda ld: ld[0])
    if first is not None and retain:
        head(min(first[2], RETAIN))  # retain the first segment: .dynstr usually lives there
    if interp is not None:
        off, size = interp
        if off + size > limit:
            raise ElfError("bad PT_INTERP")
        raw = span(off, size)
        info.interpreter = raw.split(b"\0", 1)[0].decode("utf-8", "replace")
    if dyn is None:
        return info
    info.dynamic = True
    off, size = dyn
    if off + size > limit:
        raise ElfError("bad PT_DYNAMIC")
    raw = span(off, size)
    dyn_entry = (_DYN64 if is64 else _DYN32)[order]
    step = dyn_entry.size
    entries: list[tuple[int, int]] = []
    # whole entries only (a trailing partial one is ignored), up to DT_NULL
    for tag, val in dyn_entry.iter_unpack(memoryview(raw)[: len(raw) - len(raw) % step]):
        if tag == DT_NULL:
            break
        entries.append((tag, val))
    strtab = next((v for t, v in entries if t == DT_STRTAB), None)
    strsz = next((v for t, v in entries if t == DT_STRSZ), None)
    if strtab is None or strsz is None:
        return info
    str_off = _vaddr_to_offset(strtab, loads)
    if str_off is None or str_off + strsz > limit:
        raise ElfError("DT_STRTAB outside the file")
    strings = span(str_off, strsz)

    def string(index: int) -> str:
        if index >= len(strings):
            raise ElfError("string index outside DT_STRTAB")
        return strings[index:].split(b"\0", 1)[0].decode("utf-8", "replace")

    for tag, val in entries:
        if tag == DT_NEEDED:
            info.needed.append(string(val))
        elif tag == DT_RPATH:
            info.rpath.extend(p for p in string(val).split(":") if p)
        elif tag == DT_RUNPATH:
            info.runpath.extend(p for p in string(val).split(":") if p)
        elif tag == DT_SONAME:
            info.soname = string(val)
    return info


def _vaddr_to_offset(vaddr: int, loads: list[tuple[int, int, int]]) -> int | None:
    for start, off, filesz in loads:
        if start <= vaddr < start + filesz:
            return vaddr - start + off
    # prelinked or odd objects keep file offsets in DT_STRTAB
    return vaddr if not loads else None
