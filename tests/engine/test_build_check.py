"""`stagesmith build --check`: build, then inspect and verify, one HTML report, real podman."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.conftest import BASE, unique_tag, write_context
from tests.engine.test_cli_build import stagesmith

pytestmark = pytest.mark.engine

CLEAN = f"""\
FROM {BASE}
RUN useradd --uid 10001 --no-create-home app
USER 10001
CMD ["sleep", "30"]
"""

# A full toolchain image that runs as root: every default check should object.
DIRTY = """\
FROM localhost/python:3.11
CMD ["python3", "-c", "print('hello')"]
"""


def _build_check(
    tmp_path: Path,
    dockerfile: str,
    cleanup_images: list[str],
    *extra: str,
    engine: str = "podman",
    env: dict[str, str] | None = None,
):
    path = write_context(tmp_path / "ctx", dockerfile)
    image = unique_tag("stagesmith-test/check")
    repo, _, tag = image.rpartition(":")
    cleanup_images.append(image)
    report = tmp_path / "report.html"
    proc = stagesmith(
        "build", "--dockerfile", str(path), "--repository", repo, "--tag", tag,
        "--engine", engine, "--check", "--report", str(report), *extra, env=env,
    )  # fmt: skip
    return proc, report


@pytest.mark.parametrize("engine", ["podman", "buildah", "docker"])
def test_clean_image_passes_and_report_has_every_part(
    engine: str, tmp_path: Path, cleanup_images: list[str], request: pytest.FixtureRequest
) -> None:
    env = None
    if engine == "docker":
        env = {"DOCKER_HOST": request.getfixturevalue("dockerd").socket}
    proc, report = _build_check(tmp_path, CLEAN, cleanup_images, engine=engine, env=env)
    assert proc.returncode == 0, proc.stderr
    html = report.read_text()
    assert "stagesmith build --check" in html
    assert "None: the image passed every check." in html
    for part in ("Verify (", "non-root-user", "command-starts", "Layer sizes", "Findings"):
        assert part in html
    # The build itself: engine, image ID, the stamped labels and the steps the engine ran.
    for part in ("<h2>Build</h2>", f"<td>{engine}</td>", "image ID", "Build steps (",
                 "org.opencontainers.image.created=", "RUN useradd"):  # fmt: skip
        assert part in html, part
    assert "<script" not in html and 'src="http' not in html  # self-contained


def test_toolchain_root_image_fails_with_reasons_and_still_reports(
    tmp_path: Path, cleanup_images: list[str]
) -> None:
    proc, report = _build_check(tmp_path, DIRTY, cleanup_images)
    assert proc.returncode == 1
    assert "no-build-tools" in proc.stderr and "/usr/bin/gcc" in proc.stderr
    assert "non-root-user" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("stagesmith: error: --check found")
    html = report.read_text()
    assert "sev-error" in html and "gcc" in html


def test_verify_config_is_used_and_report_is_not_overwritten(
    tmp_path: Path, cleanup_images: list[str]
) -> None:
    tests = tmp_path / "tests.yaml"
    tests.write_text(
        'schemaVersion: 2.0.0\nmetadataTest:\n  user: "10001"\n'
        "fileExistenceTests:\n  - name: no compiler\n    path: /usr/bin/gcc\n    shouldExist: false\n"
    )
    proc, report = _build_check(tmp_path, CLEAN, cleanup_images, "--verify-config", str(tests))
    assert proc.returncode == 0, proc.stderr
    assert "no compiler" in report.read_text()
    again, _ = _build_check(tmp_path, CLEAN, cleanup_images, "--verify-config", str(tests))
    assert again.returncode == 2 and "--force" in again.stderr


def test_failed_build_under_check_still_writes_a_report(
    tmp_path: Path, cleanup_images: list[str]
) -> None:
    broken = f"FROM {BASE}\nRUN echo why-it-broke >&2; exit 3\n"
    proc, report = _build_check(tmp_path, broken, cleanup_images)
    assert proc.returncode == 1
    assert f"wrote {report}" in proc.stderr
    html = report.read_text()
    for part in ("failed", "Build log (tail)", "why-it-broke", "RUN echo why-it-broke"):
        assert part in html, part
    assert "Verify (" not in html
