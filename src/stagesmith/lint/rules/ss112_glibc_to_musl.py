"""SS112: binaries built on glibc copied into a musl (Alpine) runtime, or the reverse."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import (
    copies_from,
    copy_dest,
    copy_sources,
    image_of,
    is_image_ref,
    references,
)
from stagesmith.lint.model import Severity
from stagesmith.lint.source import COPY_FROM, Doc

_MUSL = re.compile(r"alpine|musl|wolfi-musl|void-musl")
_UNKNOWN = re.compile(r"^(scratch|busybox)|distroless/static|\$")


#: Paths that carry compiled code (libraries, interpreters' packages, executables).
_NATIVE = re.compile(
    r"^/usr(/local)?/?$|(^|/)(s?bin|lib|lib64|site-packages|dist-packages|venv|\.venv|install|wheels|\.local|"
    r"node_modules|conda|env)(/|$)|\.so(\.|$)|\.whl$"
)
#: Builders that produce static or musl binaries on purpose.
_STATIC = re.compile(r"CGO_ENABLED=0|-static\b|musl|--target[= ]\S*musl")


#: External images copied ``--from`` whose libc is plain from the name (distribution bases and
#: the Debian-based official language images). Others (``ghcr.io/astral-sh/uv``,
#: ``docker:cli``...) often ship static binaries, so they are not judged.
_KNOWN_GLIBC = re.compile(
    r"(^|/)(debian|ubuntu|fedora|centos|rockylinux|almalinux|amazonlinux|ubi\d*|"
    r"python|node|ruby|php|perl|openjdk|eclipse-temurin|gcc|buildpack-deps)(:|@|$)|"
    r"[:-](slim|bookworm|bullseye|buster|trixie|jammy|focal|noble)\b"
)


def external_libc(image: str) -> str | None:
    """The libc of an image named in ``COPY --from=IMAGE``, only when its name makes it plain."""
    low = image.lower()
    if _MUSL.search(low):
        return "musl"
    return "glibc" if _KNOWN_GLIBC.search(low) and not _UNKNOWN.search(low) else None


def libc(image: str) -> str | None:
    """``musl`` for Alpine-like bases, ``glibc`` for the usual ones, None when we cannot tell."""
    low = image.lower()
    if not low or _UNKNOWN.search(low):
        return None
    return "musl" if _MUSL.search(low) else "glibc"


@rule("SS112", "libc-mismatch", Severity.WARNING, keywords=(COPY_FROM,))
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A stage on a glibc base (Debian, Ubuntu, ``python:3.12``) feeds a musl runtime
    (``alpine``), or the reverse: compiled programs and wheels will fail to load. Only copies
    of code (``bin``, ``lib``, site-packages, venvs, ``node_modules``, ``.so``) count, and
    builders that link statically (``CGO_ENABLED=0``, ``-static``, musl targets) are trusted.
    ``COPY --from=<image>`` counts too when the image name makes its libc plain
    (``python:3.12-slim``, ``debian:bookworm``, ``node:20-alpine``).

    Bad::

        FROM python:3.12 AS builder
        RUN pip install --prefix=/install numpy
        FROM python:3.12-alpine
        COPY --from=builder /install /usr/local

    Good::

        FROM python:3.12-alpine AS builder
        RUN pip install --prefix=/install numpy
        FROM python:3.12-alpine
        COPY --from=builder /install /usr/local
    """
    for stage in doc.stages:
        dest_libc = libc(image_of(doc, stage))
        if dest_libc is None:
            continue
        for ins, src in copies_from(doc, stage):
            paths = [*copy_sources(ins), copy_dest(ins)]
            if not any(_NATIVE.search(p) for p in paths):
                continue  # config files, web assets: libc does not matter
            if any(_STATIC.search(i.original) for i in src.instructions):
                continue
            src_libc = libc(image_of(doc, src))
            if src_libc is not None and src_libc != dest_libc:
                yield (
                    ins,
                    (
                        f"copies from '{src.label}' ({src_libc}: {image_of(doc, src)}) into a "
                        f"{dest_libc} base ({image_of(doc, stage)}); binaries may not run"
                    ),
                )
    for ref in references(doc):
        if ref.kind != "copy" or ref.target is not None or ref.instr.onbuild:
            continue
        if not is_image_ref(ref.ref) and not _KNOWN_GLIBC.search(ref.ref.lower()):
            continue
        dest_libc = libc(image_of(doc, ref.stage))
        src_libc = external_libc(ref.ref)
        if dest_libc is None or src_libc is None or src_libc == dest_libc:
            continue
        if any(_NATIVE.search(p) for p in [*copy_sources(ref.instr), copy_dest(ref.instr)]):
            yield (
                ref.instr,
                (
                    f"copies from the image {ref.ref} ({src_libc}) into a {dest_libc} base "
                    f"({image_of(doc, ref.stage)}); binaries may not run"
                ),
            )
