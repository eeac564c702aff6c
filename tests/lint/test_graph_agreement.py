"""`stagesmith parse --json` and `stagesmith lint` read stage relations from one graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stagesmith.cli.main import main
from stagesmith.dockerfile import parse
from stagesmith.lint.engine import Context
from stagesmith.lint.graph import final_stage, reachable, references
from stagesmith.lint.source import load

CASES = {
    "forward mount by name": (
        "FROM alpine:3.20 AS app\nRUN --mount=from=late,target=/d ls\nFROM alpine:3.20 AS late\n"
        "FROM alpine:3.20 AS other\n"
    ),
    "forward mount by index": (
        "FROM alpine:3.20 AS app\nRUN --mount=from=1,target=/d ls\nFROM alpine:3.20 AS late\n"
        "FROM alpine:3.20 AS other\n"
    ),
    "forward copy": "FROM alpine:3.20 AS a\nCOPY --from=b /x /x\nFROM alpine:3.20 AS b\n",
    "duplicate names": (
        "FROM alpine:3.20 AS x\nFROM alpine:3.20 AS x\nFROM alpine:3.20\nCOPY --from=x /a /a\n"
    ),
    "chain": "FROM alpine:3.20 AS a\nFROM a AS b\nFROM alpine:3.20 AS c\nCOPY --from=b /x /x\n",
}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    return int(exc.value.code or 0), capsys.readouterr().out


@pytest.mark.parametrize("name", CASES)
def test_parse_json_reachable_is_what_lint_uses(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(CASES[name])
    code, out = _run(capsys, "parse", "--json", str(f))
    assert code == 0
    graph = json.loads(out)["graph"]
    doc = load(CASES[name], str(f))
    final = final_stage(doc, Context())
    assert final is not None
    assert sorted(reachable(doc, final)) == graph["reachable"]
    # SS105 reports exactly the stages the parse output leaves out
    code, out = _run(capsys, "lint", "-f", "json", str(f))
    unused_lines = {x["line"] for x in json.loads(out)["findings"] if x["rule"] == "SS105"}
    expected = {
        s["start_line"]
        for s in graph["stages"]
        if s["index"] not in graph["reachable"] and s["index"] < graph["target"]
    }
    assert unused_lines == expected


def test_forward_references_are_edges_marked_forward() -> None:
    df = parse(CASES["forward mount by index"])
    assert [(e.stage, e.depends_on, e.kind, e.forward) for e in df.graph.edges] == [
        (0, 1, "mount", True)
    ]
    assert df.graph.unknown_refs == []
    doc = load(CASES["forward mount by name"], "D")
    assert [(r.ref, r.forward, r.target is doc.stages[1]) for r in references(doc)] == [
        ("late", True, True)
    ]


def test_lint_graph_is_built_on_the_parser_graph() -> None:
    doc = load(CASES["chain"], "D")
    assert doc.graph is doc.df.graph if doc.df is not None else False
    assert reachable(doc, doc.stages[-1]) == doc.graph.reachable(None) == {0, 1, 2}
