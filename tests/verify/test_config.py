"""The CST-compatible schema: what loads, what warns, what is bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagesmith.errors import StagesmithError
from stagesmith.verify.config import load_verify_config, parse_verify_config

FULL = """
schemaVersion: 2.0.0
globalEnvVars:
  - key: GREETING
    value: hello
commandTests:
  - name: echo
    command: echo
    args: ["$GREETING"]
    setup: [["touch", "/tmp/x"]]
    teardown: [["rm", "/tmp/x"]]
    envVars:
      - key: A
        value: b
    exitCode: 3
    expectedOutput: ["hel+o"]
    excludedOutput: ["bye"]
    expectedError: [""]
    excludedError: ["panic"]
fileExistenceTests:
  - name: bin
    path: /usr/bin/tool
    permissions: "-rwxr-xr-x"
    uid: 1000
    gid: 1000
    isExecutableBy: group
  - name: gone
    path: /gone
    shouldExist: false
fileContentTests:
  - name: passwd
    path: /etc/passwd
    expectedContents: ["^root:"]
    excludedContents: ["nobody"]
metadataTest:
  envVars:
    - key: PATH
      value: "/usr/.*"
      isRegex: true
  unboundEnvVars:
    - key: DEBUG
  exposedPorts: ["8080"]
  unexposedPorts: ["22"]
  entrypoint: []
  cmd: ["serve"]
  workdir: /srv
  volumes: ["/data"]
  unmountedVolumes: ["/tmp"]
  labels:
    - key: org.opencontainers.image.version
      value: "1.0"
  user: app
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cfg.yaml"
    path.write_text(text)
    return path


def test_full_config_loads_every_field(tmp_path: Path) -> None:
    cfg = load_verify_config(_write(tmp_path, FULL))
    assert cfg.warnings == []
    assert cfg.global_env_vars[0].key == "GREETING"
    cmd = cfg.command_tests[0]
    assert (cmd.command, cmd.args, cmd.exit_code) == ("echo", ["$GREETING"], 3)
    assert cmd.setup == [["touch", "/tmp/x"]] and cmd.teardown == [["rm", "/tmp/x"]]
    assert cmd.expected_output == ["hel+o"] and cmd.excluded_error == ["panic"]
    fe = cfg.file_existence_tests
    assert (fe[0].permissions, fe[0].uid, fe[0].gid, fe[0].is_executable_by) == (
        "-rwxr-xr-x",
        1000,
        1000,
        "group",
    )
    assert fe[0].should_exist is True and fe[1].should_exist is False
    assert fe[1].uid is None and fe[1].permissions is None
    meta = cfg.metadata_test
    assert meta.env_vars[0].is_regex and meta.unbound_env_vars == ["DEBUG"]
    assert meta.entrypoint == [] and meta.cmd == ["serve"]
    assert meta.user == "app" and meta.workdir == "/srv"
    assert cfg.test_count == 5


def test_absent_cmd_is_not_checked_but_empty_list_is(tmp_path: Path) -> None:
    cfg = parse_verify_config({"schemaVersion": "2.0.0", "metadataTest": {"cmd": []}})
    assert cfg.metadata_test.cmd == [] and cfg.metadata_test.entrypoint is None
    assert not cfg.metadata_test.is_empty()
    assert parse_verify_config({"schemaVersion": "2.0.0"}).metadata_test.is_empty()


def test_unknown_keys_warn_and_do_not_fail() -> None:
    cfg = parse_verify_config(
        {
            "schemaVersion": "2.0.0",
            "fileExistenceTests": [{"name": "a", "path": "/a", "shuoldExist": False}],
            "extra": 1,
            "licenseTests": [{"debian": True}],
            "containerRunOptions": {"privileged": True},
        },
        "t.yaml",
    )
    text = "\n".join(cfg.warnings)
    assert "fileExistenceTests[0]: unknown key 'shuoldExist'" in text
    assert "unknown key 'extra'" in text
    assert "licenseTests are not supported" in text
    assert "containerRunOptions.privileged is not supported" in text
    # the misspelt key did not change the default
    assert cfg.file_existence_tests[0].should_exist is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schemaVersion: 2.0.0\ncommandTests: [\n", "malformed YAML"),
        ("schemaVersion: 1.0.0\n", "unsupported schemaVersion '1.0.0'"),
        ("commandTests: []\n", "schemaVersion is missing"),
        ("- a\n- b\n", "must be a mapping"),
        ("schemaVersion: 2.0.0\ncommandTests: {}\n", "commandTests: must be a list"),
        (
            "schemaVersion: 2.0.0\ncommandTests:\n- name: x\n",
            "commandTests[0].command: is required",
        ),
        (
            "schemaVersion: 2.0.0\nfileExistenceTests:\n- path: /x\n",
            "fileExistenceTests[0].name: is required",
        ),
        (
            "schemaVersion: 2.0.0\nfileExistenceTests:\n- {name: x, path: /x, uid: abc}\n",
            "uid: must be an integer",
        ),
        (
            "schemaVersion: 2.0.0\nfileExistenceTests:\n- {name: x, path: /x, isExecutableBy: me}\n",
            "isExecutableBy: must be one of",
        ),
        (
            "schemaVersion: 2.0.0\nfileContentTests:\n- {name: x, path: /x, expectedContents: ['((']}\n",
            "invalid regex",
        ),
        (
            "schemaVersion: 2.0.0\ncommandTests:\n- {name: x, command: y, setup: [[]]}\n",
            "empty command",
        ),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(StagesmithError) as info:
        load_verify_config(_write(tmp_path, text))
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert info.value.exit_code == 2


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(StagesmithError, match="not found"):
        load_verify_config(tmp_path / "nope.yaml")


def test_numeric_schema_version_string_forms(tmp_path: Path) -> None:
    # YAML reads 2.0.0 as a string; quoted forms must be accepted too
    assert (
        load_verify_config(_write(tmp_path, "schemaVersion: '2.0.0'\n")).schema_version == "2.0.0"
    )
