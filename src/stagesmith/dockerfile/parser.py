"""Text to :class:`Dockerfile`, line by line, the way BuildKit's parser reads it.

Every quirk here is deliberate and matches ``moby/buildkit``'s
``frontend/dockerfile/parser``: directives only before anything else, the escape
character doubling as line continuation, comments dropped inside continuations,
continuation lines keeping their leading blanks, invalid JSON falling back to the
shell form, heredoc bodies read after the instruction line. Plain string scanning,
no regular expressions per line, so linting a large corpus stays fast.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from stagesmith.dockerfile.model import Dockerfile, Heredoc, Instruction, ParseError, Warning
from stagesmith.dockerfile.shell import GO_SPACES, Lexer, ShellError

_SPACES = "".join(sorted(GO_SPACES))
#: Go regexp ``\s`` (directive syntax).
_RE_S = " \t\n\f\r"
DIRECTIVES = ("syntax", "escape", "check")
HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


class _Directives:
    """Parser directives seen so far, and whether we still look for them."""

    def __init__(self) -> None:
        self.escape = "\\"
        self.done = False
        self.values: dict[str, str] = {}

    def feed(self, line: str) -> str | None:
        """Look at one (left-trimmed) line; return an error message or None."""
        if self.done:
            return None
        parsed = _match_directive(line)
        if parsed is None or parsed[0] not in DIRECTIVES:
            self.done = True
            return None
        key, value = parsed
        if key in self.values:
            return f"only one {key} parser directive can be used"
        self.values[key] = value
        if key == "escape":
            if value not in ("`", "\\"):
                return f"invalid escape token '{value}' does not match ` or \\"
            self.escape = value
        return None


def _match_directive(line: str) -> tuple[str, str] | None:
    """``# name = value`` as BuildKit's directive regex reads it (name lower-cased)."""
    if not line.startswith("#"):
        return None
    n = len(line)
    i = 1
    while i < n and line[i] in _RE_S:
        i += 1
    start = i
    if i >= n or not (line[i].isascii() and line[i].isalpha()):
        return None
    i += 1
    while i < n and line[i].isascii() and line[i].isalnum():
        i += 1
    name = line[start:i].lower()
    while i < n and line[i] in _RE_S:
        i += 1
    if i >= n or line[i] != "=":
        return None
    i += 1
    rest = line[i:]
    value = rest.lstrip(_RE_S).rstrip(_RE_S)
    if not value:
        if not rest:
            return None
        value = rest[-1]  # regex backtracking leaves one blank for `.+?`
    return name, value


def _trim_newline(s: str) -> str:
    return s.rstrip("\r\n")


def _trim_continuation(line: str, esc: str) -> tuple[str, bool]:
    """Strip a trailing continuation character; return (line, is_end_of_line)."""
    body = line.rstrip(" \t")
    if body.endswith(esc) and (len(body) == 1 or body[-2] != esc):
        return body[:-1], False
    return line, True


#: BuildKit's ``reWhitespace`` (``[\t\v\f\r ]+``).
_RE_WHITESPACE = re.compile("[\t\v\f\r ]+")


def _split_whitespace(rest: str) -> list[str]:
    """Go ``reWhitespace.Split(rest, -1)``: Python's ``re.split`` gives the same pieces for
    a pattern that never matches empty (a blank run at either end leaves an empty piece)."""
    return _RE_WHITESPACE.split(rest)


def _as_go_bytes(text: str) -> str:
    """One char per UTF-8 byte: how Go code that indexes a string byte by byte sees it."""
    return text if text.isascii() else text.encode("utf-8", "surrogateescape").decode("latin-1")


def _from_go_bytes(text: str, original: str) -> str:
    if original.isascii():
        return text
    return text.encode("latin-1").decode("utf-8", "surrogateescape")


def _extract_flags(line: str) -> tuple[str, list[str]]:
    """Leading ``--flag[=value]`` words (BuildKit's extractBuilderFlags); returns (rest, flags).

    A flag's value must be attached with ``=``; ``--`` ends the flags. BuildKit walks
    the line byte by byte here, so a non-ASCII flag value comes out as one Latin-1
    character per byte, and bytes 0x85/0xA0 inside a character count as blanks: we
    reproduce that rather than disagree with ``docker build``.
    """
    if line.isascii() and '"' not in line and "'" not in line and "\\" not in line:
        return _extract_plain_flags(line)
    original = line
    line = _as_go_bytes(line)
    rest, words = _extract_flags_bytes(line)
    return _from_go_bytes(rest, original), words


_ASCII_WORD = re.compile("[^\t\n\v\f\r ]+")


def _extract_plain_flags(line: str) -> tuple[str, list[str]]:
    """:func:`_extract_flags_bytes` for ASCII text without quotes or backslashes: words are
    runs of non-blanks, so regex matches give them without the byte-by-byte walk."""
    words: list[str] = []
    for m in _ASCII_WORD.finditer(line):
        word = m.group()
        if not word.startswith("--"):
            return line[m.start() :], words
        if word == "--":
            return line[m.end() :], words
        words.append(word)
    return "", words


def _extract_flags_bytes(line: str) -> tuple[str, list[str]]:
    words: list[str] = []
    in_spaces, in_word, in_quote = 0, 1, 2
    phase = in_spaces
    word: list[str] = []
    quote = ""
    blank_ok = False
    n = len(line)
    pos = 0
    while pos <= n:
        ch = line[pos] if pos < n else ""
        if phase == in_spaces:
            if pos == n:
                break
            if ch in GO_SPACES:
                pos += 1
                continue
            if ch != "-" or pos + 1 == n or line[pos + 1] != "-":
                return line[pos:], words
            phase = in_word
        if pos == n:
            text = "".join(word)
            if text != "--" and (blank_ok or text):
                words.append(text)
            break
        if phase == in_word:
            if ch in GO_SPACES:
                phase = in_spaces
                text = "".join(word)
                if text == "--":
                    return line[pos:], words
                if blank_ok or text:
                    words.append(text)
                word = []
                blank_ok = False
                pos += 1
                continue
            if ch in ("'", '"'):
                quote = ch
                blank_ok = True
                phase = in_quote
                pos += 1
                continue
            if ch == "\\":
                if pos + 1 == n:
                    pos += 1
                    continue
                pos += 1
                ch = line[pos]
            word.append(ch)
            pos += 1
            continue
        # in_quote
        if ch == quote:
            phase = in_word
            pos += 1
            continue
        if ch == "\\":
            if pos + 1 == n:
                phase = in_word
                pos += 1
                continue
            pos += 1
            ch = line[pos]
        word.append(ch)
        pos += 1
    return "", words


def _parse_words(rest: str, esc: str) -> list[str]:
    """BuildKit's parseWords: split on blanks, quotes and escapes kept in the words."""
    words: list[str] = []
    in_spaces, in_word, in_quote = 0, 1, 2
    phase = in_spaces
    word: list[str] = []
    quote = ""
    blank_ok = False
    n = len(rest)
    pos = 0
    while pos <= n:
        ch = rest[pos] if pos < n else ""
        if phase == in_spaces:
            if pos == n:
                break
            if ch in GO_SPACES:
                pos += 1
                continue
            phase = in_word
        if pos == n:
            if blank_ok or word:
                words.append("".join(word))
            break
        if phase == in_word:
            if ch in GO_SPACES:
                phase = in_spaces
                if blank_ok or word:
                    words.append("".join(word))
                word = []
                blank_ok = False
                pos += 1
                continue
            if ch in ("'", '"'):
                quote = ch
                blank_ok = True
                phase = in_quote
            if ch == esc:
                if pos + 1 == n:
                    pos += 1
                    continue
                word.append(ch)
                pos += 1
                ch = rest[pos]
            word.append(ch)
            pos += 1
            continue
        if ch == quote:
            phase = in_word
        if ch == esc and quote != "'":
            if pos + 1 == n:
                phase = in_word
                pos += 1
                continue
            pos += 1
            word.append(ch)
            ch = rest[pos]
        word.append(ch)
        pos += 1
    return words


class _NotStrings(Exception):
    pass


class _Located(ValueError):
    """A ValueError that knows which text of the instruction it is about (for the column)."""

    def __init__(self, message: str, needle: str) -> None:
        super().__init__(message)
        self.needle = needle


def _reject_constant(name: str) -> object:
    raise ValueError(name)  # Go's encoding/json has no NaN/Infinity


_JSON = json.JSONDecoder(parse_constant=_reject_constant)
_SURROGATES = re.compile("[\ud800-\udfff]")


def _parse_json(rest: str) -> list[str] | None:
    """A JSON array of strings, None when ``rest`` is not JSON (shell form then)."""
    rest = rest.lstrip(_SPACES)
    if not rest.startswith("["):
        return None
    try:
        value, _ = _JSON.raw_decode(rest)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(v, str) for v in value):
        raise _NotStrings
    # Go's decoder turns lone surrogate escapes and invalid UTF-8 into U+FFFD
    return [v if v.isascii() else _SURROGATES.sub("\ufffd", v) for v in value]


_NOT_STRINGS = "when using JSON array syntax, arrays must be comprised of strings only"


def _maybe_json(rest: str) -> tuple[list[str], bool]:
    if rest == "":
        return [], False
    parsed = _parse_json(rest)
    if parsed is not None:
        return parsed, True
    return [rest], False


def _maybe_json_list(rest: str) -> tuple[list[str], bool]:
    parsed = _parse_json(rest)
    if parsed is not None:
        return parsed, True
    return (_split_whitespace(rest) if rest else []), False


def _name_val(rest: str, keyword: str, esc: str) -> list[str]:
    words = _parse_words(rest, esc)
    if not words:
        return []
    if "=" not in words[0]:
        parts = _split_whitespace(rest)
        if len(parts) < 2:
            raise _Located(f"{keyword} must have two arguments", rest)
        # Go splits at most once: the value is everything after the first blank run
        key = parts[0]
        value = rest[len(key) :].lstrip("\t\v\f\r ")
        return [key, value, ""]
    out: list[str] = []
    for word in words:
        if "=" not in word:
            raise _Located(
                f"Syntax error - can't find = in {go_quote(word)}. Must be of the form: name=value",
                word,
            )
        key, value = word.split("=", 1)
        out += [key, value, "="]
    return out


def _health(rest: str) -> tuple[list[str], bool]:
    original = rest
    rest = _as_go_bytes(rest)  # BuildKit scans this byte by byte too
    sep = 0
    while sep < len(rest) and rest[sep] not in GO_SPACES:
        sep += 1
    if sep == 0:
        return [], False
    nxt = sep
    while nxt < len(rest) and rest[nxt] in GO_SPACES:
        nxt += 1
    cmd, is_json = _maybe_json(_from_go_bytes(rest[nxt:], original))
    return [_from_go_bytes(rest[:sep], original), *cmd], is_json


def _split_command(line: str) -> tuple[str, list[str], str]:
    line = line.strip(_SPACES)
    m = _RE_WHITESPACE.search(line)
    if m is None:  # no separator: no arguments at all
        return line, [], ""
    cmd = line[: m.start()]
    rest = line[m.end() :]
    if rest[0] not in GO_SPACES and not rest.startswith("--"):
        return cmd, [], rest.strip(_SPACES)  # no flags: what _extract_flags would return
    rest, flags = _extract_flags(rest)
    return cmd, flags, rest.strip(_SPACES)


#: How each instruction's arguments are read (BuildKit's dispatch table, by lower-case name).
_ARGS_FORM = {
    "add": "json-list",
    "copy": "json-list",
    "volume": "json-list",
    "cmd": "json",
    "entrypoint": "json",
    "run": "json",
    "shell": "json",
    "arg": "words",
    "env": "name-val",
    "label": "name-val",
    "expose": "split",
    "from": "split",
    "healthcheck": "health",
    "maintainer": "string",
    "stopsignal": "string",
    "user": "string",
    "workdir": "string",
    "onbuild": "onbuild",
}


def node_from_line(line: str, esc: str) -> Instruction:
    """One logical line (continuations joined) to an Instruction; ValueError when invalid."""
    cmd, flags, rest = _split_command(line)
    keyword = cmd.translate(_ASCII_UPPER)
    ins = Instruction(keyword, None, flags, False, None, line)
    form = _ARGS_FORM.get(cmd.lower())
    try:
        if form == "json-list":
            ins.args, ins.json_form = _maybe_json_list(rest)
        elif form == "json":
            ins.args, ins.json_form = _maybe_json(rest)
        elif form == "words":
            ins.args = _parse_words(rest, esc)
        elif form == "name-val":
            ins.args = _name_val(rest, keyword, esc)
        elif form == "split":
            ins.args = _split_whitespace(rest) if rest else []
        elif form == "health":
            ins.args, ins.json_form = _health(rest)
        elif form == "string":
            ins.args = [rest] if rest else []
        elif form == "onbuild":
            if rest:
                ins.next = node_from_line(rest, esc)
        else:
            ins.args = [""]  # BuildKit keeps unknown instructions with one empty argument
    except _NotStrings:
        raise _Located(_NOT_STRINGS, "[") from None
    return ins


def _heredoc_from_word(word: str) -> Heredoc | None:
    """``[n]<<[-]NAME`` with NAME possibly quoted; None when the word is no heredoc."""
    i = 0
    while i < len(word) and "0" <= word[i] <= "9":
        i += 1
    if not word.startswith("<<", i):
        return None
    fd = int(word[:i]) if 0 < i <= 20 else 0
    if fd >= 1 << 64:  # Go's ParseUint fails and BuildKit ignores the error
        fd = 0
    j = i + 2
    chomp = word.startswith("-", j)
    if chomp:
        j += 1
    rest = word[j:]
    if "<" in rest or not rest:
        return None
    try:
        words = Lexer("\\", skip_unset=True).process(rest, {})[1]
        if len(words) != 1:
            return None
        raw = Lexer("\\", raw_quotes=True, skip_unset=True).process(rest, {})[1]
    except ShellError as exc:
        raise _Located(str(exc), word) from None
    if len(raw) != len(words):
        raise _Located(f"internal lexing of heredoc produced inconsistent results: {rest}", word)
    name = words[0]
    quotes = name.count("'") + name.count('"')
    raw_quotes = raw[0].count("'") + raw[0].count('"')
    return Heredoc(name=name, content="", chomp=chomp, expand=quotes == raw_quotes, fd=fd)


def _heredocs_in(line: str) -> list[Heredoc]:
    try:
        words = Lexer("\\", raw_quotes=True, raw_escapes=True, skip_unset=True).process(line, {})[1]
    except ShellError:
        return []
    docs = []
    for word in words:
        if "<<" in word:
            doc = _heredoc_from_word(word)
            if doc is not None:
                docs.append(doc)
    return docs


def _can_have_heredoc(ins: Instruction) -> bool:
    if ins.keyword == "ONBUILD" and ins.next is not None:
        ins = ins.next
    return ins.keyword in HEREDOC_KEYWORDS and not ins.json_form


def parse_instructions(
    text: str, path: str | None = None
) -> tuple[list[Instruction], dict[str, str], str, list[str], list[Warning]]:
    """The flat instruction list, directives, escape, source lines and warnings."""
    lines = _split_lf(text)
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    d = _Directives()
    out: list[Instruction] = []
    warnings: list[Warning] = []
    comments: list[str] = []
    total = len(lines)
    idx = 0  # index of the next raw line; equals BuildKit's currentLine

    def fail(
        what: str, line: int, needle: str | re.Pattern[str] | None = None, last: int = 0
    ) -> ParseError:
        """The error at ``line``; with ``needle`` (text or pattern), at the first place on
        lines ``line`` to ``last`` where it occurs (line and column move there), else column 1."""
        line = max(line, 1)
        column = 1
        if needle:
            for number in range(line, max(last, line) + 1):
                text = lines[number - 1] if number <= total else ""
                if isinstance(needle, str):
                    at = text.find(needle)
                else:
                    m = needle.search(text)
                    at = m.start() if m else -1
                if at >= 0:
                    line, column = number, at + 1
                    break
        return ParseError(what, path=path, line=line, column=column)

    def fail_at(exc: ValueError, line: int, last: int) -> ParseError:
        return fail(str(exc), line, getattr(exc, "needle", None), last)

    while idx < total:
        raw = lines[idx]
        token = raw.rstrip("\r\n").lstrip(_SPACES)
        comment = token.startswith("#")  # a comment line (blanks before the '#' allowed)
        if comment:
            comments.append(raw[1:].strip(_SPACES))
        if not d.done:
            problem = d.feed(token)
            if problem:
                raise fail(problem, idx + 1, "#")
        if comment:
            token = ""
        idx += 1
        start = idx
        esc = d.escape
        # _trim_continuation(token, esc), written out: it runs for every line
        trimmed = token.rstrip(" \t")
        if trimmed.endswith(esc) and (len(trimmed) == 1 or trimmed[-2] != esc):
            line, eol = trimmed[:-1], False
        elif not token:
            continue
        else:
            line, eol = token, True
        empty_continuation = False
        if not eol:
            parts = [line]
            while not eol and idx < total:
                raw = lines[idx]
                token = _trim_newline(raw)
                idx += 1
                if token.lstrip(_SPACES).startswith("#"):
                    continue
                if not token.lstrip(_SPACES):
                    empty_continuation = True
                    continue
                piece, eol = _trim_continuation(token, esc)
                parts.append(piece)
            line = "".join(parts)
        if empty_continuation:
            warnings.append(Warning(idx, "Empty continuation line found in: " + line))
        try:
            ins = node_from_line(line, esc)
        except ValueError as exc:
            raise fail_at(exc, start, idx) from None
        ins.comments = comments
        if "<<" in line and _can_have_heredoc(ins):
            try:
                docs = _heredocs_in(line)
            except ValueError as exc:
                raise fail_at(exc, start, idx) from None
            end_of_line = idx  # the heredoc words are on the instruction's own lines
            for doc in docs:
                body: list[str] = []
                terminated = False
                while idx < total:
                    raw = lines[idx]
                    idx += 1
                    candidate = _trim_newline(raw)
                    if doc.chomp:
                        candidate = candidate.lstrip("\t")
                    if candidate == doc.name:
                        terminated = True
                        break
                    body.append(raw)
                if not terminated:
                    word = re.compile("<<-?[\"']?" + re.escape(doc.name))
                    raise fail(f"unterminated heredoc {doc.name}", start, word, end_of_line)
                doc.content = "".join(body)
                ins.heredocs.append(doc)
        ins.start_line = start
        ins.end_line = idx
        if ins.next is not None:
            ins.next.start_line, ins.next.end_line = start, idx
            ins.next.heredocs = ins.heredocs
        out.append(ins)
        comments = []
    if not out:
        raise fail("file with no instructions", total)
    return out, dict(d.values), d.escape, lines, warnings


def _split_lf(text: str) -> list[str]:
    """Split on '\\n' only, keeping it (BuildKit never splits on a lone '\\r')."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def read_text(path: str | Path) -> str:
    """Dockerfile bytes to text; undecodable bytes survive as surrogate escapes."""
    return Path(path).read_bytes().decode("utf-8", errors="surrogateescape")


def go_quote(s: str) -> str:
    """Go's ``strconv.Quote``: the exact quoting of BuildKit's dump format."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif 0xDC80 <= o <= 0xDCFF:  # an undecodable byte
            out.append(f"\\x{o - 0xDC00:02x}")
        elif ch.isprintable():
            out.append(ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\\ufffd")
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def dump_instruction(ins: Instruction) -> str:
    """One instruction in BuildKit's dump format, without the outer parentheses."""
    parts = [ins.keyword.lower()]
    if ins.flags:
        parts.append("[" + " ".join(go_quote(f) for f in ins.flags) + "]")
    if ins.next is not None:
        parts.append("(" + dump_instruction(ins.next) + ")")
    parts.extend(go_quote(a) for a in ins.args)
    return " ".join(parts).strip()


def dump(df: Dockerfile) -> str:
    """The whole file in BuildKit's dump format (one line per instruction)."""
    return "".join("(" + dump_instruction(i) + ")\n" for i in df.instructions)
