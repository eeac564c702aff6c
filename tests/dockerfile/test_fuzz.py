"""Fuzzing: whatever the input, only ParseError escapes, and we agree with BuildKit."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stagesmith.dockerfile import ParseError, dump, parse, to_dict
from tests.dockerfile.test_differential import CORPUS, compare

TOKENS = [
    *"\\`\"' \t\r\n#=[]{}$<-:,/aZ09",
    "<<EOF", "EOF", "<<-E", "E", "<<'Q'", "Q", "RUN ", "FROM ", " AS ", "ONBUILD ",
    "--mount=from=x ", "--from=x ", "# escape=`\n", "# escape=\\\n", "# syntax=x\n",
    "\\\n", "`\n", "ENV ", "LABEL ", "ARG ", "COPY ", "ADD ", "HEALTHCHECK ", "CMD ",
    '["a"]', '["a",1]', '[["a"]]', "\ufeff", "\xa0", "\x85", "é", "\r\n", "${a:-b}", "$a",
    "\r", "\v", "\f", "\x00", "# Escape = `\n", "#  syntax = a b \n", "# escape= \n",
    '["\\u00e9","\\ud800"]', '["a"\n', '--chown="a b" ', "--x='q' ", "-- ", "\t<<-EOF\n",
    "\tEOF\n", "EOF\n", "3<<EOF ", 'ARG a="b c" d\n', "ENV a b\n", "\\\\\n",
]  # fmt: skip

random_text = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=40).map("".join)
CORPUS_TEXTS = [p.read_text(encoding="utf-8") for p in CORPUS]


@st.composite
def mutated_corpus(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(CORPUS_TEXTS))
    for _ in range(draw(st.integers(1, 5))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "duplicate"]))
        if op == "insert":
            text = text[:pos] + draw(st.sampled_from(TOKENS)) + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 8)) :]
        else:
            start = draw(st.integers(0, len(text)))
            text = text[:pos] + text[start : start + draw(st.integers(1, 40))] + text[pos:]
    return text


def _only_parse_errors(text: str) -> None:
    try:
        df = parse(text, path="fuzz")
    except ParseError as exc:
        assert exc.line >= 1 and exc.column >= 1
        assert str(exc).startswith(f"fuzz:{exc.line}:{exc.column}: ")
        return
    dump(df)
    json.dumps(to_dict(df))
    graph = df.graph
    graph.reachable()
    for stage in df.stages:
        assert stage.instructions[0] is stage.from_instruction


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(random_text)
def test_random_text_raises_only_parse_errors(text: str) -> None:
    _only_parse_errors(text)


@FUZZ
@given(mutated_corpus())
def test_mutated_corpus_raises_only_parse_errors(text: str) -> None:
    _only_parse_errors(text)


@FUZZ
@given(st.text(max_size=200))
def test_arbitrary_unicode_raises_only_parse_errors(text: str) -> None:
    _only_parse_errors(text)


@FUZZ
@given(random_text)
def test_random_text_agrees_with_buildkit(text: str) -> None:
    compare(text)


@FUZZ
@given(mutated_corpus())
def test_mutated_corpus_agrees_with_buildkit(text: str) -> None:
    compare(text)
