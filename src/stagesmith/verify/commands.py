"""Command tests: run a command in a fresh container and check exit code, stdout and stderr.

Like container-structure-test, the image's entrypoint is cleared so ``command`` + ``args`` is
what runs, ``$VAR``/``${VAR}`` in them are expanded from the image env, and
``globalEnvVars`` + ``envVars`` are set in the container. Setup and teardown commands run in
the same container around the test command, through ``/bin/sh`` (CST commits a container
after setup instead; with a shell in the image the effect on the test is the same). Setup
output is not checked; a setup command that fails fails the test.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import time
import uuid

from stagesmith.errors import StagesmithError
from stagesmith.verify.config import CommandTest, EnvVar, RunOptions
from stagesmith.verify.engine_api import EngineLike
from stagesmith.verify.files import expand_env
from stagesmith.verify.report import CheckResult

SETUP_FAILED = "__stagesmith_verify_setup_failed__"


def _script(test: CommandTest, argv: list[str]) -> list[str]:
    """``sh -c`` argv running setup, the command (output kept), teardown, keeping its status."""
    lines = []
    for i, step in enumerate(test.setup):
        cmd = shlex.join(step)
        lines.append(f"{cmd} >/dev/null 2>&1 || {{ echo '{SETUP_FAILED} {i}' >&2; exit 125; }}")
    lines.append(f"{shlex.join(argv)}")
    lines.append("rc=$?")
    for step in test.teardown:
        lines.append(f"{shlex.join(step)} >/dev/null 2>&1")
    lines.append("exit $rc")
    return ["-c", "\n".join(lines)]


def run_command_test(
    test: CommandTest,
    image: str,
    engine: EngineLike,
    image_env: dict[str, str],
    global_env: list[EnvVar],
    options: RunOptions,
    timeout: float,
    host_env: dict[str, str] | None = None,
) -> CheckResult:
    result = CheckResult("command", test.name, True)
    env: dict[str, str] = {}
    for name in options.pass_env:
        if host_env and name in host_env:
            env[name] = host_env[name]
    for var in [*options.env_vars, *global_env, *test.env_vars]:
        env[var.key] = expand_env(var.value, {**image_env, **env})
    argv = [expand_env(a, image_env) for a in [test.command, *test.args]]
    if test.setup or test.teardown:
        entrypoint, args = "/bin/sh", _script(test, argv)
    else:
        entrypoint, args = "", argv
    # Named, so a command that outlives --timeout can be removed: killing the CLI client
    # alone leaves the container running.
    name = f"stagesmith-verify-{uuid.uuid4().hex[:12]}"
    start = time.monotonic()
    try:
        proc = engine.run(
            image,
            args,
            entrypoint=entrypoint,
            user=options.user,
            env=env,
            timeout=timeout,
            name=name,
        )
    except (StagesmithError, subprocess.TimeoutExpired) as exc:
        result.duration = time.monotonic() - start
        engine.container_engine().stop(name)
        result.fail(f"command could not run: {exc}")
        return result
    result.duration = time.monotonic() - start
    stdout, stderr = proc.stdout or "", proc.stderr or ""
    result.stdout, result.stderr = stdout, stderr
    if SETUP_FAILED in stderr:
        step = stderr.split(SETUP_FAILED, 1)[1].split()[0]
        result.fail(f"setup command {test.setup[int(step)]} failed")
        return result
    check_output(test, result, stdout, stderr, proc.returncode)
    return result


def check_output(
    test: CommandTest, result: CheckResult, stdout: str, stderr: str, exit_code: int
) -> None:
    """CST's checks, in its order: stderr regexes, stdout regexes, then the exit code."""
    for pattern in test.expected_error:
        if not re.search(pattern, stderr):
            result.fail(f"expected {pattern!r} not found in stderr")
    for pattern in test.excluded_error:
        if re.search(pattern, stderr):
            result.fail(f"excluded {pattern!r} found in stderr")
    for pattern in test.expected_output:
        if not re.search(pattern, stdout):
            result.fail(f"expected {pattern!r} not found in stdout")
    for pattern in test.excluded_output:
        if re.search(pattern, stdout):
            result.fail(f"excluded {pattern!r} found in stdout")
    if exit_code != test.exit_code:
        result.fail(f"exit code {exit_code}, expected {test.exit_code}")
