"""Differential test: our parser against BuildKit's Go parser (the `dockerfile` package).

The package wraps an older BuildKit parser, so two known, documented differences are
normalised away: it drops the ENV/LABEL separator argument ("=" or ""), and for
heredoc instructions it rebuilds ``original`` from the body (and loses the heredocs
of ONBUILD triggers; their line ranges are still compared). Everything else
(keywords, flags, values, JSON form, line ranges, heredoc names and bodies, and
which files are rejected) must agree exactly.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest

from stagesmith.dockerfile import Instruction, ParseError, parse
from tests.conftest import FIXTURES, SHARED

gofile = pytest.importorskip("dockerfile")

CORPUS = sorted((FIXTURES / "dockerfiles").glob("*.Dockerfile"))
BUILDKIT_CASES = sorted((SHARED / "conformance/buildkit/parser").glob("testfiles*/*/Dockerfile"))


def _ours(ins: Instruction) -> dict[str, Any]:
    target = ins.next if ins.next is not None else ins
    args = target.args
    if target.next is not None:  # ONBUILD ONBUILD ...: the package shows a blank value
        args = [""]
    elif target.keyword in ("ENV", "LABEL"):
        args = [a for i, a in enumerate(args) if i % 3 != 2]
    return {
        "cmd": ins.keyword.upper(),
        "sub_cmd": None if ins.next is None else ins.next.keyword.upper(),
        "json": target.json_form,
        "flags": list(ins.flags),
        # the package returns C strings: a NUL (from a JSON "\u0000") ends the value
        "value": [a.split("\x00", 1)[0] for a in args],
        "lines": (ins.start_line, ins.end_line),
        # the package does not report the heredocs of an ONBUILD trigger
        "heredocs": [] if ins.next else [(h.name, h.fd, h.content) for h in ins.heredocs],
        "original": None if ins.heredocs or "<<" in ins.original else ins.original,
    }


def _theirs(cmd: Any) -> dict[str, Any]:
    return {
        "cmd": (cmd.cmd or "").upper(),
        "sub_cmd": cmd.sub_cmd.upper() if cmd.sub_cmd else None,
        "json": cmd.json,
        "flags": list(cmd.flags),
        "value": list(cmd.value),
        "lines": (cmd.start_line, cmd.end_line),
        "heredocs": [(h.name, h.file_descriptor, h.content) for h in cmd.heredocs],
        "original": None if cmd.heredocs or "<<" in (cmd.original or "") else cmd.original or "",
    }


#: Newer BuildKit than the package knows: the `check` directive, and `${v%p}`,
#: `${v#p}`, `${v/p/r}` in the lexer (which decides whether `<<X` starts a heredoc).
_NEWER = re.compile(r"^[ \t]*#[ \t]*check[ \t]*=|\$\{[^}]*[%#/]", re.IGNORECASE | re.MULTILINE)


def compare(text: str) -> None:
    if _NEWER.search(text) or "\x00" in text:  # the package passes C strings: NUL ends them
        return
    try:
        expected = [_theirs(c) for c in gofile.parse_string(text)]
    except gofile.GoParseError:
        expected = None
    except UnicodeDecodeError:  # the package cannot return Go strings that are not UTF-8
        return
    try:
        got = [_ours(i) for i in parse(text).instructions]
    except ParseError:
        got = None
    if expected is None or got is None:
        assert (expected is None) == (got is None), f"rejection differs: go={expected} ours={got}"
        return
    assert len(got) == len(expected)
    for mine, go in zip(got, expected, strict=True):
        assert mine == go


def test_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 60


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_file_agrees_with_buildkit(path: Path) -> None:
    compare(path.read_bytes().decode("utf-8"))


@pytest.mark.parametrize(
    "path", BUILDKIT_CASES, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}"
)
def test_buildkit_case_agrees_with_buildkit(path: Path) -> None:
    compare(path.read_bytes().decode("utf-8"))


def _variations(text: str, rng: random.Random) -> list[str]:
    """Same file with CRLF endings, a BOM, extra indentation, blank lines and comments."""
    lines = text.split("\n")
    return [
        text.replace("\n", "\r\n"),
        "\ufeff" + text,
        "\n".join(("  " + ln if ln and rng.random() < 0.5 else ln) for ln in lines),
        "\n".join(ln + ("\n" if rng.random() < 0.3 else "") for ln in lines),
        "\n".join(("# note\n" + ln if rng.random() < 0.2 else ln) for ln in lines),
        text.rstrip("\n"),
        text.replace(" \\\n", " \\\n\n", 1),
    ]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_generated_variations_agree(path: Path) -> None:
    rng = random.Random(path.stem)
    for variant in _variations(path.read_bytes().decode("utf-8"), rng):
        compare(variant)
