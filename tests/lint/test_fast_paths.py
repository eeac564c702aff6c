"""The linter's shortcuts (written for speed) give exactly what the plain code they replace
gives: file discovery, the shell word split, the JSON layout, per-file memos."""

from __future__ import annotations

import csv
import fnmatch
import json
import os
import random
import re
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from stagesmith import __version__
from stagesmith.dockerfile.helpers import Mount, parse_mount
from stagesmith.errors import StagesmithError, UsageError
from stagesmith.lint import command, shell
from stagesmith.lint.config import LintSettings
from stagesmith.lint.discover import _PATTERNS, _SKIP_DIRS, expand, is_dockerfile_name
from stagesmith.lint.engine import Context, all_rules, run_rules
from stagesmith.lint.formats import render_json
from stagesmith.lint.model import Severity
from stagesmith.lint.runner import lint_paths
from stagesmith.lint.source import load

HERE = Path(__file__).parent
CORPORA = [HERE / "fixtures", HERE.parent / "fixtures" / "dockerfiles"]


def _walk_reference(top: str) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        found += [
            os.path.join(dirpath, f)
            for f in sorted(filenames)
            if any(fnmatch.fnmatchcase(f, p) for p in _PATTERNS)
        ]
    return found


@pytest.mark.parametrize(
    "name",
    [
        "Dockerfile",
        "Containerfile",
        "Dockerfile.dev",
        "Dockerfile.",
        "Containerfile.x",
        "api.Dockerfile",
        ".Dockerfile",
        "dockerfile",
        "DockerfileX",
        "aDockerfile",
        "Dockerfile.d/x",
        "Containerfiles",
        "x.dockerfile",
    ],
)
def test_dockerfile_names_as_fnmatch_reads_the_patterns(name: str) -> None:
    assert is_dockerfile_name(name) == any(fnmatch.fnmatchcase(name, p) for p in _PATTERNS)


def test_directory_walk_matches_os_walk(tmp_path: Path) -> None:
    for rel in [
        "Dockerfile",
        "b/Dockerfile.prod",
        "b/a.Dockerfile",
        "b/notes.txt",
        "a/Containerfile",
        "a/z/y/Dockerfile",
        "node_modules/Dockerfile",
        ".git/Dockerfile",
        "c/.venv/Dockerfile",
        "c/Dockerfile",
        "Dockerfile.d/Dockerfile",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("FROM scratch\n")
    (tmp_path / "link").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "b" / "Dockerfile").symlink_to(tmp_path / "c" / "Dockerfile")
    (tmp_path / "b" / "Dockerfile.broken").symlink_to(tmp_path / "missing")
    got = expand([str(tmp_path)])
    assert got == _walk_reference(str(tmp_path))
    assert str(tmp_path / "link" / "Containerfile") not in got  # symlinked dirs: not entered
    for corpus in CORPORA:
        assert expand([str(corpus)]) == _walk_reference(str(corpus))


def _commands_reference(text: str) -> tuple[tuple[str, ...], ...]:
    """The word split as written before the fast path: shlex on every chunk."""
    result = []
    for chunk in re.split(r"&&|\|\||;|\||\n", text):
        try:
            words = shlex.split(chunk, comments=True)
        except ValueError:
            words = chunk.split()
        while words and (
            re.match(r"^\w+=", words[0]) or words[0] in ("sudo", "exec", "then", "do", "(", "{")
        ):
            words = words[1:]
        if words:
            result.append(tuple(words))
    return tuple(result)


def _run_texts() -> list[str]:
    texts = [
        "apt-get install -y gcc",
        "pip install 'a b' c",
        'echo "x  y"\tz',
        "echo a#b # c",
        "echo a\\ b",
        "echo \x0bx\x0cy\x1cz",
        "echo\u00a0nbsp\u2003em",
        "echo 'unterminated",
        "A=1 B=2 sudo exec apt-get install x",
        "\r\n",
        "",
        "  ",
    ]
    for corpus in CORPORA:
        for path in sorted(corpus.rglob("*Dockerfile*")):
            for line in path.read_text(errors="replace").splitlines():
                if line.lstrip().upper().startswith("RUN "):
                    texts.append(line.strip()[4:])
    return texts


def test_shell_split_matches_shlex() -> None:
    texts = _run_texts()
    assert len(texts) > 50
    for text in texts:
        shell._COMMANDS.clear()
        assert shell._commands(text) == _commands_reference(text), text


def test_shell_memo_is_emptied_for_each_document() -> None:
    first = load("FROM debian\nRUN apt-get install -y gcc\n")
    second = load("FROM debian\nRUN apt-get install -y make\n")
    run_rules(first, Context())
    assert "apt-get install -y gcc" in shell._COMMANDS
    run_rules(second, Context())
    assert "apt-get install -y gcc" not in shell._COMMANDS
    assert "apt-get install -y make" in shell._COMMANDS


def test_json_report_is_json_dumps_of_the_findings() -> None:
    paths = [p for corpus in CORPORA for p in expand([str(corpus)])]
    report = lint_paths(paths, LintSettings())
    assert len(report.findings) > 100
    assert any(not f.message.isascii() or f.hadolint is None for f in report.findings)
    counts = Counter(f.severity for f in report.findings)
    expected = {
        "tool": "stagesmith",
        "version": __version__,
        "files": report.files,
        "findings": [f.to_dict() for f in report.findings],
        "summary": {"findings": len(report.findings), **{str(s): counts[s] for s in Severity}},
    }
    assert render_json(report) == json.dumps(expected, indent=2) + "\n"


def _parse_mount_reference(value: str) -> list[str]:
    try:
        return next(csv.reader([value]), [])
    except csv.Error:
        return value.split(",")


def test_mount_fields_without_csv_match_csv() -> None:
    rng = random.Random(7)
    alphabet = 'ab=,"\\ \t\r\n\0x'
    values = ["", ",", "type=cache,target=/root/.cache", 'type=bind,"source=a,b"', "a\rb"]
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9))) for _ in range(3000)]
    for value in values:
        got = parse_mount(value)
        want = Mount(raw=value)
        for item in _parse_mount_reference(value):
            key, sep, val = item.partition("=")
            key = key.strip().lower()
            if not sep:
                want.options[key] = "true"
            elif key == "type":
                want.type = val.lower()
            elif key == "from":
                want.from_ = val
            elif key in ("source", "src"):
                want.source = val
            elif key in ("target", "dst", "destination"):
                want.target = val
            elif key == "id":
                want.id = val
            else:
                want.options[key] = val
        assert got == want, value


def _argparse(args: list[str]) -> dict[str, object] | str:
    try:
        return vars(command.parser().parse_args(args))
    except UsageError as exc:
        return f"error: {exc}"


def test_simple_option_parsing_agrees_with_argparse() -> None:
    """Whatever the hand parser accepts, argparse reads the same way; what it declines
    (None) goes to argparse. Random command lines from the options' own words."""
    words = [
        "-f", "--format", "--format=json", "--format=", "json", "--config", "c.yaml",
        "-t", "--failure-threshold", "--failure-threshold=info", "warning", "--ignore",
        "--ignore=SS101", "SS105,SS120", "--target", "--target=app", "app", "--color",
        "--no-color", "--list-rules", "-", "Dockerfile", "dir/", "--", "-x", "--bogus",
        "-fjson", "--form", "-1", "--color=yes", "-f=json", "",
    ]  # fmt: skip
    rng = random.Random(3)
    cases = [["Dockerfile"], ["-f", "json", "a", "b"], ["a", "b", "-f", "json"], []]
    cases += [[rng.choice(words) for _ in range(rng.randint(0, 6))] for _ in range(4000)]
    accepted = 0
    for args in cases:
        simple = command.parse_simple(args)
        if simple is not None:
            accepted += 1
            assert simple == _argparse(args), args
    assert accepted > 300


def test_lint_does_not_import_heavy_modules(tmp_path: Path) -> None:
    """The start-up of ``stagesmith lint`` (run once per file by hooks): none of the CLI
    framework, the config readers, or the standard modules it used to pay for."""
    clean = tmp_path / "clean" / "Dockerfile"
    clean.parent.mkdir()
    clean.write_text("FROM alpine:3.20\nUSER 1000\n")
    found = tmp_path / "found" / "Dockerfile"
    found.parent.mkdir()
    found.write_text(
        "FROM python:3.12 AS build\nRUN --mount=type=cache,target=/root/.cache pip install x\n"
        "FROM python:3.12-slim\nCOPY --from=build /usr/local /usr/local\n"
        "RUN apt-get install -y 'gcc' && echo \"a#b\"\nCMD python app.py\n"
    )
    heavy = {
        "typer", "click", "rich", "pydantic", "jinja2", "yaml", "ruamel", "tomllib",
        "dataclasses", "inspect", "argparse", "gettext", "pkgutil", "csv",
    }  # fmt: skip
    for fmt, path in [("json", clean), ("text", found), ("json", tmp_path)]:
        code = (
            "import sys\n"
            "from stagesmith.cli.main import main\n"
            "try:\n"
            f"    main(['lint', '-t', 'style', '-f', {fmt!r}, {str(path)!r}])\n"
            "except SystemExit as exc:\n"
            f"    got = sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(heavy)!r}))\n"
            "    print('EXIT', exc.code, 'HEAVY', got)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
        )
        last = proc.stdout.strip().splitlines()[-1]
        assert last.endswith("HEAVY []"), (fmt, path, last, proc.stderr)
        assert last.startswith("EXIT 0" if path == clean else "EXIT 1"), last


def test_rules_skipped_by_keyword_have_nothing_to_say_there() -> None:
    """A rule that names its instructions (``keywords=``) is not run on files without them:
    run anyway on every corpus file lacking them (and on variants with those lines dropped),
    it reports nothing."""
    texts = []
    for corpus in CORPORA:
        for name in expand([str(corpus)]):
            text = Path(name).read_text(errors="surrogateescape")
            texts.append(text)
            for keyword in ("RUN", "COPY", "ADD", "ENV", "ARG", "CMD", "EXPOSE", "WORKDIR"):
                kept = [ln for ln in text.splitlines() if not ln.upper().startswith(keyword)]
                texts.append("\n".join(kept) + "\n")
            texts.append(re.sub(r"--from=\S*", "", text, flags=re.IGNORECASE))
    gated = [r for r in all_rules().values() if r.keywords is not None]
    assert len(gated) >= 10
    checked = 0
    for text in texts:
        try:
            doc = load(text)
        except StagesmithError:
            continue
        present = doc.keywords()
        for r in gated:
            if r.keywords is not None and r.keywords.isdisjoint(present):
                checked += 1
                assert list(r.check(doc, Context())) == [], (r.id, text)
    assert checked > 1000


def test_program_run_leaves_at_once_with_all_its_output(tmp_path: Path) -> None:
    """``python -m stagesmith lint`` ends without the interpreter's teardown: stdout (more
    than a pipe buffer of JSON) and stderr arrive whole, and the exit code is kept."""
    for i in range(150):
        d = tmp_path / f"{i:03d}"
        d.mkdir()
        (d / "Dockerfile").write_text(
            "FROM python:latest\nRUN pip install flask\nCMD python app.py\n"
        )
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "Dockerfile").write_text('FROM alpine\nCMD ["a", 1]\n')
    proc = subprocess.run(
        [sys.executable, "-m", "stagesmith", "lint", "-f", "json", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["files"]) == 150 and data["summary"]["findings"] >= 450
    assert len(proc.stdout) > 65536
    assert proc.stderr.startswith("stagesmith: error: ") and proc.stderr.count("\n") == 1
    ok = subprocess.run(
        [sys.executable, "-m", "stagesmith", "lint", str(tmp_path / "000")],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and ok.stdout.endswith("in 1 file\n"), ok
