"""The lint view of a Dockerfile, read only through the project parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagesmith.dockerfile import parse
from stagesmith.lint import source
from stagesmith.lint.engine import run_rules

HERE = Path(__file__).parent


def test_view_basics() -> None:
    doc = source.load(
        "# escape=`\nARG V=3.12\nFROM python:${V} AS Build\nRUN --mount=type=cache,target=/c `\n"
        '  # comment inside\n  echo hi\nCOPY <<EOF /x\nbody\nEOF\nCMD ["a", "b"]\n',
        "D",
    )
    assert [i.keyword for i in doc.instructions] == ["ARG", "FROM", "RUN", "COPY", "CMD"]
    run = doc.instructions[2]
    assert run.flags == {"mount": ["type=cache,target=/c"]}
    assert run.args == "echo hi" and (run.start_line, run.end_line) == (4, 6)
    assert doc.instructions[3].heredocs == ["body\n"] and doc.instructions[3].end_line == 9
    assert doc.instructions[4].json_form == ["a", "b"] and run.json_form is None
    assert doc.stages[0].base == "python:3.12" and doc.stages[0].name == "build"
    assert doc.global_args == {"V": "3.12"}


def test_lines_are_the_parsers_lines() -> None:
    """Only \\n ends a line (str.splitlines would also split on \\x0b, \\x0c, \\x1c...)."""
    text = "FROM alpine:3.20\nRUN echo a\x0bb\x1cc\r\nUSER 1\n"
    doc = source.load(text, "D")
    assert doc.lines == ["FROM alpine:3.20", "RUN echo a\x0bb\x1cc", "USER 1"]
    assert [i.start_line for i in doc.instructions] == [1, 2, 3]


@pytest.mark.parametrize("text", ["FROM a\nRUN <<EOF\nx\n", "", "# only a comment\n", "FROM a\x00"])
def test_unreadable_input_is_a_parse_error(text: str) -> None:
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


def test_a_parser_bug_surfaces(monkeypatch: pytest.MonkeyPatch) -> None:
    """No silent fallback: an exception from the parser that is not a ParseError propagates
    (the CLI turns it into one `internal error` line, exit 70)."""

    def broken(text: str, path: str | None = None) -> None:
        raise IndexError("parser bug")

    monkeypatch.setattr(source, "parse", broken)
    with pytest.raises(IndexError, match="parser bug"):
        source.load("FROM alpine:3.20\nCOPY --from=nope /a /a\n", "D")


def test_a_parser_bug_is_one_line_exit_70(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from stagesmith.cli.main import main

    def broken(text: str, path: str | None = None) -> None:
        raise IndexError("parser bug")

    monkeypatch.setattr(source, "parse", broken)
    f = tmp_path / "Dockerfile"
    f.write_text("FROM alpine:3.20\n")
    with pytest.raises(SystemExit) as exc:
        main(["lint", str(f)])
    err = capsys.readouterr().err
    assert exc.value.code == 70 and "internal error: IndexError: parser bug" in err
    assert err.count("\n") == 1


def test_onbuild_triggers_are_instructions_of_their_stage() -> None:
    doc = source.load(
        "FROM alpine:3.20 AS base\nONBUILD RUN apk add gcc\nONBUILD COPY --from=x /a /b\nUSER 1\n",
        "D",
    )
    stage = doc.stages[0]
    assert [i.keyword for i in stage.instructions] == ["ONBUILD", "ONBUILD", "USER"]
    assert [(t.keyword, t.onbuild, t.start_line) for t in stage.triggers] == [
        ("RUN", True, 2),
        ("COPY", True, 3),
    ]
    assert [i.keyword for i in stage.each("RUN", "USER")] == ["RUN", "USER"]
    assert stage.of("RUN") == []  # what the stage itself runs
    assert [i.keyword for i in doc.walk()] == ["FROM", "ONBUILD", "RUN", "ONBUILD", "COPY", "USER"]
    assert doc.stage_of(stage.triggers[1]) is stage
    assert parse("FROM a\nONBUILD RUN x\n").instructions[1].next is not None
