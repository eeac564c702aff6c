"""The `# syntax=` frontend is an image the tool emits: the image map renames or drops it."""

from __future__ import annotations

from pathlib import Path

import pytest

import dockerfile
from stagesmith.config import Config
from stagesmith.generate import GenerateOptions, generate
from tests.conftest import FIXTURES

APPS = FIXTURES / "apps"


@pytest.mark.parametrize("app", ["py-web", "go-hello", "node-api"])
def test_default_mapped_and_dropped_frontend(app: str) -> None:
    path: Path = APPS / app
    default = generate(GenerateOptions(path=path, config=Config())).dockerfile
    assert default.splitlines()[0] == "# syntax=docker/dockerfile:1"

    mirror = Config({"images": {"docker/dockerfile": "mirror.local/docker/dockerfile"}})
    renamed = generate(GenerateOptions(path=path, config=mirror))
    assert renamed.dockerfile.splitlines()[0] == "# syntax=mirror.local/docker/dockerfile:1"
    assert any(d.key == "syntax" for d in renamed.plan.decisions)

    dropped = generate(
        GenerateOptions(path=path, config=Config({"images": {"docker/dockerfile:1": ""}}))
    ).dockerfile
    assert "# syntax=" not in dropped
    # Without the directive the file is still a valid Dockerfile for BuildKit's parser.
    assert dockerfile.parse_string(dropped)[0].cmd in ("FROM", "ARG")
