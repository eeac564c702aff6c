"""User configuration: ``.stagesmith.yaml`` or ``[tool.stagesmith]`` in ``pyproject.toml``.

Each section belongs to one part of the pipeline (``images`` to the plan, ``lint`` to the
linter, ``inspect`` to image checks); this module only finds and reads the file and offers the
image map, which every layer that names an image goes through.

Lookup order: an explicit ``--config FILE``, then ``$STAGESMITH_CONFIG``, then
``.stagesmith.yaml`` / ``.stagesmith.yml`` in the given directory, then ``[tool.stagesmith]`` in
its ``pyproject.toml``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from stagesmith.errors import StagesmithError
from stagesmith.record import Record

CONFIG_NAMES = (".stagesmith.yaml", ".stagesmith.yml")


class Config(Record):
    """The raw sections of the user's configuration and where they came from."""

    __slots__ = ("data", "source")

    def __init__(self, data: dict[str, Any] | None = None, source: Path | None = None) -> None:
        self.data: dict[str, Any] = {} if data is None else data
        self.source = source

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name) or {}
        if not isinstance(value, dict):
            raise StagesmithError(f"{self.source}: '{name}' must be a mapping")
        return value

    @property
    def images(self) -> ImageMap:
        raw = self.section("images")
        mapping = {str(k): "" if v is None else str(v) for k, v in raw.items()}
        for key, value in mapping.items():
            # an empty value is allowed: it drops the ``# syntax=`` line (see generate.make_plan)
            if value:
                check_image(value, f"{self.source}: images: {key}")
        return ImageMap(mapping)


class ImageMap(Record):
    """Renames images the tool emits, for mirrors and air-gapped registries.

    Keys are either a full reference (``python:3.11-slim``) or a repository without a tag
    (``python``); a repository key keeps the tag of the image it renames.
    """

    __slots__ = ("mapping",)

    def __init__(self, mapping: dict[str, str] | None = None) -> None:
        self.mapping: dict[str, str] = {} if mapping is None else mapping

    def __call__(self, image: str) -> str:
        if image in self.mapping:
            return self.mapping[image]
        repo, sep, tag = _split_ref(image)
        if repo in self.mapping:
            return self.mapping[repo] + sep + tag
        return image


#: The OCI/Docker reference grammar (distribution's ``reference`` package, in our own regexes):
#: ``[registry[:port]/]path[:tag][@algorithm:hex]``, path components lower-case.
_DOMAIN_PART = r"(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?"
_PATH_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(
    rf"(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_PATH_PART}(?:/{_PATH_PART})*)"
    rf"(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?"
)


def check_image(image: str, origin: str) -> str:
    """``image`` when it is a valid image reference; else one error naming ``origin``.

    Every image the tool writes after ``FROM`` (or on the ``# syntax=`` line) goes through here,
    so a value with a newline, a space or ``AS`` can never add an instruction or a stage name.
    """
    problem = None
    if any(c.isspace() for c in image):
        problem = "an image reference has no spaces or line breaks"
    elif _REFERENCE.fullmatch(image) is None:
        problem = "not an image reference ([registry[:port]/]name[:tag][@sha256:digest])"
        if _REFERENCE.fullmatch(image.lower()) is not None:
            problem = "the repository path must be lower-case"
    elif len(image.split("@")[0]) > 255 + 129:
        problem = "longer than a reference may be"
    if problem is not None:
        raise StagesmithError(f"{origin}: {image!r}: {problem}")
    return image


def _split_ref(image: str) -> tuple[str, str, str]:
    """Split ``repo[:tag|@digest]`` into (repo, separator, tag-or-digest)."""
    if "@" in image:
        repo, _, digest = image.partition("@")
        return repo, "@", digest
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        return image[:colon], ":", image[colon + 1 :]
    return image, "", ""


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml  # only when there is a config file: the import is most of a lint start-up

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StagesmithError(f"cannot read config {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise StagesmithError(f"{path}:{where} malformed YAML in config") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise StagesmithError(f"{path}: config must be a mapping")
    return data


def load_config(explicit: Path | None = None, directory: Path | None = None) -> Config:
    """Find and read the configuration; an explicit path that does not exist is an error."""
    if explicit is not None:
        if not explicit.is_file():
            raise StagesmithError(f"config file {explicit} not found")
        return Config(_read_yaml(explicit), explicit)
    env = os.environ.get("STAGESMITH_CONFIG")
    if env:
        return load_config(Path(env))
    base = directory or Path.cwd()
    if base.is_file():
        base = base.parent
    for name in CONFIG_NAMES:
        candidate = base / name
        if candidate.is_file():
            return Config(_read_yaml(candidate), candidate)
    pyproject = base / "pyproject.toml"
    if pyproject.is_file():
        try:
            text = pyproject.read_text(encoding="utf-8")
        except (OSError, UnicodeError) as exc:
            raise StagesmithError(f"{pyproject}: cannot read: {exc}") from exc
        # a [tool.stagesmith] table needs the name in the text: a project's pyproject.toml
        # without it is not parsed (tomllib's import and parse are most of `lint`/`inspect`
        # start-up in a Python project), and one that is broken is not ours to report
        if "stagesmith" not in text:
            return Config()
        import tomllib

        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise StagesmithError(f"{pyproject}: cannot read: {exc}") from exc
        section = doc.get("tool", {}).get("stagesmith")
        if isinstance(section, dict):
            return Config(section, pyproject)
    return Config()
