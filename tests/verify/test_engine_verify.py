"""run_verify and the CLI end to end on real podman images: commands, files, defaults."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from stagesmith.verify.runner import run_verify
from tests.verify.images import Images

pytestmark = pytest.mark.engine

APP_TESTS = {
    "schemaVersion": "2.0.0",
    "globalEnvVars": [{"key": "G", "value": "global"}],
    "commandTests": [
        {"name": "whoami", "command": "id", "args": ["-un"], "expectedOutput": ["^app\n$"]},
        {
            "name": "env",
            "command": "sh",
            "args": ["-c", "echo $G $GREETING"],
            "expectedOutput": ["global hello"],
        },
        {"name": "fails", "command": "sh", "args": ["-c", "exit 7"]},
    ],
    "fileExistenceTests": [
        {"name": "serve", "path": "/usr/local/bin/serve", "permissions": "-rwxr-xr-x"},
        {"name": "data owned", "path": "/data", "uid": 1000, "gid": 1000},
        {"name": "sh via /bin", "path": "/bin/sh", "isExecutableBy": "any"},
        {"name": "no gcc", "path": "/usr/bin/gcc", "shouldExist": False},
    ],
    "fileContentTests": [
        {"name": "passwd", "path": "/etc/passwd", "expectedContents": ["(?m)^app:x:1000:"]},
    ],
    "metadataTest": {
        "user": "app",
        "workdir": "/home/app",
        "cmd": ["/usr/local/bin/serve"],
        "exposedPorts": ["8080"],
        "labels": [{"key": "org.opencontainers.image.title", "value": "verify-app"}],
        "envVars": [{"key": "APP_HOME", "value": "/home/app"}],
    },
}


def test_app_image_config_and_defaults(images: Images, podman_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "tests.yaml"
    cfg.write_text(yaml.safe_dump(APP_TESTS))
    report = run_verify(images.app, cfg, engine=podman_engine, defaults=True, start_grace=4)
    results = {r.name: r for r in report.results}
    failed = sorted(name for name, r in results.items() if not r.passed)
    assert failed == ["fails"], {n: results[n].errors for n in failed}
    assert results["command-starts"].details["state"] == "running"
    assert results["no-build-tools"].passed and results["non-root-user"].passed


def test_gcc_image_fails_defaults(images: Images, podman_engine) -> None:  # type: ignore[no-untyped-def]
    report = run_verify(images.gcc, None, engine=podman_engine, start_grace=4)
    results = {r.name: r for r in report.results}
    assert not results["no-build-tools"].passed
    tools = results["no-build-tools"].details["build_tools"]
    assert "/usr/bin/gcc" in tools and "/usr/bin/make" in tools
    assert not results["non-root-user"].passed
    assert report.exit_code == 1


@pytest.mark.parametrize("fmt", ["docker-archive", "oci-archive"])
def test_saved_archive_runs_commands_through_podman(
    images: Images, podman_engine, tmp_path: Path, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    archive = podman_engine.save(images.app, tmp_path / "app.tar", fmt)
    config = {
        "schemaVersion": "2.0.0",
        "commandTests": [{"name": "cat", "command": "cat", "args": ["/etc/hostname"]}],
        "fileExistenceTests": [{"name": "serve", "path": "/usr/local/bin/serve"}],
    }
    cfg = tmp_path / "t.yaml"
    cfg.write_text(yaml.safe_dump(config))
    report = run_verify(archive, cfg, engine=podman_engine)
    assert [(r.name, r.passed, r.skipped) for r in report.results] == [
        ("cat", True, None),
        ("serve", True, None),
    ]


def test_cli_defaults_on_crashing_image(images: Images) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "stagesmith",
            "verify",
            images.crash,
            "--json",
            "--start-grace",
            "20",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    starts = next(r for r in doc["results"] if r["name"] == "command-starts")
    assert not starts["passed"] and starts["details"]["state"] == "crashed"
