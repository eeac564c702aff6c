"""The parser's shortcuts for plain text give what its general code gives: the flag scan,
the whitespace split and the shell lexer, on random strings made of the characters that
matter to each."""

from __future__ import annotations

import random

from stagesmith.dockerfile import parser
from stagesmith.dockerfile.shell import GO_SPACES, Lexer, expand


def _split_reference(rest: str) -> list[str]:
    """Go's ``reWhitespace.Split(rest, -1)``, char by char as the parser had it."""
    out: list[str] = []
    word: list[str] = []
    prev_sep = False
    for ch in rest:
        if ch in "\t\v\f\r ":
            if not prev_sep:
                out.append("".join(word))
                word = []
            prev_sep = True
        else:
            word.append(ch)
            prev_sep = False
    out.append("".join(word))
    return out


def _strings(alphabet: list[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10))) for _ in range(count)]


def test_plain_flag_scan_matches_the_byte_walk() -> None:
    alphabet = ["--", "-", "a", "=", " ", "\t", "\v", "\f", "\r", "\n", "--from=b", "x/y"]
    checked = 0
    for line in _strings(alphabet, 20000, 1):
        assert parser._extract_plain_flags(line) == parser._extract_flags_bytes(line), line
        checked += 1
    # and through the public entry, with text the shortcut declines
    for line in _strings([*alphabet, '"', "'", "\\", "é", "\xa0"], 5000, 2):
        want = (
            parser._from_go_bytes(parser._extract_flags_bytes(parser._as_go_bytes(line))[0], line),
            parser._extract_flags_bytes(parser._as_go_bytes(line))[1],
        )
        assert parser._extract_flags(line) == want, line
    assert checked == 20000


def test_whitespace_split_matches_go_split() -> None:
    for rest in _strings(["a", "b", " ", "\t", "\v", "\f", "\r", "\n", "\xa0"], 20000, 3):
        assert parser._split_whitespace(rest) == _split_reference(rest), rest


def _lex_reference(word: str, escape: str) -> tuple[str, list[str]]:
    lexer = Lexer(escape)
    lexer.src = word
    lexer.pos = 1 if word.startswith("\ufeff") else 0
    lexer.env = {}
    lexer.unmatched = set()
    return lexer._until(None, False)


def test_plain_words_skip_the_lexer_with_the_same_result() -> None:
    blanks = [*sorted(GO_SPACES)[:6], "\u2003", "\x1c"]
    alphabet = ["a", "b:1", "/", "-", "\ufeff", "`", *blanks]
    plain = 0
    for word in _strings(alphabet, 20000, 4):
        for escape in ("\\", "`"):
            want = _lex_reference(word, escape)
            assert Lexer(escape).process(word, {}) == want, (word, escape)
            assert expand(word, {}, escape) == want[0], (word, escape)
            plain += "`" not in word
    assert plain > 1000
