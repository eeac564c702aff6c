"""BuildKit's own parser and shell test vectors, reproduced byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagesmith.dockerfile import ParseError, dump, parse
from stagesmith.dockerfile.shell import ShellError, expand, split_words
from tests.conftest import SHARED

BUILDKIT = SHARED / "conformance" / "buildkit"
POSITIVE = sorted((BUILDKIT / "parser" / "testfiles").glob("*/Dockerfile"))
NEGATIVE = sorted((BUILDKIT / "parser" / "testfiles-negative").glob("*/Dockerfile"))


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="surrogateescape")


def test_the_vectors_are_there() -> None:
    if not BUILDKIT.is_dir():
        pytest.skip(f"{BUILDKIT} not present")
    assert len(POSITIVE) == 33
    assert len(NEGATIVE) == 4


@pytest.mark.parametrize("dockerfile", POSITIVE, ids=lambda p: p.parent.name)
def test_dump_is_byte_identical(dockerfile: Path) -> None:
    expected = _read(dockerfile.parent / "result")
    assert dump(parse(_read(dockerfile))) == expected


@pytest.mark.parametrize("dockerfile", NEGATIVE, ids=lambda p: p.parent.name)
def test_negative_cases_are_rejected(dockerfile: Path) -> None:
    with pytest.raises(ParseError) as info:
        parse(_read(dockerfile), path=str(dockerfile))
    assert info.value.line >= 1
    assert str(info.value).startswith(f"{dockerfile}:{info.value.line}:")


def _env_var_cases() -> list[tuple[str, str]]:
    path = BUILDKIT / "shell" / "envVarTest"
    if not path.is_file():
        return []
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        platform, source, expected = (part.strip() for part in line.split("|"))
        if platform in ("A", "U"):
            cases.append((source, expected))
    return cases


ENV_VAR_CASES = _env_var_cases()
ENV = {"PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""}


def test_env_var_vectors_present() -> None:
    if not BUILDKIT.is_dir():
        pytest.skip(f"{BUILDKIT} not present")
    assert len(ENV_VAR_CASES) > 200


@pytest.mark.parametrize(("source", "expected"), ENV_VAR_CASES)
def test_env_var_expansion(source: str, expected: str) -> None:
    if expected == "error":
        with pytest.raises(ShellError):
            expand(source, ENV)
    else:
        assert expand(source, ENV) == expected


def test_words_vectors() -> None:
    path = BUILDKIT / "shell" / "wordsTest"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    env: dict[str, str] = {}
    checked = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("ENV "):
            key, _, value = line[4:].partition("=")
            env[key] = value
            continue
        source, expected = line.split("|")
        source = source.strip()
        expected = expected.lstrip(" ")
        if expected == "error":
            with pytest.raises(ShellError):
                split_words(source, env)
        else:
            assert split_words(source, env) == expected.split(","), source
        checked += 1
    assert checked >= 20
