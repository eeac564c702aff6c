"""The report's findings rows: ``Finding.to_dict`` copies what it holds, as ``asdict`` did."""

from __future__ import annotations

from stagesmith.checks.model import Finding, Severity


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


def test_row_has_every_field_in_order_with_the_severity_label_and_is_a_copy() -> None:
    f = _finding({"needed_by": ["venv/x.so"], "deleted": False, "count": 2, "reasons": {"a": "b"}})
    got = f.to_dict()
    assert list(got) == [
        "id", "severity", "title", "message", "subject", "paths", "layer", "evidence",
    ]  # fmt: skip
    assert got["severity"] == "error" and got["layer"] == 3
    assert got["evidence"] == f.evidence and got["paths"] == f.paths
    # changing the row leaves the finding alone
    got["paths"].append("z")
    got["evidence"]["needed_by"].append("z")
    got["evidence"]["reasons"]["c"] = "d"
    assert f.paths == ["venv/x.so", "venv/y.so"]
    assert f.evidence["needed_by"] == ["venv/x.so"]
    assert f.evidence["reasons"] == {"a": "b"}


def test_other_data_is_copied_too() -> None:
    class Box:
        def __init__(self, items: list[int]) -> None:
            self.items = items

    box = Box([1])
    f = _finding({"span": (1, [2]), "level": Severity.INFO, "box": box})
    got = f.to_dict()["evidence"]
    assert got["span"] == (1, [2]) and type(got["span"]) is tuple  # a tuple stays a tuple
    assert got["level"] is Severity.INFO
    got["span"][1].append(3)
    got["box"].items.append(2)
    assert f.evidence["span"] == (1, [2]) and box.items == [1]


def test_defaults_are_not_shared() -> None:
    a = Finding(id="root-user", severity=Severity.WARNING, title="t", message="m")
    b = Finding(id="root-user", severity=Severity.WARNING, title="t", message="m")
    a.paths.append("x")
    assert b.paths == [] and b.to_dict()["layer"] is None
