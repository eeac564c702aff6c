"""What the reports print for names a hostile or careless image can hold, through the real CLI.

File names, ``created_by`` strings and image names reach a terminal: control characters must
come out escaped (``\\x1b``, ``\\n``), Rich markup in them must stay text, and a name that is
not UTF-8 must not crash any output format. Numbers are shown with enough digits to agree
with the gates.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.archives import build, docker_archive, file

ESC_NAME = "usr/bin/\x1b[31mRED\x1b[0m"
NL_NAME = "usr/bin/line\nbreak"
MARKUP_NAME = "usr/bin/[bold]loud[/bold]"
LATIN1_NAME = "usr/bin/caf\udce9"  # the byte 0xe9 read with surrogateescape


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", *map(str, args)], capture_output=True, cwd=cwd
    )


def _hostile(tmp: Path) -> Path:
    layer = [
        file(ESC_NAME, b"a", 0o4755),
        file(NL_NAME, b"b", 0o4755),
        file(MARKUP_NAME, b"c", 0o4755),
    ]
    return docker_archive(
        tmp / "hostile.tar", [layer], history=["RUN echo \x1b]0;owned\x07 \x1b[2J done"]
    )


def test_text_report_escapes_control_characters_and_markup_in_names(tmp_path: Path) -> None:
    proc = run("inspect", _hostile(tmp_path))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    # Rich writes no colour to a pipe: any ESC or BEL on stdout came from the image
    assert "\x1b" not in out and "\x07" not in out
    assert "/usr/bin/\\x1b[31mRED\\x1b[0m is setuid" in out
    assert "/usr/bin/line\\nbreak is setuid" in out
    assert "/usr/bin/[bold]loud[/bold] is setuid" in out
    assert "\\x1b]0;owned\\x07" in out  # created_by
    assert not any(line.startswith("break") for line in out.splitlines())


def test_compare_escapes_names_on_either_side(tmp_path: Path) -> None:
    hostile = _hostile(tmp_path)
    plain = docker_archive(tmp_path / "plain.tar", [[file("usr/bin/tool", b"x")]])
    proc = run("compare", hostile, plain)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert "\x1b" not in out
    assert "/usr/bin/\\x1b[31mRED\\x1b[0m" in out  # only in A
    assert "[bold]loud[/bold]" in out


def _latin1(tmp: Path) -> Path:
    return docker_archive(tmp / "latin1.tar", [[file(LATIN1_NAME, b"x", 0o4755)]])


def test_non_utf8_names_are_escaped_in_text_json_and_html(tmp_path: Path) -> None:
    archive = _latin1(tmp_path)
    text = run("inspect", archive)
    assert text.returncode == 0, text.stderr
    assert "/usr/bin/caf\\xe9 is setuid" in text.stdout.decode()

    as_json = run("inspect", archive, "--json")
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)  # valid JSON, and the name reads back as it was
    assert any(f["subject"] == LATIN1_NAME for f in report["findings"])

    html = tmp_path / "r.html"
    proc = run("inspect", archive, "--html", html)
    assert proc.returncode == 0, proc.stderr
    assert b"UnicodeEncodeError" not in proc.stderr
    assert "caf\\xe9" in html.read_text(encoding="utf-8")


def test_compare_json_and_html_take_non_utf8_names(tmp_path: Path) -> None:
    archive = _latin1(tmp_path)
    plain = docker_archive(tmp_path / "plain.tar", [[file("usr/bin/tool", b"x")]])
    proc = run("compare", archive, plain, "--json", "--html", tmp_path / "c.html")
    assert proc.returncode == 0, proc.stderr
    diff = json.loads(proc.stdout)
    assert diff["only_in_a"]["largest"][0]["path"] == LATIN1_NAME
    assert "caf\\xe9" in (tmp_path / "c.html").read_text(encoding="utf-8")


def _nearly_efficient(tmp: Path) -> Path:
    # 2 bytes wasted out of 200 kB: efficiency 0.999995
    return docker_archive(
        tmp / "eff.tar", [[file("big", 200_000), file("a", b"x")], [file("a", b"y")]]
    )


def test_efficiency_is_shown_with_the_digits_a_crossed_gate_needs(tmp_path: Path) -> None:
    proc = run("inspect", _nearly_efficient(tmp_path), "--fail-on-efficiency-below", "0.999999")
    assert proc.returncode == 1
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert "100.00 %" not in out
    assert "efficiency: 99.9995 %" in out
    assert "threshold: efficiency 0.999995 is below 0.999999" in err
    assert "1.0000 is below" not in err


def test_compare_of_equal_sizes_says_same_size(tmp_path: Path) -> None:
    a = docker_archive(tmp_path / "a.tar", [[file("x", b"1")]])
    b = docker_archive(tmp_path / "b.tar", [[file("y", b"2")]])
    proc = run("compare", a, b)
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.decode().splitlines()[0]
    assert "(same size)" in first and "-0.0" not in first


def test_uncompressed_layers_have_no_compressed_size(tmp_path: Path) -> None:
    layers = [[file("a", 5000)], [file("b", 5000)]]
    archive = docker_archive(tmp_path / "x.tar", build(layers, compression=["none", "gzip"]))
    proc = run("inspect", archive, "--json")
    report = json.loads(proc.stdout)
    plain, gz = report["layers"]
    assert plain["compressed_size"] is None  # not the tar's size
    assert isinstance(gz["compressed_size"], int)
    text = run("inspect", archive).stdout.decode()
    row = next(line for line in text.splitlines() if line.startswith("│ 0 "))
    assert row.split("│")[4].strip() == "-"
