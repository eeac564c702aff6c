"""`stagesmith parse`: dump, JSON, stdin, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", *args], capture_output=True, text=True, input=stdin
    )


MULTI = """\
# syntax=docker/dockerfile:1
ARG BASE=python:3.11-slim
FROM ${BASE} AS build
RUN --mount=type=cache,target=/root/.cache pip wheel -w /w .
FROM build AS test
RUN pytest
FROM ${BASE}
COPY --from=build /w /w
"""


def test_dump_from_file(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM alpine\nRUN echo hi \\\n  there\n")
    proc = run("parse", str(path), "--dump")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == '(from "alpine")\n(run "echo hi   there")\n'


def test_json_from_stdin_has_instructions_and_graph() -> None:
    proc = run("parse", "-", "--json", stdin=MULTI)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["directives"] == {"syntax": "docker/dockerfile:1"}
    assert [i["keyword"] for i in data["instructions"]] == [
        "ARG", "FROM", "RUN", "FROM", "RUN", "FROM", "COPY",
    ]  # fmt: skip
    graph = data["graph"]
    assert [s["resolved_base"] for s in graph["stages"]] == [
        "python:3.11-slim",
        "build",
        "python:3.11-slim",
    ]
    assert {(e["stage"], e["depends_on"], e["kind"]) for e in graph["edges"]} == {
        (1, 0, "from"),
        (2, 0, "copy"),
    }
    assert graph["reachable"] == [0, 2]


def test_parse_error_is_one_line_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM a\nENV PATH\n")
    proc = run("parse", str(path))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == f"stagesmith: error: {path}:2:5: ENV must have two arguments\n"


def test_missing_file_and_conflicting_flags() -> None:
    proc = run("parse", "/no/such/Dockerfile")
    assert proc.returncode == 2 and "no such file" in proc.stderr
    proc = run("parse", "-", "--dump", "--json", stdin="FROM a\n")
    assert proc.returncode == 2 and "cannot be used together" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bytes_that_are_not_utf8_survive_both_outputs(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"FROM a\nRUN echo \xff\n")
    proc = subprocess.run(
        [sys.executable, "-m", "stagesmith", "parse", str(path), "--json"], capture_output=True
    )
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["instructions"][1]["args"] == ["echo \udcff"]
    assert run("parse", str(path)).stdout == '(from "a")\n(run "echo \\xff")\n'
