"""Shell-word expansion and splitting with BuildKit's rules.

BuildKit does not run a shell to expand ``$VAR`` in Dockerfile instructions: it has
its own small lexer, and a Dockerfile means what that lexer says. This module
reproduces it (quotes, escapes, ``$VAR``/``${VAR}`` and the ``${VAR:-x}`` family,
``${VAR#pat}``/``${VAR%pat}``/``${VAR/pat/repl}``), so that the values we show and
check are the values ``docker build`` would use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from stagesmith.errors import StagesmithError

#: Go's ``unicode.IsSpace``: what BuildKit treats as blank when splitting words.
GO_SPACES = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)
_SPECIAL_PARAMS = frozenset("@*#?-$!0")
_GO_BLANKS = re.compile("[" + "".join(sorted(GO_SPACES)) + "]+")


def _plain(word: str, escape: str) -> bool:
    """Nothing for the lexer to do: no variable, quote, escape or leading BOM, so the word
    expands to itself (most FROM images and ARG defaults; the scanner is char by char)."""
    return (
        "$" not in word
        and "'" not in word
        and '"' not in word
        and escape not in word
        and not word.startswith("\ufeff")
    )


class ShellError(StagesmithError):
    """A word BuildKit would refuse to expand (unmatched quote, bad ``${...}``)."""


class _Words:
    """Accumulates words the way BuildKit does: blanks split, quoted text never does."""

    __slots__ = ("in_word", "word", "words")

    def __init__(self) -> None:
        self.words: list[str] = []
        self.word = ""
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if ch in GO_SPACES:
            if self.in_word and self.word:
                self.words.append(self.word)
                self.word = ""
                self.in_word = False
        else:
            self.add_raw_char(ch)

    def add_raw_char(self, ch: str) -> None:
        self.word += ch
        self.in_word = True

    def add_string(self, text: str) -> None:
        for ch in text:
            self.add_char(ch)

    def add_raw_string(self, text: str) -> None:
        self.word += text
        self.in_word = True

    def get(self) -> list[str]:
        if self.word:
            self.words.append(self.word)
            self.word = ""
            self.in_word = False
        return self.words


class Lexer:
    """One expansion pass over a word (not thread-safe; create one per use).

    The switches mirror BuildKit's: ``raw_quotes``/``raw_escapes`` keep quote and
    escape characters in the output (used to find heredoc markers), and
    ``skip_unset`` leaves references to unknown variables as written.
    """

    def __init__(
        self,
        escape: str = "\\",
        *,
        raw_quotes: bool = False,
        raw_escapes: bool = False,
        skip_unset: bool = False,
    ) -> None:
        self.escape = escape
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.skip_unset = skip_unset
        self.src = ""
        self.pos = 0
        self.env: Mapping[str, str] = {}
        self.unmatched: set[str] = set()

    def process(self, word: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
        """Return (expanded word, split words) or raise :class:`ShellError`."""
        if _plain(word, self.escape):
            return word, [w for w in _GO_BLANKS.split(word) if w]
        self.src = word
        # Go's text/scanner, which BuildKit's lexer reads through, skips a leading BOM
        self.pos = 1 if word.startswith("\ufeff") else 0
        self.env = env
        self.unmatched = set()
        try:
            return self._until(None, self.raw_escapes)
        except RecursionError:
            raise ShellError("substitutions nested too deeply") from None

    # -- the scanner -------------------------------------------------------

    def _next(self) -> str | None:
        if self.pos >= len(self.src):
            return None
        ch = self.src[self.pos]
        self.pos += 1
        return ch

    def _peek(self) -> str | None:
        return self.src[self.pos] if self.pos < len(self.src) else None

    def _until(self, stop: str | None, raw_escapes: bool) -> tuple[str, list[str]]:
        saved = self.raw_escapes
        self.raw_escapes = raw_escapes
        try:
            return self._until_inner(stop)
        finally:
            self.raw_escapes = saved

    def _until_inner(self, stop: str | None) -> tuple[str, list[str]]:
        src = self.src
        esc = self.escape
        result: list[str] = []
        words = _Words()
        while self.pos < len(src):
            ch = src[self.pos]
            if stop is not None and ch == stop:
                self.pos += 1
                return "".join(result), words.get()
            if ch == "$":
                tmp = self._dollar()
                result.append(tmp)
                words.add_string(tmp)
            elif ch == "'":
                tmp = self._single_quote()
                result.append(tmp)
                words.add_raw_string(tmp)
            elif ch == '"':
                tmp = self._double_quote()
                result.append(tmp)
                words.add_raw_string(tmp)
            else:
                self.pos += 1
                if ch == esc:
                    if self.raw_escapes:
                        words.add_raw_char(ch)
                        result.append(ch)
                    if self.pos >= len(src):
                        break
                    ch = src[self.pos]
                    self.pos += 1
                    words.add_raw_char(ch)
                else:
                    words.add_char(ch)
                result.append(ch)
        if stop is not None:
            raise ShellError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(result), words.get()

    def _single_quote(self) -> str:
        out: list[str] = []
        self.pos += 1
        if self.raw_quotes:
            out.append("'")
        while True:
            ch = self._next()
            if ch is None:
                raise ShellError(
                    "unexpected end of statement while looking for matching single-quote"
                )
            if ch == "'":
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            out.append(ch)

    def _double_quote(self) -> str:
        out: list[str] = []
        self.pos += 1
        if self.raw_quotes:
            out.append('"')
        esc = self.escape
        while True:
            ch = self._peek()
            if ch is None:
                raise ShellError(
                    "unexpected end of statement while looking for matching double-quote"
                )
            if ch == '"':
                self.pos += 1
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            if ch == "$":
                out.append(self._dollar())
                continue
            self.pos += 1
            if ch == esc:
                if self.raw_escapes:
                    out.append(ch)
                nxt = self._peek()
                if nxt is None:
                    continue
                if nxt in ('"', "$", esc):
                    ch = nxt
                    self.pos += 1
            out.append(ch)

    def _name(self) -> str:
        src = self.src
        start = self.pos
        if start < len(src):
            first = src[start]
            if first.isdecimal():
                while self.pos < len(src) and src[self.pos].isdecimal():
                    self.pos += 1
                return src[start : self.pos]
            if first in _SPECIAL_PARAMS:
                self.pos += 1
                return first
        while self.pos < len(src):
            ch = src[self.pos]
            if not (ch.isalpha() or ch.isdecimal() or ch == "_"):
                break
            self.pos += 1
        return src[start : self.pos]

    def _get(self, name: str) -> tuple[str, bool]:
        if name in self.env:
            return self.env[name], True
        self.unmatched.add(name)
        return "", False

    def _dollar(self) -> str:
        self.pos += 1
        if self._peek() != "{":
            name = self._name()
            if not name:
                return "$"
            value, found = self._get(name)
            if not found and self.skip_unset:
                return "$" + name
            return value
        self.pos += 1
        first = self._peek()
        if first is None:
            raise ShellError("syntax error: missing '}'")
        if first in "{}:":
            raise ShellError("syntax error: bad substitution")
        name = self._name()
        ch = self._next()
        chs = ch or ""
        null_is_unset = False
        if ch == "}":
            value, found = self._get(name)
            if not found and self.skip_unset:
                return "${" + name + "}"
            return value
        if ch == ":":
            null_is_unset = True
            ch = self._next()
            chs += ch or ""
        elif ch == "/":
            return self._replace(name)
        elif ch not in ("+", "-", "?", "#", "%"):
            raise ShellError(f"unsupported modifier ({chs}) in substitution")
        try:
            word, _ = self._until("}", ch in ("#", "%"))
        except ShellError:
            if self._peek() is None:
                raise ShellError("syntax error: missing '}'") from None
            raise
        value, found = self._get(name)
        if self.skip_unset and not found:
            return "${" + name + chs + word + "}"
        if ch == "-":
            return word if not found or (null_is_unset and value == "") else value
        if ch == "+":
            return "" if not found or (null_is_unset and value == "") else word
        if ch == "?":
            if not found:
                raise ShellError(f"{name}: {word or 'is not allowed to be unset'}")
            if null_is_unset and value == "":
                raise ShellError(f"{name}: {word or 'is not allowed to be empty'}")
            return value
        if ch in ("#", "%"):
            greedy = bool(word) and word[0] == ch
            if greedy:
                word = word[1:]
            return _trim(value, word, suffix=ch == "%", greedy=greedy)
        raise ShellError(f"unsupported modifier ({chs}) in substitution")

    def _replace(self, name: str) -> str:
        replace_all = self._peek() == "/"
        if replace_all:
            self.pos += 1
        try:
            pattern, _ = self._until("/", True)
        except ShellError:
            if self._peek() is None:
                raise ShellError("syntax error: missing '/' in ${}") from None
            raise
        try:
            replacement, _ = self._until("}", True)
        except ShellError:
            if self._peek() is None:
                raise ShellError("syntax error: missing '}'") from None
            raise
        value, found = self._get(name)
        if self.skip_unset and not found:
            return "${" + name + "/" + pattern + "/" + replacement + "}"
        rx = re.compile(_pattern_to_regex(pattern, greedy=True))
        if replace_all:
            return rx.sub(lambda _m: replacement, value)
        m = rx.search(value)
        if m:
            value = value[: m.start()] + replacement + value[m.end() :]
        return value


def _pattern_to_regex(pattern: str, *, greedy: bool) -> str:
    """Shell wildcard (``*``, ``?``, backslash escapes) to a Python regex."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        i += 1
        if ch == "*":
            out.append(".*" if greedy else ".*?")
        elif ch == "?":
            out.append(".")
        elif ch == "\\":
            nxt = pattern[i] if i < len(pattern) else ""
            if nxt in ("}", "/"):
                continue
            if nxt not in ("*", "?", "\\"):
                raise ShellError(f"invalid pattern ({pattern}) in substitution: invalid escape")
            out.append(re.escape(nxt))
            i += 1
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _trim(value: str, pattern: str, *, suffix: bool, greedy: bool) -> str:
    """``${v#p}``/``${v##p}`` (prefix) and ``${v%p}``/``${v%%p}`` (suffix) removal."""
    rx = re.compile(_pattern_to_regex(pattern, greedy=True), re.DOTALL)
    n = len(value)
    cuts = range(n + 1) if greedy != suffix else range(n, -1, -1)
    for cut in cuts:
        if suffix:
            if rx.fullmatch(value, cut):
                return value[:cut]
        elif rx.fullmatch(value, 0, cut):
            return value[cut:]
    return value


def expand(word: str, env: Mapping[str, str], escape: str = "\\") -> str:
    """Expand one word (quotes removed, variables substituted) as BuildKit does."""
    if _plain(word, escape):
        return word
    return Lexer(escape).process(word, env)[0]


def split_words(text: str, env: Mapping[str, str], escape: str = "\\") -> list[str]:
    """Expand ``text`` and split it into words (quoted blanks never split)."""
    return Lexer(escape).process(text, env)[1]
