"""What every engine adapter offers, and the subprocess plumbing they share.

Engines are driven through their command-line tools, never through Python SDKs: the CLIs are
what users have installed and debug with, and they behave the same locally and remotely.
An adapter only decides *which argv* to run; running it, streaming its output, keeping the
tail of the log and turning failures into :class:`~stagesmith.errors.StagesmithError` lives
here so every engine reports problems the same way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal

from stagesmith.engine.progress import Step, StepTracker
from stagesmith.errors import Failure, StagesmithError

SaveFormat = Literal["docker-archive", "oci-archive", "oci-dir"]
SAVE_FORMATS: tuple[str, ...] = ("docker-archive", "oci-archive", "oci-dir")
#: How many lines of build output a failure shows.
TAIL_LINES = 30


class EngineError(StagesmithError):
    """An engine refused an operation (missing image, unreachable registry)."""


class BuildFailure(Failure):
    """The build itself failed (a RUN exited non-zero): exit code 1, step and log tail kept."""

    def __init__(self, message: str, step: Step | None, log_tail: list[str]) -> None:
        super().__init__(message)
        self.step = step
        self.log_tail = log_tail
        #: What the build was given (filled in by ``run_job``), for reports.
        self.build_args: dict[str, str] = {}
        self.labels: dict[str, str] = {}


@dataclass
class BuildRequest:
    """One build, in engine-neutral terms; each adapter maps it onto its own flags."""

    context: Path
    dockerfile: Path
    tags: list[str] = field(default_factory=list)
    target: str | None = None
    build_args: dict[str, str] = field(default_factory=dict)
    platform: str | None = None
    #: Network mode for RUN steps (``host``, ``none``, ...); None keeps the engine's default.
    network: str | None = None
    cache_from: list[str] = field(default_factory=list)
    cache_to: list[str] = field(default_factory=list)
    no_cache: bool = False
    pull: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    #: A .dockerignore kept outside the context (never written into the user's directory).
    ignorefile: Path | None = None
    #: TLS to registries the build talks to (pulls, podman's --cache-from/--cache-to).
    tls_verify: bool = True


def request_flags(request: BuildRequest) -> list[str]:
    """The build flags docker, podman and buildah spell the same way."""
    argv: list[str] = []
    if request.target:
        argv += ["--target", request.target]
    for key, value in request.build_args.items():
        argv += ["--build-arg", f"{key}={value}"]
    for key, value in request.labels.items():
        argv += ["--label", f"{key}={value}"]
    if request.platform:
        argv += ["--platform", request.platform]
    if request.network:
        argv += ["--network", request.network]
    if request.no_cache:
        argv.append("--no-cache")
    for ref in request.cache_from:
        argv += ["--cache-from", ref]
    for ref in request.cache_to:
        argv += ["--cache-to", ref]
    return argv


@dataclass
class BuildResult:
    image_id: str
    tags: list[str]
    log_tail: list[str]
    seconds: float


LineCallback = Callable[[str], None]


def _noop(_line: str) -> None:
    return None


class Engine:
    """Base adapter: argv construction is per engine, execution is shared."""

    name: ClassVar[str] = "engine"
    #: The executable this adapter drives.
    binary: ClassVar[str] = ""
    supports_cache_to: ClassVar[bool] = False
    supports_cache_from: ClassVar[bool] = False
    #: The archive formats :meth:`save` writes.
    save_formats: ClassVar[tuple[str, ...]] = SAVE_FORMATS

    def __init__(self, *, builder: str | None = None, executable: str | None = None) -> None:
        self.builder = builder
        self.executable = executable or shutil.which(self.binary) or self.binary

    # -- plumbing -------------------------------------------------------------------------

    def base_argv(self) -> list[str]:
        """The executable plus any global flags (remote connection)."""
        return [self.executable]

    def env(self) -> dict[str, str]:
        """The environment the engine CLI runs with."""
        return dict(os.environ)

    def _run(
        self,
        args: Sequence[str],
        *,
        what: str,
        timeout: float | None = 600,
        check: bool = True,
        input: bytes | None = None,
    ) -> subprocess.CompletedProcess[str]:
        argv = [*self.base_argv(), *args]
        try:
            proc = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=self.env(),
                input=input.decode() if input is not None else None,
            )
        except FileNotFoundError as exc:
            raise EngineError(f"{self.name}: '{self.executable}' not found on PATH") from exc
        except subprocess.TimeoutExpired as exc:
            raise EngineError(f"{self.name}: {what} timed out after {timeout}s") from exc
        if check and proc.returncode != 0:
            raise EngineError(
                f"{self.name}: {what} failed: {_last_line(proc.stderr or proc.stdout)}"
            )
        return proc

    def _stream(
        self, args: Sequence[str], on_line: LineCallback, tracker: StepTracker
    ) -> tuple[int, list[str]]:
        """Run a long command, feeding each output line to the step tracker and the callback."""
        argv = [*self.base_argv(), *args]
        tail: deque[str] = deque(maxlen=TAIL_LINES * 4)
        try:
            proc = subprocess.Popen(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env(),
                text=True,
                errors="replace",
                bufsize=1,
            )
        except FileNotFoundError as exc:
            raise EngineError(f"{self.name}: '{self.executable}' not found on PATH") from exc
        assert proc.stdout is not None
        try:
            for raw in proc.stdout:
                line = raw.rstrip("\n")
                tail.append(line)
                tracker.feed(line)
                on_line(line)
        finally:
            code = proc.wait()
        return code, list(tail)

    # -- build ----------------------------------------------------------------------------

    def build_argv(self, request: BuildRequest, iidfile: Path) -> list[str]:
        raise NotImplementedError

    def new_tracker(self) -> StepTracker:
        return StepTracker()

    def check_request(self, request: BuildRequest) -> None:
        """Refuse options this engine cannot honour, before anything runs."""
        if request.cache_to and not self.supports_cache_to:
            raise EngineError(f"{self.name} does not support --cache-to; use docker with BuildKit")
        if request.cache_from and not self.supports_cache_from:
            raise EngineError(f"{self.name} does not support --cache-from")
        if not request.dockerfile.is_file():
            raise StagesmithError(f"Dockerfile {request.dockerfile} not found")
        if not request.context.is_dir():
            raise StagesmithError(f"build context {request.context} is not a directory")

    def build(self, request: BuildRequest, on_line: LineCallback = _noop) -> BuildResult:
        """Build to an image ID, then tag: a failed build never leaves a tag pointing anywhere."""
        self.check_request(request)
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="stagesmith-build-") as tmp:
            iidfile = Path(tmp) / "iid"
            tracker = self.new_tracker()
            code, tail = self._stream(self.build_argv(request, iidfile), on_line, tracker)
            image_id = iidfile.read_text().strip() if iidfile.is_file() else ""
        if code != 0 or not image_id:
            step = tracker.failed_step()
            where = f" at step {step.label}" if step else ""
            raise BuildFailure(
                f"{self.name} build failed{where} (exit {code})", step, tail[-TAIL_LINES:]
            )
        for tag in request.tags:
            self.tag(image_id, tag)
        return BuildResult(
            image_id=image_id,
            tags=list(request.tags),
            log_tail=tail[-TAIL_LINES:],
            seconds=time.monotonic() - start,
        )

    # -- images ---------------------------------------------------------------------------

    def tag(self, image: str, tag: str) -> None:
        self._run(["tag", image, tag], what=f"tagging {tag}")

    def image_exists(self, image: str) -> bool:
        return self._run(["image", "inspect", image], what="inspect", check=False).returncode == 0

    def image_size(self, image: str) -> int:
        proc = self._run(
            ["image", "inspect", "--format", "{{.Size}}", image], what=f"inspecting {image}"
        )
        return int(proc.stdout.strip().splitlines()[0])

    def image_id(self, image: str) -> str:
        proc = self._run(
            ["image", "inspect", "--format", "{{.Id}}", image], what=f"inspecting {image}"
        )
        return proc.stdout.strip().splitlines()[0]

    def remove(self, image: str, *, force: bool = False) -> None:
        args = ["rmi", *(["--force"] if force else []), image]
        self._run(args, what=f"removing {image}")

    def save(self, image: str, dest: Path, fmt: SaveFormat = "docker-archive") -> Path:
        raise NotImplementedError

    def push(self, image: str, dest: str | None = None, *, tls_verify: bool = True) -> None:
        raise NotImplementedError

    def pull(self, image: str, *, tls_verify: bool = True) -> None:
        raise NotImplementedError

    # -- containers -----------------------------------------------------------------------

    def container_engine(self) -> Engine:
        """The engine that runs this engine's containers (itself, except for buildah).

        ``buildah run`` takes a working container, not an image, so anything that runs an
        image as a container (``verify``'s start check, ``build --check``) asks for this.
        """
        return self

    def run_argv(
        self,
        image: str,
        args: Sequence[str] | None,
        *,
        entrypoint: str | None,
        user: str | None,
        env: Mapping[str, str] | None,
        publish: Sequence[str] | None,
        detach: bool,
        name: str | None,
    ) -> list[str]:
        argv = ["run", "--rm"]
        if detach:
            argv.append("--detach")
        if name:
            argv += ["--name", name]
        if entrypoint is not None:
            argv += ["--entrypoint", entrypoint]
        if user is not None:
            argv += ["--user", user]
        for key, value in (env or {}).items():
            argv += ["--env", f"{key}={value}"]
        for port in publish or []:
            argv += ["--publish", port]
        return [*argv, image, *(args or [])]

    def run(
        self,
        image: str,
        args: Sequence[str] | None = None,
        *,
        entrypoint: str | None = None,
        user: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 60,
        publish: Sequence[str] | None = None,
        detach: bool = False,
        name: str | None = None,
        check: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run a container and wait for it (or, detached, return once it started).

        The result's ``stdout`` is the container's output; with ``detach`` it is the container
        ID, which :meth:`stop` takes.
        """
        argv = self.run_argv(
            image,
            args,
            entrypoint=entrypoint,
            user=user,
            env=env,
            publish=publish,
            detach=detach,
            name=name,
        )
        proc = self._run(argv, what=f"running {image}", timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise Failure(
                f"{self.name}: container from {image} exited {proc.returncode}: "
                f"{_last_line(proc.stderr or proc.stdout)}"
            )
        return proc

    def stop(self, container: str) -> None:
        """Stop and remove a detached container; unknown containers are not an error."""
        self._run(["rm", "--force", container], what="stop", check=False)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
