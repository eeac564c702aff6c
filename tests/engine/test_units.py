"""Pure parts of the engine layer: progress parsing, image references, build metadata."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from stagesmith.engine import StepTracker
from stagesmith.engine.detect import engine_for_builder
from stagesmith.engine.job import (
    automatic_build_args,
    check_repository,
    declared_args,
    image_reference,
    stamp_labels,
)
from stagesmith.errors import StagesmithError
from stagesmith.report.html import render_check_html

PODMAN_LOG = """\
[1/2] STEP 1/2: FROM localhost/debian:bookworm-slim AS build
[1/2] STEP 2/2: RUN make
--> 1234
[2/2] STEP 1/3: FROM localhost/debian:bookworm-slim
[2/2] STEP 2/3: COPY --from=build /out /out
[2/2] STEP 3/3: RUN false
Error: building at STEP "RUN false": exit status 1
"""

BUILDKIT_LOG = """\
#1 [internal] load build definition from Dockerfile
#4 [build 1/2] FROM localhost/debian:bookworm-slim
#5 [build 2/2] RUN make
#6 [final 2/3] COPY --from=build /out /out
#5 0.2 make: *** No targets.  Stop.
#5 ERROR: process "/bin/sh -c make" did not complete successfully: exit code: 2
#6 CANCELED
"""


def test_podman_steps_and_failed_step() -> None:
    tracker = StepTracker()
    steps = [s for s in map(tracker.feed, PODMAN_LOG.splitlines()) if s]
    assert [(s.stage, s.number, s.total) for s in steps] == [
        ("1/2", 1, 2),
        ("1/2", 2, 2),
        ("2/2", 1, 3),
        ("2/2", 2, 3),
        ("2/2", 3, 3),
    ]
    failed = tracker.failed_step()
    assert failed is not None and failed.label == "[2/2] 3/3: RUN false"


def test_buildkit_error_names_the_vertex_not_the_last_step() -> None:
    tracker = StepTracker()
    for line in BUILDKIT_LOG.splitlines():
        tracker.feed(line)
    assert [s.label for s in tracker.steps] == [
        "[build] 1/2: FROM localhost/debian:bookworm-slim",
        "[build] 2/2: RUN make",
        "[final] 2/3: COPY --from=build /out /out",
    ]
    failed = tracker.failed_step()
    assert failed is not None and failed.instruction == "RUN make"


def test_image_reference_defaults() -> None:
    assert image_reference("r/app", "1", name="x", settings={}) == "r/app:1"
    ref = image_reference(
        None, None, name="My Env", settings={"registry": "reg.io", "organization": "team"}
    )
    assert re.fullmatch(r"reg\.io/team/my-env:\d{8}", ref)
    assert image_reference(None, "2", name="x", settings={"repository": "a/b"}) == "a/b:2"
    with pytest.raises(StagesmithError, match="--repository"):
        image_reference(None, "1", name="x", settings={})
    with pytest.raises(StagesmithError, match="invalid --tag"):
        image_reference("r", "a:b", name="x", settings={})


def test_build_args_only_for_declared_args(tmp_path: Path) -> None:
    assert automatic_build_args("FROM x\nRUN true\n", tmp_path) == {}
    args = automatic_build_args("FROM x\narg BUILD_DATE\nARG VCS_REF=none\n", tmp_path)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", args["BUILD_DATE"])
    assert "VCS_REF" not in args  # not a git work tree
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "f").write_text("x")
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@e"]
    subprocess.run([*git, "add", "f"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    args = automatic_build_args("FROM x\nARG VCS_REF\n", tmp_path)
    assert head.startswith(args["VCS_REF"]) and len(args["VCS_REF"]) == 12
    labels = stamp_labels(tmp_path, {"BUILD_DATE": "2026-01-02T03:04:05Z"})
    assert labels == {
        "org.opencontainers.image.created": "2026-01-02T03:04:05Z",
        "org.opencontainers.image.revision": args["VCS_REF"],
    }


def test_every_name_an_arg_instruction_declares(tmp_path: Path) -> None:
    text = "FROM x\nARG A BUILD_DATE=x \\\n    VCS_REF\nRUN echo ARG NOT_ME\narg lower=1 # c\n"
    assert declared_args(text) == {"A", "BUILD_DATE", "VCS_REF", "lower"}
    args = automatic_build_args("FROM x\nARG VERSION BUILD_DATE\n", tmp_path)
    assert set(args) == {"BUILD_DATE"}


@pytest.mark.parametrize(
    "repository",
    ["localhost/x", "127.0.0.1:5000/a/b-c", "reg.io/team/my_env", "[::1]:5000/x", "app__x"],
)
def test_valid_repositories(repository: str) -> None:
    check_repository(repository)


@pytest.mark.parametrize(
    "repository", ["Team/app", "my app", "app:1", "reg.io/app@sha256:abc", "a//b", "-a", ""]
)
def test_invalid_repositories(repository: str) -> None:
    with pytest.raises(StagesmithError, match="invalid repository"):
        image_reference(repository, "1", name="x", settings={})


@pytest.mark.parametrize(
    ("builder", "engine"),
    [
        ("tcp://10.0.0.1:2375", "docker"),
        ("ssh://ci@build-host", "docker"),
        ("buildx:fleet", "docker"),
        ("unix:///var/run/docker.sock", "docker"),
        ("unix:///run/podman/podman.sock", "podman"),
    ],
)
def test_builder_form_names_the_engine(builder: str, engine: str) -> None:
    assert engine_for_builder(builder) == engine


def test_failed_build_report_shows_the_build() -> None:
    html = render_check_html(
        "localhost/app:1",
        None,
        None,
        ["build: podman build failed at step 2/2: RUN false (exit 1)"],
        {
            "engine": "podman",
            "image": "localhost/app:1",
            "seconds": 1.5,
            "build_args": {"BUILD_DATE": "2026-01-01T00:00:00Z"},
            "labels": {"org.opencontainers.image.created": "2026-01-01T00:00:00Z"},
            "steps": ["1/2: FROM base", "2/2: RUN false"],
            "failed": True,
            "failed_step": "2/2: RUN false",
            "log_tail": ["STEP 2/2: RUN false", "Error: exit status 1"],
        },
    )
    for part in ("Build steps (2)", "2/2: RUN false", "BUILD_DATE=2026-01-01T00:00:00Z",
                 "Build log (tail)", "Error: exit status 1", "sev-error"):  # fmt: skip
        assert part in html
    assert "Verify (" not in html and "Layer sizes" not in html
