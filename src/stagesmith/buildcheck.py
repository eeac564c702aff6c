"""`stagesmith build --check`: after a build, inspect the image and verify it, in one report.

Orchestration only: the image is saved once through the engine (or the ``--output``
docker-archive is reused), read by the daemonless inspector (``stagesmith.checks``), and verified (``stagesmith.verify``) — command tests in a
container through the same engine, file and metadata tests from the image itself.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stagesmith.checks.source import inspect_source
from stagesmith.checks.thresholds import Gates
from stagesmith.config import Config
from stagesmith.engine import Engine
from stagesmith.verify import run_verify


@dataclass
class CheckOutcome:
    """What ``--check`` found: the inspect report, the verify report, and every problem."""

    image: str
    inspect: dict[str, Any]
    verify: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def gates_for_check(config: Config) -> Gates:
    """The config's inspect gates; with no ``fail-on`` there, error-level findings fail."""
    section = config.section("inspect")
    # keys are written with - or _ (as for inspect itself)
    named = any(str(key).replace("_", "-") == "fail-on" for key in section)
    fail_on = None if named else "error"
    return Gates.build(section, None, None, fail_on)


def check_built_image(
    image: str,
    engine: Engine,
    config: Config,
    *,
    archive: Path | None = None,
    verify_config: Path | None = None,
) -> CheckOutcome:
    """Inspect and verify ``image``; ``archive`` is a docker-archive already saved, if any."""
    with tempfile.TemporaryDirectory(prefix="stagesmith-check-") as tmp:
        if archive is None:
            archive = Path(tmp) / "image.tar"
            engine.save(image, archive, "docker-archive")
        inspection = inspect_source(str(archive))
        # The same export serves the verifier's file and metadata tests: saved once.
        verify = run_verify(image, verify_config, engine=engine, archive=archive)
    report = inspection.report
    problems = [f"inspect: {line}" for line in gates_for_check(config).violations(report)]
    for result in verify.results:
        if not result.passed:
            reason = result.errors[0] if result.errors else "failed"
            problems.append(f"verify: {result.kind} {result.name}: {reason}")
    return CheckOutcome(image=image, inspect=report, verify=verify.to_dict(), problems=problems)
