"""Number formatting shared by the text and HTML reports."""

from __future__ import annotations

import re


def human_size(n: int | float | None) -> str:
    """Decimal units like ``docker images`` and dive: 1 kB = 1000 B."""
    if n is None:
        return "-"
    value = float(n)
    sign = "-" if value < 0 else ""
    value = abs(value)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{sign}{value:.0f} {unit}" if unit == "B" else f"{sign}{value:.1f} {unit}"
        value /= 1000
    return f"{sign}{value:.1f} TB"  # pragma: no cover


def short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


_SURROGATE = re.compile("[\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape): show the byte
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"  # any other lone surrogate: not encodable, shown as its code


def printable(text: object) -> str:
    """``text`` safe to print on a terminal or to encode as UTF-8: control characters (C0,
    DEL, C1) become ``\\n``, ``\\x1b``..., lone surrogates (bytes that were not UTF-8) ``\\xe9``.
    Every string that comes from an image goes through this before it is printed."""
    s = str(text)
    if s.isprintable() and s.isascii():
        return s
    return "".join(
        _escape_char(ch)
        if (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or 0xD800 <= ord(ch) <= 0xDFFF)
        else ch
        for ch in s
    )


def unsurrogate(text: object) -> str:
    """``text`` encodable as UTF-8: lone surrogates become ``\\xNN`` (control characters stay;
    HTML escaping and JSON quoting handle those)."""
    s = str(text)
    if s.isascii():
        return s
    return _SURROGATE.sub(lambda m: _escape_char(m.group()), s)


def percent(score: float) -> str:
    """``score`` (0..1) as a percentage with two decimals, or more when two would round a
    score below 1 up to ``100.00`` (or one above 0 down to ``0.00``)."""
    value = score * 100
    for digits in range(2, 10):
        text = f"{value:.{digits}f}"
        if not ((score < 1 and float(text) >= 100) or (score > 0 and float(text) <= 0)):
            return text
    return repr(value)
