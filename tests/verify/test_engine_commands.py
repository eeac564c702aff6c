"""Command tests and the start check, run for real through podman."""

from __future__ import annotations

import pytest

from stagesmith.verify.commands import run_command_test
from stagesmith.verify.config import CommandTest, EnvVar, RunOptions
from stagesmith.verify.defaults import check_starts
from stagesmith.verify.view import ImageMeta
from tests.verify.images import Images

pytestmark = pytest.mark.engine

IMAGE_ENV = {"APP_HOME": "/home/app", "GREETING": "hello"}


def _run(images: Images, engine, test: CommandTest, **kw):  # type: ignore[no-untyped-def]
    return run_command_test(
        test,
        images.app,
        engine,
        IMAGE_ENV,
        kw.get("global_env", []),
        kw.get("options", RunOptions()),
        30,
        {"HOST_ONLY": "from-host"},
    )


def test_passing_command_checks_every_stream(images: Images, podman_engine) -> None:  # type: ignore[no-untyped-def]
    test = CommandTest(
        name="id",
        command="sh",
        args=["-c", "id -un; echo $GREETING-$EXTRA >&2; exit 4"],
        env_vars=[EnvVar("EXTRA", "x")],
        exit_code=4,
        expected_output=["^app$"],
        excluded_output=["root"],
        expected_error=["hello-x"],
        excluded_error=["Traceback"],
    )
    result = _run(images, podman_engine, test)
    assert result.passed, result.errors
    assert result.stdout == "app\n" and "hello-x" in (result.stderr or "")


@pytest.mark.parametrize(
    ("test", "needle"),
    [
        (CommandTest("exit", "sh", ["-c", "exit 2"]), "exit code 2, expected 0"),
        (CommandTest("out", "echo", ["hi"], expected_output=["bye"]), "not found in stdout"),
        (CommandTest("xout", "echo", ["hi"], excluded_output=["h."]), "found in stdout"),
        (CommandTest("err", "sh", ["-c", "echo oops >&2"], expected_error=["fine"]), "stderr"),
        (CommandTest("xerr", "sh", ["-c", "echo oops >&2"], excluded_error=["oops"]), "stderr"),
        (CommandTest("missing", "/no/such/binary"), "exit code"),
    ],
)
def test_failing_commands(images: Images, podman_engine, test: CommandTest, needle: str) -> None:  # type: ignore[no-untyped-def]
    result = _run(images, podman_engine, test)
    assert not result.passed
    assert needle in " ".join(result.errors)


def test_entrypoint_is_cleared_and_args_expand_image_env(images: Images, podman_engine) -> None:  # type: ignore[no-untyped-def]
    test = CommandTest(
        "expand", "echo", ["$APP_HOME", "${GREETING}"], expected_output=["^/home/app hello$"]
    )
    assert _run(images, podman_engine, test).passed


def test_setup_teardown_and_env_layers(images: Images, podman_engine) -> None:  # type: ignore[no-untyped-def]
    test = CommandTest(
        "setup",
        "cat",
        ["/tmp/made"],
        setup=[["sh", "-c", "echo $GLOBAL > /tmp/made"], ["echo", "noise"]],
        teardown=[["rm", "/tmp/made"]],
        expected_output=["^g$"],
        excluded_output=["noise"],
    )
    result = _run(images, podman_engine, test, global_env=[EnvVar("GLOBAL", "g")])
    assert result.passed, (result.errors, result.stdout, result.stderr)
    failing = CommandTest("bad setup", "true", setup=[["false"]])
    result = _run(images, podman_engine, failing)
    assert not result.passed and "setup command ['false'] failed" in result.errors[0]


def test_run_options_user_and_passed_env(images: Images, podman_engine) -> None:  # type: ignore[no-untyped-def]
    test = CommandTest(
        "root", "sh", ["-c", "id -u; echo $HOST_ONLY"], expected_output=["^0\nfrom-host$"]
    )
    result = _run(images, podman_engine, test, options=RunOptions(user="0", pass_env=["HOST_ONLY"]))
    assert result.passed, (result.errors, result.stdout)


def test_start_check_server_exit0_and_crash(images: Images, podman_engine) -> None:  # type: ignore[no-untyped-def]
    meta = ImageMeta(cmd=["x"])
    server = check_starts(podman_engine, images.app, meta, 4)
    assert server.passed, server.errors
    assert server.details["state"] == "running"
    assert server.details["startup_seconds"] is not None and server.details["startup_seconds"] < 4
    assert server.stdout == "ready\n"
    exits = check_starts(podman_engine, images.exits, meta, 20)
    assert exits.passed and exits.details["state"] == "exited"
    assert exits.details["startup_seconds"] > 0
    crash = check_starts(podman_engine, images.crash, meta, 20)
    assert not crash.passed and crash.details["state"] == "crashed"
    assert "exited 3" in crash.errors[0] and "boom" in crash.errors[0]
    leftovers = podman_engine._run(["ps", "-a", "--format", "{{.Names}}"], what="ps").stdout
    assert "stagesmith-verify-" not in leftovers


def _sleepers(engine, image: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Containers of ``image`` still around that run ``sleep 120`` (only this test's do)."""
    argv = ["ps", "-a", "--filter", f"ancestor={image}", "--format", "{{.ID}} {{.Command}}"]
    out = engine._run(argv, what="ps").stdout
    return [line for line in out.splitlines() if "sleep 120" in line]


def test_command_that_times_out_leaves_no_container(images: Images, podman_engine) -> None:  # type: ignore[no-untyped-def]
    test = CommandTest("hangs", "sleep", ["120"])
    result = run_command_test(test, images.app, podman_engine, {}, [], RunOptions(), 3, {})
    assert not result.passed and "timed out" in result.errors[0]
    assert _sleepers(podman_engine, images.app) == []


def test_silent_server_startup_is_measured(tmp_path, images: Images, podman_engine) -> None:  # type: ignore[no-untyped-def]
    from stagesmith.engine import BuildRequest

    (tmp_path / "Dockerfile").write_text(f'FROM {images.app}\nCMD ["sleep", "60"]\n')
    tag = f"{images.app}-silent"
    podman_engine.build(
        BuildRequest(context=tmp_path, dockerfile=tmp_path / "Dockerfile", tags=[tag])
    )
    try:
        result = check_starts(podman_engine, tag, ImageMeta(cmd=["sleep", "60"]), 3)
    finally:
        podman_engine.remove(tag, force=True)
    assert result.passed and result.details["state"] == "running"
    assert result.stdout is None  # it printed nothing ...
    assert result.details["startup_seconds"] is not None  # ... and was still timed
    assert result.details["startup_measured_by"] == "container running"
