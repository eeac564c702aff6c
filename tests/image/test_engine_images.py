"""Real images from the local engine, saved in every format podman/skopeo write, read by us.

Builds one tiny multi-layer image FROM the local debian:bookworm-slim stand-in (a duplicated
file, a deleted directory), exports it as docker-archive, oci-archive, oci-dir and zstd OCI
layouts, and checks each reads the same; the docker-archive is also compared with dive.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from stagesmith.image import open_image
from stagesmith.image.efficiency import analyze
from tests.image.divecheck import assert_same_as_dive

pytestmark = pytest.mark.engine

DOCKERFILE = """\
FROM localhost/debian:bookworm-slim
RUN mkdir -p /opt/app/cache && head -c 300000 /dev/urandom > /opt/app/blob \\
 && head -c 5000 /dev/urandom > /opt/app/cache/tmp && echo hi > /opt/app/hello
RUN head -c 200000 /dev/urandom > /opt/app/blob && rm -rf /opt/app/cache
ENV APP_MODE=prod
USER 1000
CMD ["/bin/sh"]
"""


def _run(*cmd: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(cmd)}: {proc.stderr[-1000:]}"


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    work = tmp_path_factory.mktemp("engine")
    (work / "Dockerfile").write_text(DOCKERFILE)
    tag = f"localhost/stagesmith-test/image-{uuid.uuid4().hex[:8]}:latest"
    _run("podman", "build", "--pull=never", "--force-rm", "-q", "-t", tag, str(work))
    try:
        out = {
            "docker-archive": work / "d.tar",
            "oci-archive": work / "o.tar",
            "oci-dir": work / "odir",
            "skopeo-zstd-oci": work / "zdir",
            "skopeo-zstd-archive": work / "z.tar",
        }
        _run("podman", "save", "--format", "docker-archive", "-o", str(out["docker-archive"]), tag)
        _run("podman", "save", "--format", "oci-archive", "-o", str(out["oci-archive"]), tag)
        _run("podman", "save", "--format", "oci-dir", "-o", str(out["oci-dir"]), tag)
        for key, transport in (("skopeo-zstd-oci", "oci"), ("skopeo-zstd-archive", "oci-archive")):
            _run(
                "skopeo",
                "copy",
                "-q",
                "--dest-compress-format",
                "zstd",
                f"containers-storage:{tag}",
                f"{transport}:{out[key]}",
            )
        out["tag"] = Path(tag)
        yield out
    finally:
        subprocess.run(["podman", "rmi", "-f", tag], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


FORMATS = ["docker-archive", "oci-archive", "oci-dir", "skopeo-zstd-oci", "skopeo-zstd-archive"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_real_image_reads_in_every_format(saved: dict[str, Path], fmt: str) -> None:
    with open_image(saved[fmt]) as img:
        assert len(img.layers) == 3
        if fmt.startswith("skopeo-zstd"):
            assert [layer.compression for layer in img.layers] == ["zstd"] * 3
        assert img.config.user == "1000"
        assert img.config.env["APP_MODE"] == "prod"
        assert img.config.cmd == ["/bin/sh"]
        blobs = {}
        for i, entry, reader in img.walk(lambda e: e.path == "opt/app/hello"):
            if entry.path == "opt/app/blob":
                blobs[i] = entry.size
            if reader is not None:
                assert reader.read() == b"hi\n"
        assert blobs == {1: 300000, 2: 200000}
        tree = img.tree()
        assert tree.get("opt/app/cache") is None
        assert tree.get("opt/app/blob").size == 200000
        assert tree.resolve("bin/sh") is not None  # /bin -> usr/bin on bookworm
        eff = analyze(img)
        assert eff.wasted_bytes >= 500000


def test_formats_agree(saved: dict[str, Path]) -> None:
    results = []
    for fmt in FORMATS:
        with open_image(saved[fmt]) as img:
            eff = analyze(img)
            results.append((eff.score, eff.wasted_bytes, eff.layer_sizes))
    assert all(r == results[0] for r in results)


def test_real_image_equals_dive(saved: dict[str, Path], tmp_path: Path) -> None:
    assert_same_as_dive(saved["docker-archive"], tmp_path)


def test_image_name_is_saved_through_the_engine(saved: dict[str, Path]) -> None:
    with open_image(str(saved["tag"]), engine="podman") as img:
        assert len(img.layers) == 3
        cleanup = img._cleanup
        assert cleanup is not None and cleanup.exists()
    assert not cleanup.exists()


def test_unknown_image_name_is_one_clear_error() -> None:
    from stagesmith.image import ImageError

    with pytest.raises(ImageError, match="save failed"):
        open_image("localhost/stagesmith-test/does-not-exist:nope", engine="podman")
