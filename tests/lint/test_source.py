"""The lint view of a Dockerfile: the project parser and the fallback reader must agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagesmith.lint import source
from stagesmith.lint.engine import run_rules

HERE = Path(__file__).parent
#: Ordinary Dockerfiles (the parser's edge-case corpus is the parser's business: the fallback
#: reader is only a safety net for plain files).
CORPUS = sorted(HERE.glob("fixtures/*/Dockerfile"))


def _fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "_from_parser", lambda text, path: None)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.parent.name + "/" + p.name)
def test_reader_and_parser_give_the_same_findings(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        via_parser = [(f.rule, f.line) for f in run_rules(source.load(text, "D"))]
    except source.LintParseError:
        pytest.skip("the parser rejects this file")
    _fallback(monkeypatch)
    via_reader = [(f.rule, f.line) for f in run_rules(source.load(text, "D"))]
    assert via_reader == via_parser


def test_fallback_reader_basics(monkeypatch: pytest.MonkeyPatch) -> None:
    _fallback(monkeypatch)
    doc = source.load(
        "# escape=`\nARG V=3.12\nFROM python:${V} AS Build\nRUN --mount=type=cache,target=/c `\n"
        "  # comment inside\n  echo hi\nCOPY <<EOF /x\nbody\nEOF\n",
        "D",
    )
    assert [i.keyword for i in doc.instructions] == ["ARG", "FROM", "RUN", "COPY"]
    run = doc.instructions[2]
    assert run.flags == {"mount": ["type=cache,target=/c"]}
    assert run.args == "echo hi" and (run.start_line, run.end_line) == (4, 6)
    assert doc.instructions[3].heredocs == ["body"] and doc.instructions[3].end_line == 9
    assert doc.stages[0].base == "python:3.12" and doc.stages[0].name == "build"


@pytest.mark.parametrize("text", ["FROM a\nRUN <<EOF\nx\n", "", "# only a comment\n", "FROM a\x00"])
def test_fallback_reader_rejects_what_buildkit_rejects(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fallback(monkeypatch)
    with pytest.raises(source.LintParseError, match=r"^D:\d+:\d+: "):
        source.load(text, "D")


def test_a_crashing_rule_becomes_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    from stagesmith.lint import engine

    def boom(doc: object, ctx: object) -> list[tuple[object, str]]:
        raise RuntimeError("kaput")

    rules = engine.all_rules()
    broken = engine.Rule("SS199", "broken", engine.Severity.WARNING, None, boom, "")
    monkeypatch.setitem(engine._RULES, "SS199", broken)
    found = run_rules(source.load("FROM alpine:3.20\nUSER 1\n", "D"))
    internal = [f for f in found if f.rule == "SS000"]
    assert len(internal) == 1 and "SS199 crashed: RuntimeError: kaput" in internal[0].message
    assert len(engine.all_rules()) == len(rules) + 1


def test_parser_bug_falls_back_to_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    import stagesmith.dockerfile as dfmod

    def broken(text: str, path: str | None = None) -> None:
        raise IndexError("parser bug")

    monkeypatch.setattr(dfmod, "parse", broken)
    doc = source.load("FROM alpine:3.20\nCOPY --from=nope /a /a\n", "D")
    assert [f.rule for f in run_rules(doc) if f.rule == "SS101"] == ["SS101"]
