"""The report's findings rows: ``summary.finding_dict`` gives exactly ``Finding.to_dict()``."""

from __future__ import annotations

from stagesmith.checks.model import Finding, Severity
from stagesmith.checks.summary import finding_dict


def _finding(evidence: dict[str, object]) -> Finding:
    return Finding(
        id="missing-library",
        severity=Severity.ERROR,
        title="libgomp.so.1 missing",
        message="needed by /venv/x.so",
        subject="libgomp.so.1",
        paths=["venv/x.so", "venv/y.so"],
        layer=3,
        evidence=evidence,
    )


def test_plain_finding_is_to_dict_same_keys_same_order_and_copied() -> None:
    f = _finding({"needed_by": ["venv/x.so"], "deleted": False, "count": 2, "reasons": {"a": "b"}})
    got = finding_dict(f)
    assert got == f.to_dict()
    assert list(got) == list(f.to_dict())
    assert got["severity"] == "error"
    # copies like asdict: changing the row leaves the finding alone
    got["paths"].append("z")
    got["evidence"]["needed_by"].append("z")
    got["evidence"]["reasons"]["c"] = "d"
    assert f.paths == ["venv/x.so", "venv/y.so"]
    assert f.evidence["needed_by"] == ["venv/x.so"]
    assert f.evidence["reasons"] == {"a": "b"}


def test_other_data_falls_back_to_to_dict() -> None:
    f = _finding({"span": (1, 2), "level": Severity.INFO})
    got = finding_dict(f)
    assert got == f.to_dict()
    assert got["evidence"]["span"] == (1, 2)  # asdict keeps a tuple a tuple


def test_no_layer() -> None:
    f = Finding(id="root-user", severity=Severity.WARNING, title="t", message="m")
    assert finding_dict(f) == f.to_dict()
