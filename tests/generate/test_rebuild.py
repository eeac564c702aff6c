"""What a source-only edit re-runs, worked out from the generated Dockerfile the way BuildKit's
cache does (parsed by the BuildKit parser oracle): a step is re-run when it, or a step before it
in its stage, or the stage it starts from or copies from, changed; ``COPY . ...`` from the context
changes with any source file, a ``COPY`` of named manifests does not.

For a package project (pyproject) only the project itself may be rebuilt, offline, with no
resolver and no build environment; the runtime's venv layer must stay cached."""

from __future__ import annotations

import pytest

import dockerfile
from stagesmith.generate import GenerateOptions, generate
from tests.generate.test_generate import CASES

PACKAGES = ["py-uv", "py-cext", "py-poetry", "py-pyproject", "py-uv-distroless", "py-uv-ubuntu"]


def _stages(text: str) -> list[tuple[str, str, list[dockerfile.Command]]]:
    """(name, FROM argument, instructions after FROM) of each stage."""
    stages: list[tuple[str, str, list[dockerfile.Command]]] = []
    for cmd in dockerfile.parse_string(text):
        if cmd.cmd == "FROM":
            base, _, name = cmd.value
            stages.append((name, base, []))
        elif stages:
            stages[-1][2].append(cmd)
    return stages


def _from(cmd: dockerfile.Command) -> str | None:
    return next((f.split("=", 1)[1] for f in cmd.flags if f.startswith("--from=")), None)


def rerun_after_source_edit(text: str) -> dict[str, list[str]]:
    """Per stage, the instructions (``original`` text) a source-only edit re-runs."""
    changed: dict[str, bool] = {}
    rerun: dict[str, list[str]] = {}
    for name, base, cmds in _stages(text):
        dirty = changed.get(base, False)
        rerun[name] = []
        for cmd in cmds:
            if cmd.cmd in ("COPY", "ADD"):
                source = _from(cmd)
                if source is None:
                    dirty = dirty or "." in cmd.value[:-1]  # the whole context
                else:
                    dirty = dirty or changed.get(source, False)
            if dirty:
                rerun[name].append(cmd.original)
        changed[name] = dirty
    return rerun


@pytest.mark.parametrize("case", PACKAGES)
def test_package_source_edit_rebuilds_only_the_project(case: str) -> None:
    text = generate(GenerateOptions(**CASES[case])).dockerfile
    rerun = rerun_after_source_edit(text)
    assert rerun["deps"] == [] and rerun["venv"] == []  # dependencies and the runtime's venv
    runs = [r for r in rerun["builder"] if r.startswith("RUN ")]
    assert len(runs) == 1, runs
    # the project alone, with the backend installed before the source: nothing to fetch or resolve
    for flag in ("--offline", "--no-deps", "--no-build-isolation", "--prefix /opt/project"):
        assert flag in runs[0], (flag, runs[0])
    uid = 65532 if case.endswith("distroless") else 10001  # distroless's nonroot user
    assert [r.split()[:3] for r in rerun["production"]] == [
        ["COPY", "--from=builder", "/opt/project/"],
        ["COPY", f"--chown={uid}:{uid}", "."],
    ]
    # the build backend is installed in the builder before the source is copied
    builder = next(cmds for name, _, cmds in _stages(text) if name == "builder")
    first_copy = next(i for i, c in enumerate(builder) if c.cmd == "COPY")
    assert "/opt/build" in builder[first_copy - 1].original


def test_plan_says_how_the_project_is_installed() -> None:
    decisions = {
        case: {d.key: d.value for d in generate(GenerateOptions(**CASES[case])).plan.decisions}
        for case in ("py-cext", "py-web")
    }
    assert "--offline --no-deps --no-build-isolation" in decisions["py-cext"]["project"]
    assert "project" not in decisions["py-web"]  # an application is not installed


def test_application_source_edit_reruns_no_step() -> None:
    """An application (requirements.txt) only copies its source again into the runtime."""
    rerun = rerun_after_source_edit(generate(GenerateOptions(**CASES["py-web"])).dockerfile)
    production = ("deps", "venv", "builder", "production")  # what the default target builds
    assert not [r for s in production for r in rerun[s] if r.startswith("RUN ")], rerun
    assert [r.split()[:2] for r in rerun["production"]] == [["COPY", "--chown=10001:10001"]]


def test_the_model_sees_a_step_after_the_source() -> None:
    """The model is not blind: an install placed after ``COPY . .`` is reported as re-run."""
    text = "FROM python:3.11 AS deps\nCOPY . .\nRUN pip install -r requirements.txt\n"
    assert rerun_after_source_edit(text)["deps"] == [
        "COPY . .",
        "RUN pip install -r requirements.txt",
    ]
