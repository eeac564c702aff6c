"""`stagesmith inspect` / `compare` end to end on archives crafted with tests/archives.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from stagesmith.checks.summary import inspect_image
from stagesmith.image import open_image
from stagesmith.image.efficiency import analyze
from stagesmith.report.json import load_schema
from tests.archives import dir_, docker_archive, file, oci_archive, symlink, whiteout
from tests.checks.cbuild import build_lib_and_app

STUB = b"stand-in for a system library, not ELF" * 2
PASSWD = b"root:x:0:0:root:/root:/bin/bash\napp:x:10001:10001::/home/app:/bin/sh\n"


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def base_layer() -> list:  # type: ignore[type-arg]
    return [
        dir_("etc"),
        file("etc/passwd", PASSWD),
        dir_("lib64"),
        file("lib64/ld-linux-x86-64.so.2", STUB, 0o755),
        dir_("lib"),
        dir_("lib/x86_64-linux-gnu"),
        file("lib/x86_64-linux-gnu/libc.so.6", STUB, 0o755),
        dir_("usr"),
        dir_("usr/bin"),
        dir_("usr/lib"),
    ]


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("imgs")
    lib, app = build_lib_and_app(tmp)
    broken = [
        [*base_layer(), file("usr/bin/gcc", b"#!/bin/sh\n" * 8, 0o755)],
        [
            file("usr/bin/app", app, 0o755),
            file(
                "root/.ssh/id_rsa",
                b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n",
            ),
        ],
    ]
    fixed = [
        base_layer(),
        [
            file("usr/bin/app", app, 0o755),
            file("usr/lib/libfoo.so.1", lib),
            symlink("usr/lib/libfoo.so", "libfoo.so.1"),
        ],
    ]
    wasteful = [
        [*base_layer(), file("opt/data.bin", 300_000)],
        [file("opt/data.bin", 200_000)],
        [whiteout("opt/data.bin"), file("opt/other.bin", 1000)],
    ]
    return {
        "broken": docker_archive(tmp / "broken.tar", broken, history=["base", "COPY app"]),
        "fixed": oci_archive(
            tmp / "fixed.tar", fixed, compression="gzip", config={"User": "10001"}
        ),
        "wasteful": docker_archive(tmp / "wasteful.tar", wasteful, legacy=False),
    }


def test_inspect_json_reports_missing_library_root_key_and_gcc(images: dict[str, Path]) -> None:
    proc = run("inspect", images["broken"], "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    keys = {(f["id"], f["subject"]) for f in doc["findings"]}
    assert ("missing-library", "libfoo.so") in keys
    assert ("root-user", "root") in keys
    assert ("build-tool", "gcc") in keys
    assert ("secret", "root/.ssh/id_rsa") in keys
    jsonschema.validate(doc, load_schema("inspect"))
    lib = next(f for f in doc["findings"] if f["id"] == "missing-library")
    assert lib["paths"] == ["usr/bin/app"] and lib["layer"] == 1
    assert [r["created_by"] for r in doc["layers"]] == ["base", "COPY app"]


def test_inspect_fixed_image_has_no_missing_library(images: dict[str, Path]) -> None:
    doc = json.loads(run("inspect", images["fixed"], "--json").stdout)
    assert {f["id"] for f in doc["findings"]} == set()
    assert doc["config"]["user"] == "10001"


def test_efficiency_from_the_single_walk_matches_the_reader(images: dict[str, Path]) -> None:
    doc = json.loads(run("inspect", images["wasteful"], "--json").stdout)
    with open_image(str(images["wasteful"])) as image:
        expected = analyze(image)
    eff = doc["efficiency"]
    assert eff["score"] == pytest.approx(expected.score)
    assert eff["wasted_bytes"] == expected.wasted_bytes > 0
    assert eff["user_wasted_percent"] == pytest.approx(expected.user_wasted_percent)
    assert eff["inefficient"][0]["path"] == "opt/data.bin"
    with open_image(str(images["wasteful"])) as image:
        again = inspect_image(image, "x")  # no collector: no efficiency, same findings
    assert again.report["efficiency"] is None
    assert again.report["findings"] == doc["findings"]


def test_gates_exit_1_from_flags_and_config(images: dict[str, Path], tmp_path: Path) -> None:
    assert run("inspect", images["broken"], "--fail-on", "missing-library").returncode == 1
    assert run("inspect", images["broken"], "--fail-on", "error").returncode == 1
    assert run("inspect", images["fixed"], "--fail-on", "error").returncode == 0
    proc = run("inspect", images["wasteful"], "--fail-on-efficiency-below", "0.9")
    assert proc.returncode == 1 and "efficiency" in proc.stderr
    assert run("inspect", images["wasteful"], "--fail-on-wasted-bytes", "100kB").returncode == 1
    assert run("inspect", images["wasteful"], "--fail-on-wasted-bytes", "10MB").returncode == 0
    (tmp_path / ".stagesmith.yaml").write_text("inspect:\n  fail-on-wasted-bytes: 100kB\n")
    assert run("inspect", images["wasteful"], cwd=tmp_path).returncode == 1
    # a flag overrides the config file
    proc = run("inspect", images["wasteful"], "--fail-on-wasted-bytes", "10MB", cwd=tmp_path)
    assert proc.returncode == 0


def test_html_report_is_written_atomically_and_not_overwritten(
    images: dict[str, Path], tmp_path: Path
) -> None:
    target = tmp_path / "report.html"
    assert run("inspect", images["broken"], "--html", target).returncode == 0
    page = target.read_text()
    assert "<svg" in page and "libfoo.so" in page and "<script" not in page
    proc = run("inspect", images["broken"], "--html", target)
    assert proc.returncode == 2 and "--force" in proc.stderr
    assert target.read_text() == page
    assert run("inspect", images["fixed"], "--html", target, "--force").returncode == 0
    assert "libfoo.so" not in target.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_compare_cli(images: dict[str, Path], tmp_path: Path) -> None:
    proc = run("compare", images["broken"], images["fixed"], "--json")
    assert proc.returncode == 0, proc.stderr
    diff = json.loads(proc.stdout)
    jsonschema.validate(diff, load_schema("compare"))
    assert "gcc removed" in diff["changes"]
    assert "runs as root → uid 10001" in diff["changes"]
    assert {f["id"] for f in diff["findings"]["removed"]} >= {"missing-library", "secret"}
    assert diff["only_in_b"]["count"] == 2  # libfoo.so.1 and its symlink
    text = run("compare", images["broken"], images["fixed"])
    assert "gcc removed" in text.stdout
    assert (
        run("compare", images["broken"], images["fixed"], "--html", tmp_path / "c.html").returncode
        == 0
    )
    assert "gcc removed" in (tmp_path / "c.html").read_text()


@pytest.mark.parametrize(
    "content",
    [b"", b"this is not a tar archive at all" * 100, b"\x1f\x8b\x08\x00garbage-gzip"],
)
def test_hostile_input_is_one_line_exit_2(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.tar"
    bad.write_bytes(content)
    for args in (("inspect", bad), ("compare", bad, bad), ("inspect", tmp_path / "missing.tar")):
        proc = run(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("stagesmith: error:"), proc.stderr
        assert "Traceback" not in proc.stderr


def test_bad_thresholds_are_rejected_before_reading(images: dict[str, Path]) -> None:
    for args in (("--fail-on-wasted-bytes", "lots"), ("--fail-on-efficiency-below", "2")):
        proc = run("inspect", images["broken"], *args)
        assert proc.returncode == 2 and proc.stdout == ""


def test_inspect_runs_without_typer_or_pydantic(tmp_path: Path) -> None:
    """`stagesmith inspect` parses its own flags: Typer and pydantic cost start-up time, and
    ``--json`` prints nothing through Rich, so Rich is not imported either; its data classes
    are Records, so ``dataclasses`` (and the ``inspect`` module it loads) is not either."""
    from tests.archives import docker_archive, file

    src = docker_archive(tmp_path / "x.tar", [[file("a", 100)]])
    code = (
        "import sys\n"
        "from stagesmith.cli.main import main\n"
        "try:\n"
        f"    main(['inspect', {str(src)!r}, '--json'])\n"
        "except SystemExit as exc:\n"
        "    heavy = {'typer', 'pydantic', 'click', 'rich', 'subprocess', 'zstandard', 'yaml',\n"
        "             'dataclasses'}\n"
        "    heavy = sorted({m.split('.')[0] for m in sys.modules} & heavy)\n"
        "    print('EXIT', exc.code, 'HEAVY', heavy)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.stdout.strip().splitlines()[-1] == "EXIT 0 HEAVY []", proc.stderr
