"""run_verify and the CLI on crafted archives: no engine, every output format."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from stagesmith.verify.runner import run_verify
from tests.verify.fixture_image import make_docker_archive, make_oci_layout

CONFIG = {
    "schemaVersion": "2.0.0",
    "fileExistenceTests": [
        {"name": "tool", "path": "/usr/bin/tool", "permissions": "urwxr-x---", "uid": 1000},
        {"name": "no secret", "path": "/old-secret", "shouldExist": False},
        {"name": "secret", "path": "/old-secret"},
    ],
    "fileContentTests": [
        {"name": "conf", "path": "/srv/app.conf", "expectedContents": ["debug = true"]},
        {"name": "conf prod", "path": "/srv/app.conf", "excludedContents": ["debug = true"]},
    ],
    "metadataTest": {"user": "app", "exposedPorts": ["8080"], "cmd": ["--serve"]},
}
EXPECTED = {
    "tool": True,
    "no secret": True,
    "secret": False,
    "conf": True,
    "conf prod": False,
    "Metadata Test": True,
}


@pytest.fixture
def cfg_path(tmp_path: Path) -> Path:
    path = tmp_path / "tests.yaml"
    path.write_text(yaml.safe_dump(CONFIG))
    return path


@pytest.mark.parametrize("layout", ["docker-archive", "oci"])
def test_run_verify_on_archives(tmp_path: Path, cfg_path: Path, layout: str) -> None:
    image = (
        make_docker_archive(tmp_path) if layout == "docker-archive" else make_oci_layout(tmp_path)
    )
    report = run_verify(image, cfg_path, engine=None)
    assert {r.name: r.passed for r in report.results} == EXPECTED
    assert [r.kind for r in report.results] == [
        "fileExistence",
        "fileExistence",
        "fileExistence",
        "fileContent",
        "fileContent",
        "metadata",
    ]
    assert report.exit_code == 1 and report.failed == 2


def test_defaults_on_an_archive_without_engine(tmp_path: Path) -> None:
    image = make_docker_archive(tmp_path)
    report = run_verify(image, None, engine=None)
    by_name = {r.name: r for r in report.results}
    assert by_name["no-build-tools"].passed  # /usr/bin/gcc was whited out in layer 2
    assert by_name["non-root-user"].passed
    assert by_name["command-starts"].skipped and report.ok


def test_defaults_fail_on_root_with_compiler(tmp_path: Path) -> None:
    from tests.verify.craft import D, F, L, docker_archive

    image = docker_archive(
        tmp_path / "root.tar",
        [
            [
                D("usr"),
                D("usr/bin"),
                F("usr/bin/x86_64-linux-gnu-gcc-12", "ELF", 0o755),
                L("usr/bin/cc", "x86_64-linux-gnu-gcc-12"),
                F("usr/bin/make", "ELF", 0o755),
            ]
        ],
        {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/bin"]},
    )
    report = run_verify(image, None, engine=None)
    by_name = {r.name: r for r in report.results}
    assert not by_name["no-build-tools"].passed
    assert by_name["no-build-tools"].details["build_tools"] == [
        "/usr/bin/cc",
        "/usr/bin/make",
        "/usr/bin/x86_64-linux-gnu-gcc-12",
    ]
    assert not by_name["non-root-user"].passed


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", "verify", *args], capture_output=True, text=True
    )


def test_cli_text_json_and_junit(tmp_path: Path, cfg_path: Path) -> None:
    image = make_docker_archive(tmp_path)
    text = _cli(str(image), "--config", str(cfg_path), "--engine", "podman")
    assert text.returncode == 1
    assert "FAIL fileExistence: secret" in text.stdout
    assert "PASS metadata: Metadata Test" in text.stdout
    assert "4 passed, 2 failed" in text.stdout
    junit = tmp_path / "junit.xml"
    proc = _cli(str(image), "-c", str(cfg_path), "--json", "--junit", str(junit))
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert (doc["pass"], doc["fail"], doc["total"]) == (4, 2, 6)
    assert {r["name"]: r["passed"] for r in doc["results"]} == EXPECTED
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites" and root.get("failures") == "2"
    failed = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert sorted(failed) == ["conf prod", "secret"]
    again = _cli(str(image), "-c", str(cfg_path), "--junit", str(junit))
    assert again.returncode == 2 and "--force" in again.stderr
    forced = _cli(str(image), "-c", str(cfg_path), "--junit", str(junit), "--force")
    assert forced.returncode == 1


def test_cli_all_pass_exit_0_and_unknown_key_warning(tmp_path: Path) -> None:
    image = make_docker_archive(tmp_path)
    cfg = tmp_path / "ok.yaml"
    cfg.write_text(
        "schemaVersion: 2.0.0\nfileExistenceTests:\n"
        "- {name: passwd, path: /etc/passwd, shuoldExist: true}\n"
    )
    proc = _cli(str(image), "-c", str(cfg))
    assert proc.returncode == 0, proc.stderr
    assert "unknown key 'shuoldExist'" in proc.stderr
    assert "1 passed, 0 failed" in proc.stdout


def test_cli_unreadable_archive_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tar"
    bad.write_bytes(b"not a tar at all" * 10)
    cfg = tmp_path / "ok.yaml"
    cfg.write_text("schemaVersion: 2.0.0\n")
    proc = _cli(str(bad), "--engine", "podman", "-c", str(cfg))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
