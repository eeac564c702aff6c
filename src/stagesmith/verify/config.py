"""Reading a container-structure-test (CST) style YAML config into plain dataclasses.

The schema follows CST's ``schemaVersion: 2.0.0`` so existing test files work unchanged.
Where CST rejects an unknown key, we warn and go on (a typo should not stop a CI run that
has other tests to report); malformed YAML, a wrong ``schemaVersion``, a wrongly typed value
or a regex that does not compile are bad input: one ``StagesmithError`` line, exit 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stagesmith.errors import StagesmithError

SCHEMA_VERSIONS = ("2.0.0",)

_TOP_KEYS = {
    "schemaVersion",
    "globalEnvVars",
    "commandTests",
    "fileExistenceTests",
    "fileContentTests",
    "metadataTest",
    "licenseTests",
    "containerRunOptions",
}
_COMMAND_KEYS = {
    "name",
    "setup",
    "teardown",
    "envVars",
    "exitCode",
    "command",
    "args",
    "expectedOutput",
    "excludedOutput",
    "expectedError",
    "excludedError",
}
_EXISTENCE_KEYS = {"name", "path", "shouldExist", "permissions", "uid", "gid", "isExecutableBy"}
_CONTENT_KEYS = {"name", "path", "expectedContents", "excludedContents"}
_METADATA_KEYS = {
    "envVars",
    "unboundEnvVars",
    "exposedPorts",
    "unexposedPorts",
    "entrypoint",
    "cmd",
    "workdir",
    "volumes",
    "unmountedVolumes",
    "labels",
    "user",
}
_RUN_OPTION_KEYS = {"user", "privileged", "allocateTty", "envVars", "envFile", "capabilities"}
_RUN_OPTIONS_SUPPORTED = {"user", "envVars"}
EXECUTABLE_BY = ("any", "owner", "group", "other")


@dataclass(frozen=True)
class EnvVar:
    """A key/value pair; ``is_regex`` makes ``value`` a regex (metadata env and labels)."""

    key: str
    value: str = ""
    is_regex: bool = False


@dataclass
class CommandTest:
    name: str
    command: str
    args: list[str] = field(default_factory=list)
    setup: list[list[str]] = field(default_factory=list)
    teardown: list[list[str]] = field(default_factory=list)
    env_vars: list[EnvVar] = field(default_factory=list)
    exit_code: int = 0
    expected_output: list[str] = field(default_factory=list)
    excluded_output: list[str] = field(default_factory=list)
    expected_error: list[str] = field(default_factory=list)
    excluded_error: list[str] = field(default_factory=list)


@dataclass
class FileExistenceTest:
    name: str
    path: str
    should_exist: bool = True
    permissions: str | None = None
    uid: int | None = None
    gid: int | None = None
    is_executable_by: str | None = None


@dataclass
class FileContentTest:
    name: str
    path: str
    expected_contents: list[str] = field(default_factory=list)
    excluded_contents: list[str] = field(default_factory=list)


@dataclass
class MetadataTest:
    env_vars: list[EnvVar] = field(default_factory=list)
    unbound_env_vars: list[str] = field(default_factory=list)
    exposed_ports: list[str] = field(default_factory=list)
    unexposed_ports: list[str] = field(default_factory=list)
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    workdir: str | None = None
    volumes: list[str] = field(default_factory=list)
    unmounted_volumes: list[str] = field(default_factory=list)
    labels: list[EnvVar] = field(default_factory=list)
    user: str | None = None

    def is_empty(self) -> bool:
        return (
            not self.env_vars
            and not self.unbound_env_vars
            and not self.exposed_ports
            and not self.unexposed_ports
            and self.entrypoint is None
            and self.cmd is None
            and not self.workdir
            and not self.volumes
            and not self.unmounted_volumes
            and not self.labels
            and not self.user
        )


@dataclass
class RunOptions:
    """The subset of CST's ``containerRunOptions`` we honour for command tests."""

    user: str | None = None
    env_vars: list[EnvVar] = field(default_factory=list)
    #: Host variables passed through by name (CST's string form of ``envVars``).
    pass_env: list[str] = field(default_factory=list)


@dataclass
class VerifyConfig:
    """A whole test file. ``warnings`` lists unknown or unsupported keys, one line each."""

    schema_version: str = "2.0.0"
    global_env_vars: list[EnvVar] = field(default_factory=list)
    command_tests: list[CommandTest] = field(default_factory=list)
    file_existence_tests: list[FileExistenceTest] = field(default_factory=list)
    file_content_tests: list[FileContentTest] = field(default_factory=list)
    metadata_test: MetadataTest = field(default_factory=MetadataTest)
    run_options: RunOptions = field(default_factory=RunOptions)
    source: str = "<config>"
    warnings: list[str] = field(default_factory=list)

    @property
    def test_count(self) -> int:
        meta = 0 if self.metadata_test.is_empty() else 1
        return (
            len(self.command_tests)
            + len(self.file_existence_tests)
            + len(self.file_content_tests)
            + meta
        )


class _Reader:
    """Typed access to the raw YAML with error messages that name the place."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.warnings: list[str] = []

    def fail(self, where: str, message: str) -> StagesmithError:
        return StagesmithError(f"{self.source}: {where}: {message}")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(where, "must be a mapping")
        return value

    def unknown(self, data: dict[str, Any], known: set[str], where: str) -> None:
        for key in data:
            if key not in known:
                self.warnings.append(f"{self.source}: {where}: unknown key '{key}' ignored")

    def seq(self, value: Any, where: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(where, "must be a list")
        return value

    def string(self, value: Any, where: str, required: bool = False) -> str | None:
        if value is None:
            if required:
                raise self.fail(where, "is required")
            return None
        if isinstance(value, bool | dict | list):
            raise self.fail(where, "must be a string")
        text = str(value)
        if required and not text:
            raise self.fail(where, "must not be empty")
        return text

    def strings(self, value: Any, where: str) -> list[str]:
        items = []
        for i, v in enumerate(self.seq(value, where)):
            if v is None:
                raise self.fail(f"{where}[{i}]", "must be a string")
            items.append(str(self.string(v, f"{where}[{i}]")))
        return items

    def regexes(self, value: Any, where: str) -> list[str]:
        items = self.strings(value, where)
        for i, pattern in enumerate(items):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise self.fail(f"{where}[{i}]", f"invalid regex {pattern!r}: {exc}") from exc
        return items

    def integer(self, value: Any, where: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, "must be an integer")
        return value

    def boolean(self, value: Any, where: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(where, "must be true or false")
        return value

    def env_vars(self, value: Any, where: str, need_value: bool) -> list[EnvVar]:
        result = []
        for i, raw in enumerate(self.seq(value, where)):
            here = f"{where}[{i}]"
            item = self.mapping(raw, here)
            self.unknown(item, {"key", "value", "isRegex"}, here)
            key = str(self.string(item.get("key"), f"{here}.key", True))
            val = self.string(item.get("value"), f"{here}.value", need_value) or ""
            is_regex = self.boolean(item.get("isRegex"), f"{here}.isRegex", False)
            if is_regex:
                self.regexes([val], f"{here}.value")
            result.append(EnvVar(key, val, is_regex))
        return result

    def argv_list(self, value: Any, where: str) -> list[list[str]]:
        result = []
        for i, raw in enumerate(self.seq(value, where)):
            argv = self.strings(raw, f"{where}[{i}]")
            if not argv:
                raise self.fail(f"{where}[{i}]", "empty command")
            result.append(argv)
        return result

    def optional_strings(self, value: Any, where: str, present: bool) -> list[str] | None:
        if not present:
            return None
        return self.strings(value, where)


def _name(r: _Reader, item: dict[str, Any], where: str) -> str:
    return str(r.string(item.get("name"), f"{where}.name", True))


def parse_verify_config(data: Any, source: str = "<config>") -> VerifyConfig:
    """Turn already-loaded YAML into a ``VerifyConfig`` (raises ``StagesmithError`` on bad input)."""
    r = _Reader(source)
    if not isinstance(data, dict):
        raise StagesmithError(f"{source}: a verify config must be a mapping")
    version = data.get("schemaVersion")
    if version is None:
        raise StagesmithError(f"{source}: schemaVersion is missing (expected 2.0.0)")
    if str(version) not in SCHEMA_VERSIONS:
        raise StagesmithError(f"{source}: unsupported schemaVersion {version!r} (expected 2.0.0)")
    r.unknown(data, _TOP_KEYS, "top level")
    cfg = VerifyConfig(schema_version=str(version), source=source)
    if data.get("licenseTests"):
        r.warnings.append(f"{source}: licenseTests are not supported and were skipped")
    cfg.global_env_vars = r.env_vars(data.get("globalEnvVars"), "globalEnvVars", True)

    for i, raw in enumerate(r.seq(data.get("commandTests"), "commandTests")):
        where = f"commandTests[{i}]"
        item = r.mapping(raw, where)
        r.unknown(item, _COMMAND_KEYS, where)
        cfg.command_tests.append(
            CommandTest(
                name=_name(r, item, where),
                command=str(r.string(item.get("command"), f"{where}.command", True)),
                args=r.strings(item.get("args"), f"{where}.args"),
                setup=r.argv_list(item.get("setup"), f"{where}.setup"),
                teardown=r.argv_list(item.get("teardown"), f"{where}.teardown"),
                env_vars=r.env_vars(item.get("envVars"), f"{where}.envVars", True),
                exit_code=r.integer(item.get("exitCode"), f"{where}.exitCode") or 0,
                expected_output=r.regexes(item.get("expectedOutput"), f"{where}.expectedOutput"),
                excluded_output=r.regexes(item.get("excludedOutput"), f"{where}.excludedOutput"),
                expected_error=r.regexes(item.get("expectedError"), f"{where}.expectedError"),
                excluded_error=r.regexes(item.get("excludedError"), f"{where}.excludedError"),
            )
        )

    for i, raw in enumerate(r.seq(data.get("fileExistenceTests"), "fileExistenceTests")):
        where = f"fileExistenceTests[{i}]"
        item = r.mapping(raw, where)
        r.unknown(item, _EXISTENCE_KEYS, where)
        by = r.string(item.get("isExecutableBy"), f"{where}.isExecutableBy")
        if by is not None and by not in EXECUTABLE_BY:
            raise r.fail(f"{where}.isExecutableBy", f"must be one of {', '.join(EXECUTABLE_BY)}")
        cfg.file_existence_tests.append(
            FileExistenceTest(
                name=_name(r, item, where),
                path=str(r.string(item.get("path"), f"{where}.path", True)),
                should_exist=r.boolean(item.get("shouldExist"), f"{where}.shouldExist", True),
                permissions=r.string(item.get("permissions"), f"{where}.permissions") or None,
                uid=r.integer(item.get("uid"), f"{where}.uid"),
                gid=r.integer(item.get("gid"), f"{where}.gid"),
                is_executable_by=by or None,
            )
        )

    for i, raw in enumerate(r.seq(data.get("fileContentTests"), "fileContentTests")):
        where = f"fileContentTests[{i}]"
        item = r.mapping(raw, where)
        r.unknown(item, _CONTENT_KEYS, where)
        cfg.file_content_tests.append(
            FileContentTest(
                name=_name(r, item, where),
                path=str(r.string(item.get("path"), f"{where}.path", True)),
                expected_contents=r.regexes(
                    item.get("expectedContents"), f"{where}.expectedContents"
                ),
                excluded_contents=r.regexes(
                    item.get("excludedContents"), f"{where}.excludedContents"
                ),
            )
        )

    meta = r.mapping(data.get("metadataTest"), "metadataTest")
    r.unknown(meta, _METADATA_KEYS, "metadataTest")
    cfg.metadata_test = MetadataTest(
        env_vars=r.env_vars(meta.get("envVars"), "metadataTest.envVars", False),
        unbound_env_vars=[
            e.key
            for e in r.env_vars(meta.get("unboundEnvVars"), "metadataTest.unboundEnvVars", False)
        ],
        exposed_ports=r.strings(meta.get("exposedPorts"), "metadataTest.exposedPorts"),
        unexposed_ports=r.strings(meta.get("unexposedPorts"), "metadataTest.unexposedPorts"),
        entrypoint=r.optional_strings(
            meta.get("entrypoint"), "metadataTest.entrypoint", "entrypoint" in meta
        ),
        cmd=r.optional_strings(meta.get("cmd"), "metadataTest.cmd", "cmd" in meta),
        workdir=r.string(meta.get("workdir"), "metadataTest.workdir") or None,
        volumes=r.strings(meta.get("volumes"), "metadataTest.volumes"),
        unmounted_volumes=r.strings(meta.get("unmountedVolumes"), "metadataTest.unmountedVolumes"),
        labels=r.env_vars(meta.get("labels"), "metadataTest.labels", False),
        user=r.string(meta.get("user"), "metadataTest.user") or None,
    )

    opts = r.mapping(data.get("containerRunOptions"), "containerRunOptions")
    r.unknown(opts, _RUN_OPTION_KEYS, "containerRunOptions")
    for key in opts:
        if key in _RUN_OPTION_KEYS and key not in _RUN_OPTIONS_SUPPORTED and opts[key]:
            r.warnings.append(
                f"{source}: containerRunOptions.{key} is not supported and was ignored"
            )
    raw_env = r.seq(opts.get("envVars"), "containerRunOptions.envVars")
    cfg.run_options = RunOptions(
        user=r.string(opts.get("user"), "containerRunOptions.user") or None,
        env_vars=r.env_vars(
            [e for e in raw_env if isinstance(e, dict)], "containerRunOptions.envVars", True
        ),
        pass_env=r.strings(
            [e for e in raw_env if not isinstance(e, dict)], "containerRunOptions.envVars"
        ),
    )
    cfg.warnings = r.warnings
    return cfg


def load_verify_config(path: Path) -> VerifyConfig:
    """Read and check a test file; bad input raises ``StagesmithError`` (exit 2)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise StagesmithError(f"verify config {path} not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise StagesmithError(f"cannot read verify config {path}: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise StagesmithError(f"{path}:{where}: malformed YAML: {problem}") from exc
    return parse_verify_config(data, str(path))
