"""The metadata test: one result for all of ``metadataTest``, as container-structure-test does.

Exposed ports: CST compares the port number without protocol (``8080`` matches
``8080/tcp``); we accept that and also a port written with its protocol (``53/udp``), which
CST's tar driver never matches.
"""

from __future__ import annotations

import re
import time

from stagesmith.verify.config import MetadataTest
from stagesmith.verify.report import CheckResult
from stagesmith.verify.view import ImageMeta


def _port_matches(wanted: str, exposed: list[str]) -> bool:
    if "/" in wanted:
        return wanted in exposed or (wanted.endswith("/tcp") and wanted[:-4] in exposed)
    return any(p.split("/")[0] == wanted for p in exposed)


def _value_matches(expected: str, actual: str, is_regex: bool) -> bool:
    return bool(re.search(expected, actual)) if is_regex else expected == actual


def run_metadata(test: MetadataTest, meta: ImageMeta) -> CheckResult:
    start = time.monotonic()
    result = CheckResult("metadata", "Metadata Test", True)
    env = meta.env_map()
    for var in test.env_vars:
        if var.key not in env:
            result.fail(f"variable {var.key} not found in image env")
        elif not _value_matches(var.value, env[var.key], var.is_regex):
            result.fail(
                f"env var {var.key} value {env[var.key]!r} does not match expected {var.value!r}"
            )
    for key in test.unbound_env_vars:
        if key in env:
            result.fail(f"env var {key} should not be set in the image")
    for label in test.labels:
        if label.key not in meta.labels:
            result.fail(f"label {label.key} not found in image metadata")
        elif not _value_matches(label.value, meta.labels[label.key], label.is_regex):
            result.fail(
                f"label {label.key} value {meta.labels[label.key]!r} "
                f"does not match expected {label.value!r}"
            )
    if test.cmd is not None and test.cmd != meta.cmd:
        result.fail(f"image cmd {meta.cmd} does not match expected {test.cmd}")
    if test.entrypoint is not None and test.entrypoint != meta.entrypoint:
        result.fail(f"image entrypoint {meta.entrypoint} does not match expected {test.entrypoint}")
    if test.workdir and test.workdir != meta.working_dir:
        result.fail(f"image workdir {meta.working_dir!r} does not match expected {test.workdir!r}")
    if test.user and test.user != meta.user:
        result.fail(f"image user {meta.user!r} does not match expected {test.user!r}")
    for port in test.exposed_ports:
        if not _port_matches(port, meta.exposed_ports):
            result.fail(f"port {port} is not exposed")
    for port in test.unexposed_ports:
        if _port_matches(port, meta.exposed_ports):
            result.fail(f"port {port} should not be exposed")
    for volume in test.volumes:
        if volume not in meta.volumes:
            result.fail(f"volume {volume} not found in config")
    for volume in test.unmounted_volumes:
        if volume in meta.volumes:
            result.fail(f"volume {volume} should not be declared")
    result.duration = time.monotonic() - start
    return result
