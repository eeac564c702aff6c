"""Reports rendered from real inspections of layered tar images: JSON, text, HTML, compare."""

from __future__ import annotations

import io
import json
import pathlib
import re

from rich.console import Console

from stagesmith.checks.compare import change_lines, compare
from stagesmith.checks.summary import SCHEMA, inspect_image
from stagesmith.checks.thresholds import Gates, parse_size
from stagesmith.report.html import render_compare_html, render_inspect_html
from stagesmith.report.json import to_json
from stagesmith.report.text import render_compare, render_inspect
from tests.checks.synth import Config, SynthImage

TOOL = (b"#!/bin/sh\n# compiler stand-in\n" * 4, 0o755)
PASSWD = b"root:x:0:0:root:/root:/bin/bash\napp:x:10001:10001::/home/app:/bin/sh\n"


def fat() -> SynthImage:
    return SynthImage(
        [
            {"etc/passwd": PASSWD, "usr/bin/gcc": TOOL, "usr/lib/big.bin": b"x" * 5000},
            {"app/main.py": b"print('hi')\n", "app/<script>alert(1)</script>.txt": b"y" * 10},
        ]
    )


def slim() -> SynthImage:
    return SynthImage(
        [{"etc/passwd": PASSWD, "app/main.py": b"print('hi')\n"}], Config(user="10001")
    )


def test_json_report_follows_the_schema() -> None:
    report = inspect_image(fat(), "fat.tar").report
    doc = json.loads(to_json(report))
    assert doc["schema"] == SCHEMA
    assert doc["totals"]["files"] == 5
    assert doc["totals"]["layers"] == 2
    assert {f["id"] for f in doc["findings"]} == {"build-tool", "root-user"}
    assert doc["counts"] == {"info": 0, "warning": 2, "error": 0}
    assert doc["config"]["user"] == ""
    gcc = next(f for f in doc["findings"] if f["id"] == "build-tool")
    assert gcc["paths"] == ["usr/bin/gcc"] and gcc["layer"] == 0 and gcc["severity"] == "warning"


def test_text_report_lists_findings() -> None:
    buf = io.StringIO()
    render_inspect(Console(file=buf, width=200), inspect_image(fat(), "fat.tar").report)
    text = buf.getvalue()
    assert "fat.tar" in text and "gcc" in text and "root-user" in text


def test_html_is_self_contained_and_escapes_image_data() -> None:
    page = render_inspect_html(inspect_image(fat(), "fat.tar").report)
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page and "<style>" in page
    assert "<script" not in page.lower()
    # no external assets: the only URL is the SVG namespace
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}
    assert "runs as root" in page or "root" in page


def test_compare_reports_sizes_files_and_finding_changes() -> None:
    a, b = inspect_image(fat(), "fat"), inspect_image(slim(), "slim")
    diff = compare(a, b)
    assert diff["size"]["a"] > diff["size"]["b"]
    assert 0 < diff["size"]["reduction_percent"] < 100
    assert diff["only_in_a"]["count"] == 3
    assert diff["only_in_a"]["largest"][0] == {"path": "usr/lib/big.bin", "size": 5000}
    assert diff["only_in_b"]["count"] == 0
    assert diff["directories"][0]["path"] == "usr/lib" and diff["directories"][0]["delta"] == -5000
    lines = change_lines(diff)
    assert "gcc removed" in lines
    assert "runs as root → uid 10001" in lines
    assert change_lines(compare(b, a)) == ["gcc added", "uid 10001 → runs as root"]
    buf = io.StringIO()
    render_compare(Console(file=buf, width=200), diff, lines)
    assert "gcc removed" in buf.getvalue()
    page = render_compare_html(diff, lines)
    assert "gcc removed" in page and "<script" not in page.lower()


def test_gates_from_flags_and_config() -> None:
    report = inspect_image(fat(), "fat").report
    report["efficiency"] = {
        "score": 0.8,
        "wasted_bytes": 60_000_000,
        "user_wasted_percent": 0.1,
        "inefficient": [],
    }
    assert Gates.build({}, None, None, None).violations(report) == []
    assert len(Gates.build({}, 0.9, None, None).violations(report)) == 1
    assert (
        len(Gates.build({"fail-on-wasted-bytes": "50MB"}, None, None, None).violations(report)) == 1
    )
    assert (
        Gates.build({"fail-on-wasted-bytes": "50MB"}, None, "70MB", None).violations(report) == []
    )
    assert len(Gates.build({}, None, None, "root-user").violations(report)) == 1
    assert len(Gates.build({}, None, None, "warning").violations(report)) == 2
    assert Gates.build({"fail-on": ["error"]}, None, None, None).violations(report) == []
    assert parse_size("50MB") == 50_000_000 and parse_size("1.5KiB") == 1536


def test_html_escapes_hostile_layer_commands_and_paths() -> None:
    report = inspect_image(fat(), "<img src=x onerror=alert(1)>").report
    report["layers"][0]["created_by"] = "RUN echo </code><script>alert(1)</script>"
    report["findings"][0]["message"] = "<b>bold</b> & more"
    page = render_inspect_html(report)
    assert "<script" not in page.lower() and "<img" not in page and "<b>bold" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt; &amp; more" in page


def test_reports_validate_against_the_shipped_json_schemas() -> None:
    import jsonschema

    from stagesmith.report.json import load_schema

    a, b = inspect_image(fat(), "fat"), inspect_image(slim(), "slim")
    a.report["efficiency"] = {
        "score": 0.5,
        "wasted_bytes": 10,
        "user_wasted_percent": 0.1,
        "inefficient": [{"path": "x", "count": 2, "wasted_bytes": 10}],
    }
    for report in (a.report, b.report):
        jsonschema.validate(json.loads(to_json(report)), load_schema("inspect"))
    diff = compare(a, b)
    diff["changes"] = change_lines(diff)
    jsonschema.validate(json.loads(to_json(diff)), load_schema("compare"))
    broken = dict(a.report, findings=[{"id": "x"}])
    try:
        jsonschema.validate(broken, load_schema("inspect"))
    except jsonschema.ValidationError:
        pass
    else:  # pragma: no cover
        raise AssertionError("schema accepted a finding without severity")


def test_text_report_prints_hostile_markup_literally() -> None:
    report = inspect_image(fat(), "[red]img[/]").report
    report["layers"][0]["created_by"] = "RUN echo [/bold] [link=x]y[/link]"
    report["findings"][0]["message"] = "/app/[/]weird[bold]"
    buf = io.StringIO()
    render_inspect(Console(file=buf, width=200), report)
    text = buf.getvalue()
    assert "[red]img[/]" in text and "[/bold]" in text and "/app/[/]weird[bold]" in text


def test_every_emitted_finding_id_is_known_to_the_gates() -> None:
    from stagesmith.checks.thresholds import KNOWN_IDS

    gates = Gates.build({}, None, None, "secret,no-such-id,error")
    assert gates.unknown_ids() == ["no-such-id"]
    emitted = {f["id"] for f in inspect_image(fat(), "x").report["findings"]}
    assert emitted <= KNOWN_IDS


def test_reports_show_source_digests_compressed_sizes_and_a_findings_chart(
    tmp_path: pathlib.Path,
) -> None:
    from stagesmith.image import open_image
    from tests.archives import docker_archive, file

    src = docker_archive(
        tmp_path / "x.tar",
        [[file("usr/bin/gcc", b"#!/bin/sh\n" * 9, 0o755), file("a", 3000)], [file("a", 10)]],
        compression="gzip",
        legacy=False,
    )
    with open_image(src) as image:
        report = inspect_image(image, str(src)).report
        digest = image.layers[0].digest
    assert report["source"] == {
        "format": "docker-archive",
        "platform": "linux/amd64",
        "reference": "stagesmith/test:latest",
    }
    buf = io.StringIO()
    render_inspect(Console(file=buf, width=200), report)
    text = buf.getvalue()
    assert digest[:19] in text and digest[:20] not in text  # sha256: + 12 hex digits
    assert "(docker-archive, linux/amd64)" in text
    gz = report["layers"][0]["compressed_size"]
    from stagesmith.report.fmt import human_size

    assert human_size(gz) in text and human_size(report["totals"]["compressed_size"]) in text
    html = render_inspect_html(report)
    assert "Findings by kind and severity" in html
    assert re.search(r"warning build-tool.*?class=\"val\">1<", html, re.S)
