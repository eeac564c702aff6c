"""Built-in checks that need no config: what a production runtime image should look like.

* ``no-build-tools``: compilers, linkers and build drivers (gcc, cc, g++, make, cmake, ld, …)
  are not on the image's PATH — they belong in a build stage.
* ``non-root-user``: the image runs as a user other than root (a name is looked up in the
  image's ``/etc/passwd``, so ``USER admin`` with uid 0 still fails).
* ``command-starts``: the image's own entrypoint + cmd runs: exiting 0 counts as started, still
  running after the grace period counts as started (a server), a non-zero exit fails.
  ``startup_seconds`` is the time to exit 0, or for a server the time to its first output; a
  server that prints nothing is timed until the engine reports its container running
  (``startup_measured_by`` says which).
"""

from __future__ import annotations

import posixpath
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from typing import IO

from stagesmith.checks.buildtools import TOOL_RE
from stagesmith.verify.engine_api import EngineLike
from stagesmith.verify.report import CheckResult
from stagesmith.verify.view import DIR, FILE, HARDLINK, SYMLINK, ImageMeta, PathError, TreeView

#: Compiler and build-driver names, shared with ``stagesmith inspect`` so both agree on what a
#: build tool is (a target-triplet prefix and a version suffix are allowed: x86_64-linux-gnu-gcc-12).
_TOOL_RE = TOOL_RE
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _path_dirs(view: TreeView, meta: ImageMeta) -> list[str]:
    """The image's PATH directories, each resolved through symlinks (``/bin`` → ``/usr/bin``)."""
    path = meta.env_map().get("PATH") or DEFAULT_PATH
    dirs: list[str] = []
    for entry in path.split(":"):
        if not entry.startswith("/"):
            continue
        try:
            node = view.resolve(entry, follow_last=True)
        except PathError:
            continue
        if node.kind == DIR and node.path not in dirs:
            dirs.append(node.path)
    return dirs


def find_build_tools(view: TreeView, meta: ImageMeta) -> list[str]:
    """Paths of build tools on PATH that resolve to a file (dangling alternatives don't count)."""
    dirs = set(_path_dirs(view, meta))
    found = []
    for path, node in view.nodes.items():
        parent, name = posixpath.split(path)
        if parent not in dirs or node.kind not in (FILE, SYMLINK, HARDLINK):
            continue
        if not _TOOL_RE.match(name):
            continue
        try:
            target = view.resolve(path, follow_last=True)
        except PathError:
            continue
        if target.kind in (FILE, HARDLINK):
            found.append(path)
    return sorted(found)


def check_build_tools(view: TreeView, meta: ImageMeta) -> CheckResult:
    start = time.monotonic()
    result = CheckResult("default", "no-build-tools", True)
    tools = find_build_tools(view, meta)
    if tools:
        shown = ", ".join(tools[:10]) + (f" (+{len(tools) - 10} more)" if len(tools) > 10 else "")
        result.fail(f"build tools on PATH: {shown}")
    result.details["build_tools"] = tools
    result.duration = time.monotonic() - start
    return result


def _passwd_uid(view: TreeView, name: str) -> int | None:
    try:
        text = view.read("/etc/passwd").decode("utf-8", errors="replace")
    except PathError:
        return None
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= 3 and fields[0] == name and fields[2].isdigit():
            return int(fields[2])
    return None


def check_non_root(view: TreeView, meta: ImageMeta) -> CheckResult:
    start = time.monotonic()
    result = CheckResult("default", "non-root-user", True)
    user = (meta.user or "").split(":", 1)[0]
    result.details["user"] = meta.user
    if not user:
        result.fail("image has no USER: it runs as root")
    elif user.isdigit():
        if int(user) == 0:
            result.fail(f"image runs as uid 0 (USER {meta.user})")
    elif user == "root":
        result.fail("image runs as root (USER root)")
    elif _passwd_uid(view, user) == 0:
        result.fail(f"user {user} has uid 0 in /etc/passwd")
    result.duration = time.monotonic() - start
    return result


@dataclass
class StartOutcome:
    """What happened when the image's command ran for at most the grace period."""

    exit_code: int | None  # None: still running when the grace period ended
    seconds: float  # until exit, or the grace period
    first_output: float | None  # seconds until the first byte on stdout or stderr
    running: float | None  # seconds until the engine reported the container running
    stdout: str
    stderr: str

    @property
    def started(self) -> float | None:
        """Startup time of a server: its first output, or else the moment it was running."""
        if self.first_output is not None:
            return self.first_output
        return self.running


def run_start(engine: EngineLike, image: str, grace: float) -> StartOutcome:
    """Run the image with its own entrypoint/cmd through the engine CLI, stopping it at ``grace``.

    Streams output (``Engine.run`` only returns at exit) so a server's first line can be
    timed; the container is named so it can be removed even if the CLI is killed.
    """
    # buildah's own `run` takes a working container, not an image: podman runs its images.
    engine = engine.container_engine()
    name = f"stagesmith-verify-{uuid.uuid4().hex[:12]}"
    argv = [
        *engine.base_argv(),
        *engine.run_argv(
            image,
            None,
            entrypoint=None,
            user=None,
            env=None,
            publish=None,
            detach=False,
            name=name,
        ),
    ]
    chunks: dict[str, list[str]] = {"stdout": [], "stderr": []}
    first: list[float] = []
    start = time.monotonic()
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=engine.env(),
        text=True,
        errors="replace",
    )

    def pump(stream: IO[str], key: str) -> None:
        for line in stream:
            if not first:
                first.append(time.monotonic() - start)
            chunks[key].append(line)

    threads = [
        threading.Thread(target=pump, args=(proc.stdout, "stdout"), daemon=True),
        threading.Thread(target=pump, args=(proc.stderr, "stderr"), daemon=True),
    ]
    running: list[float] = []
    done = threading.Event()

    def watch() -> None:
        """Poll the engine until it reports the container running (a silent server's start)."""
        probe = [
            *engine.base_argv(),
            "container",
            "inspect",
            "--format",
            "{{.State.Running}}",
            name,
        ]
        while not done.is_set() and not running:
            try:
                state = subprocess.run(
                    probe, capture_output=True, text=True, timeout=10, env=engine.env()
                )
            except (OSError, subprocess.TimeoutExpired):
                return
            if state.stdout.strip() == "true":
                running.append(time.monotonic() - start)
                return
            done.wait(0.05)

    threads.append(threading.Thread(target=watch, daemon=True))
    for t in threads:
        t.start()
    try:
        code: int | None = proc.wait(timeout=grace)
        seconds = time.monotonic() - start
    except subprocess.TimeoutExpired:
        code = None
        seconds = grace
        engine.stop(name)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    done.set()
    for t in threads:
        t.join(timeout=5)
    return StartOutcome(
        code,
        seconds,
        first[0] if first else None,
        running[0] if running else None,
        "".join(chunks["stdout"]),
        "".join(chunks["stderr"]),
    )


def check_starts(engine: EngineLike, image: str, meta: ImageMeta, grace: float) -> CheckResult:
    result = CheckResult("default", "command-starts", True)
    if not meta.entrypoint and not meta.cmd:
        result.fail("image has neither ENTRYPOINT nor CMD")
        return result
    outcome = run_start(engine, image, grace)
    result.duration = outcome.seconds
    result.stdout, result.stderr = outcome.stdout or None, outcome.stderr or None
    result.details["exit_code"] = outcome.exit_code
    if outcome.exit_code is None:
        result.details["state"] = "running"
        started = outcome.started
        result.details["startup_seconds"] = round(started, 3) if started is not None else None
        result.details["startup_measured_by"] = (
            "first output" if outcome.first_output is not None else "container running"
        )
    elif outcome.exit_code == 0:
        result.details["state"] = "exited"
        result.details["startup_seconds"] = round(outcome.seconds, 3)
    else:
        result.details["state"] = "crashed"
        last = [ln for ln in (outcome.stderr or outcome.stdout).splitlines() if ln.strip()]
        tail = f": {last[-1].strip()}" if last else ""
        result.fail(f"command exited {outcome.exit_code} after {outcome.seconds:.2f}s{tail}")
    return result
