"""The pre-commit hook definition is valid YAML, runs our CLI and matches the files we lint."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from stagesmith.lint.discover import is_dockerfile_name
from tests.conftest import ROOT

HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def test_hook_shape() -> None:
    (hook,) = HOOKS
    assert hook["id"] == "stagesmith-lint"
    assert hook["language"] == "python"
    assert shlex.split(hook["entry"]) == ["stagesmith", "lint"]


@pytest.mark.parametrize(
    "path",
    [
        "Dockerfile",
        "docker/Dockerfile.dev",
        "api.Dockerfile",
        "svc/Containerfile",
        "README.md",
        "Dockerfile.d/x.txt",
        "notDockerfile",
        "src/dockerfile.py",
    ],
)
def test_hook_files_pattern_agrees_with_directory_discovery(path: str) -> None:
    pattern = re.compile(HOOKS[0]["files"])
    name = path.rsplit("/", 1)[-1]
    assert bool(pattern.search(path)) == is_dockerfile_name(name)
