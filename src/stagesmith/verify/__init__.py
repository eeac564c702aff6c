"""``stagesmith verify``: container-structure-test compatible tests and built-in image checks.

File, content and metadata tests read the image itself (no container), so they work on
archives; command tests and the start check run containers through an engine.
"""

from __future__ import annotations

from stagesmith.verify.config import VerifyConfig, load_verify_config, parse_verify_config
from stagesmith.verify.report import CheckResult, VerifyReport, to_junit
from stagesmith.verify.runner import run_verify

__all__ = [
    "CheckResult",
    "VerifyConfig",
    "VerifyReport",
    "load_verify_config",
    "parse_verify_config",
    "run_verify",
    "to_junit",
]
