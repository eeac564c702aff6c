"""New-user QA of ``inspect`` and ``compare`` flags and config, through the real CLI.

Bad input is one ``stagesmith: error:`` line on stderr, exit 2, nothing on stdout and nothing
written; CI gates must never be switched off by a typo or a repeated flag.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.archives import docker_archive, file
from tests.checks.test_cli_inspect import run

SETUID_ROOT = [[file("usr/bin/su", b"x", 0o4755), file("etc/hostname", b"box\n")]]




def assert_usage_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("stagesmith: error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture()
def image(tmp_path: Path) -> Path:
    """Runs as root (no USER) and ships a setuid binary: root-user and setuid findings."""
    return docker_archive(tmp_path / "img.tar", SETUID_ROOT)


# --- config ------------------------------------------------------------------------------


def test_unknown_inspect_config_key_is_an_error(tmp_path: Path, image: Path) -> None:
    (tmp_path / ".stagesmith.yaml").write_text("inspect:\n  bogus-key: 1\n")
    assert_usage_error(
        run("inspect", image, cwd=tmp_path), "inspect config: bogus-key: unknown key"
    )


def test_inspect_config_keys_take_underscores_like_lint(tmp_path: Path, image: Path) -> None:
    (tmp_path / ".stagesmith.yaml").write_text("inspect:\n  fail_on: [root-user]\n")
    proc = run("inspect", image, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "threshold: warning root-user" in proc.stderr


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("fail-on: [1]", "inspect config: fail-on: invalid fail-on"),
        ("fail_on_efficiency_below: true", "inspect config: fail-on-efficiency-below: invalid"),
        ("fail-on-wasted-bytes: lots", "inspect config: fail-on-wasted-bytes: invalid size"),
    ],
)
def test_bad_inspect_config_values_name_the_key(
    tmp_path: Path, image: Path, line: str, needle: str
) -> None:
    (tmp_path / ".stagesmith.yaml").write_text(f"inspect:\n  {line}\n")
    assert_usage_error(run("inspect", image, cwd=tmp_path), ".stagesmith.yaml: ", needle)


def test_config_that_is_a_directory_says_so(tmp_path: Path, image: Path) -> None:
    assert_usage_error(run("inspect", image, "--config", tmp_path), "is a directory")


# --- gates -------------------------------------------------------------------------------


def test_repeated_fail_on_flags_add_up(image: Path) -> None:
    proc = run("inspect", image, "--fail-on", "root-user", "--fail-on", "setuid")
    assert proc.returncode == 1
    assert "threshold: warning root-user" in proc.stderr
    assert "threshold: warning setuid" in proc.stderr


def test_fail_on_comma_list_in_a_repeated_flag(image: Path) -> None:
    proc = run("inspect", image, "--fail-on", "root-user,setuid", "--fail-on", "device-file")
    assert proc.returncode == 1
    assert "root-user" in proc.stderr and "setuid" in proc.stderr


# --- the --html location, checked before the image is read -------------------------------


@pytest.mark.parametrize(
    ("target", "force", "needle"),
    [
        ("/nonexistent-dir/x.html", False, "does not exist"),
        ("/sys/qa.html", False, "cannot write in /sys"),
        ("/proc/version", True, "cannot write in /proc"),
        ("", False, "the path is empty"),
        ("DIR", False, "is a directory"),
    ],
)
@pytest.mark.parametrize("command", ["inspect", "compare"])
def test_bad_html_location_fails_before_any_report(
    tmp_path: Path, image: Path, target: str, force: bool, needle: str, command: str
) -> None:
    if target == "DIR":
        target = str(tmp_path)
    images = [image] if command == "inspect" else [image, image]
    args = [command, *images, "--html", target, *(["--force"] if force else [])]
    assert_usage_error(run(*args), needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["img.tar"]


@pytest.mark.parametrize("command", ["inspect", "compare"])
def test_html_over_the_input_image_is_refused_even_with_force(
    tmp_path: Path, image: Path, command: str
) -> None:
    before = image.read_bytes()
    other = docker_archive(tmp_path / "other.tar", [[file("a", b"1")]])
    images = [image] if command == "inspect" else [other, image]
    link = tmp_path / "alias.tar"
    os.link(image, link)  # the same file under another name
    for target in (image, link):
        assert_usage_error(run(command, *images, "--html", target, "--force"), "input image")
    assert image.read_bytes() == before


# --- messages ----------------------------------------------------------------------------


def test_debug_adds_a_traceback_but_keeps_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tar"
    bad.write_bytes(b"not a tar archive at all")
    proc = run("--debug", "inspect", bad)
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("stagesmith: error: ")


def test_unknown_engine_lists_the_valid_ones(image: Path) -> None:
    assert_usage_error(run("inspect", image, "--engine", "nosuch"), "unknown engine", "podman")
    assert_usage_error(run("compare", image, image, "--engine", "nosuch"), "unknown engine")


def test_compare_takes_dash_h_like_inspect() -> None:
    for command in ("inspect", "compare"):
        proc = run(command, "-h")
        assert proc.returncode == 0, proc.stderr
        assert "--html" in proc.stdout


def test_image_config_errors_name_the_archive(tmp_path: Path) -> None:
    bad = docker_archive(tmp_path / "cfg.tar", [[file("a", b"x")]], config={"Cmd": 5})
    assert_usage_error(run("inspect", bad), str(bad), "Cmd is not a list of strings")


def test_symlink_loop_error_names_the_archive(tmp_path: Path) -> None:
    from tests.checks.test_cli_hostile import _symlink_loop

    archive = _symlink_loop(tmp_path)
    assert_usage_error(run("inspect", archive), str(archive), "symlink loop resolving")


# --- engine export interrupted -----------------------------------------------------------

FAKE_ENGINE = """#!/bin/sh
# a stand-in engine: `podman save --format docker-archive -o FILE NAME` that starts writing
# the archive, then hangs as a slow export does
while [ "$1" != "-o" ]; do shift; done
echo $$ > "$FAKE_ENGINE_PID"
printf 'partial blob' > "$2"
exec sleep 300
"""


def test_interrupted_engine_export_leaves_no_temp_files_or_process(tmp_path: Path) -> None:
    bindir, tmpdir = tmp_path / "bin", tmp_path / "tmp"
    bindir.mkdir()
    tmpdir.mkdir()
    engine = bindir / "podman"
    engine.write_text(FAKE_ENGINE)
    engine.chmod(0o755)
    pidfile = tmp_path / "engine.pid"
    env = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "TMPDIR": str(tmpdir),
        "FAKE_ENGINE_PID": str(pidfile),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "stagesmith", "inspect", "localhost/fake:1", "--engine", "podman"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    engine_pid = 0
    try:
        for _ in range(600):  # wait for the export to have started writing
            if pidfile.is_file() and pidfile.read_text().strip() and list(tmpdir.glob("*/*")):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the fake engine never started")
        engine_pid = int(pidfile.read_text())
        assert [p.name for p in tmpdir.glob("stagesmith-image-*/*")] == ["image.tar"]
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    try:
        alive = engine_pid > 0 and _alive(engine_pid)
    finally:
        if engine_pid and _alive(engine_pid):
            os.kill(engine_pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert err.strip() == "stagesmith: error: interrupted"
    assert list(tmpdir.iterdir()) == []
    assert not alive, "the engine's save process was left running"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead but not yet reaped (its parent, stagesmith, has exited)
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[-1].split()[0] != "Z"
    except OSError:
        return False
