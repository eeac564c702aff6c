"""An argument that names a missing file is an error; an image reference goes to the engine."""

from __future__ import annotations

import pytest

from stagesmith.image.reader import _looks_like_path


@pytest.mark.parametrize(
    "text", ["/tmp/x", "./app.tar", "../a", "~/img", "app.tar", "a.tgz", "out/", "my image"]
)
def test_paths(text: str) -> None:
    assert _looks_like_path(text)


@pytest.mark.parametrize(
    "text",
    ["python:3.11-slim", "localhost/ml-app:1", "registry.internal:5000/team/app@sha256:" + "a" * 64],
)
def test_image_references(text: str) -> None:
    assert not _looks_like_path(text)
