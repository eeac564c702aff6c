"""Hostile or broken inputs: one clear ImageError (a StagesmithError, exit 2), nothing written."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from stagesmith.errors import StagesmithError
from stagesmith.image import EntryType, ImageError, open_image
from tests.archives import (
    Member,
    build,
    char,
    dir_,
    docker_archive,
    file,
    oci_archive,
    oci_layout,
    symlink,
)


def _drain(src: Path) -> None:
    with open_image(src) as img:
        for _ in img.walk(lambda e: True):
            pass


def _files_under(path: Path) -> set[Path]:
    return {p for p in path.rglob("*")}


@pytest.mark.parametrize("name", ["../escape", "a/../../escape", "/etc/abs"])
def test_escaping_member_paths_are_refused(tmp_path: Path, name: str) -> None:
    src = docker_archive(tmp_path / "x.tar", [[Member(name, data=b"x")]])
    before = _files_under(tmp_path)
    with pytest.raises(ImageError, match=r"escapes the root|absolute member path"):
        _drain(src)
    assert _files_under(tmp_path) == before


def test_device_files_are_reported_never_opened(tmp_path: Path) -> None:
    src = docker_archive(tmp_path / "x.tar", [[char("dev/zero"), file("a", b"1")]])
    with open_image(src) as img:
        got = [(e.path, e.type, r) for _, e, r in img.walk(lambda e: True)]
    assert ("dev/zero", EntryType.CHAR, None) in got


def test_symlink_loop_is_an_error(tmp_path: Path) -> None:
    src = docker_archive(
        tmp_path / "x.tar",
        [[symlink("a", "b"), symlink("b", "/a"), symlink("ok", "a2"), file("a2")]],
    )
    with open_image(src) as img:
        tree = img.tree()
    with pytest.raises(ImageError, match="symlink loop"):
        tree.resolve("a/x")
    assert tree.resolve("ok") is tree.get("a2")
    assert tree.resolve("nope/x") is None


def test_huge_declared_size_is_refused(tmp_path: Path) -> None:
    m = file("big", b"abc")
    m.declared_size = 8 << 30
    src = docker_archive(tmp_path / "x.tar", [[m]])
    with pytest.raises(ImageError, match="declares"):
        _drain(src)


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_truncated_compressed_layer(tmp_path: Path, compression: str) -> None:
    b = build([[file("a", 200_000)]], compression=compression)
    blob, raw = b.layers[0]
    b.layers[0] = (blob[: len(blob) // 2], raw)
    src = docker_archive(tmp_path / "x.tar", b, legacy=False)
    with pytest.raises(ImageError, match=r"truncated|corrupt"):
        _drain(src)


def test_digest_mismatch(tmp_path: Path) -> None:
    b = build([[file("a", b"hello")]], compression="gzip")
    blob, raw = b.layers[0]
    other = gzip.compress(raw, compresslevel=9, mtime=12345)  # same content, other bytes
    assert other != blob
    layout = oci_layout(tmp_path / "l", b)
    (layout / "blobs/sha256" / blob_hex(blob)).write_bytes(other)
    with pytest.raises(ImageError, match="digest mismatch"):
        _drain(layout)


def blob_hex(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_manifest_points_at_missing_blob(tmp_path: Path) -> None:
    b = build([[file("a", b"x")]])
    layout = oci_layout(tmp_path / "l", b)
    (layout / "blobs/sha256" / blob_hex(b.layers[0][0])).unlink()
    with pytest.raises(ImageError, match="missing blob"):
        open_image(layout)


def test_missing_manifest_blob(tmp_path: Path) -> None:
    b = build([[file("a", b"x")]])
    layout = oci_layout(tmp_path / "l", b)
    (layout / "blobs/sha256" / blob_hex(b.manifest)).unlink()
    with pytest.raises(ImageError, match="missing"):
        open_image(layout)


def test_malformed_json(tmp_path: Path) -> None:
    src = tmp_path / "x.tar"
    with tarfile.open(src, "w") as tar:
        data = b"[{not json"
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ImageError, match="not valid JSON"):
        open_image(src)


def test_manifest_of_wrong_shape(tmp_path: Path) -> None:
    src = tmp_path / "x.tar"
    with tarfile.open(src, "w") as tar:
        data = json.dumps({"Config": "x"}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ImageError, match="not a list"):
        open_image(src)


@pytest.mark.parametrize(
    "content",
    [b"", b"hello world, not a tar" * 100, os.urandom(4096)],
    ids=["empty", "text", "random"],
)
def test_not_an_archive(tmp_path: Path, content: bytes) -> None:
    src = tmp_path / "junk.tar"
    src.write_bytes(content)
    with pytest.raises(ImageError, match="not a"):
        open_image(src)


def test_empty_directory_is_not_a_layout(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="not an image directory"):
        open_image(tmp_path)


def test_outer_member_larger_than_archive(tmp_path: Path) -> None:
    src = docker_archive(tmp_path / "x.tar", [[file("a", 100)]])
    data = bytearray(src.read_bytes())
    cut = tmp_path / "cut.tar"
    cut.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(ImageError):
        open_image(cut)


def test_is_a_stagesmith_error_and_cli_exit_2(tmp_path: Path) -> None:
    assert issubclass(ImageError, StagesmithError)
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"nope" * 300)
    proc = subprocess.run(
        [sys.executable, "-m", "stagesmith.image", str(junk)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "not a tar archive" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_platform_lists_available(tmp_path: Path) -> None:
    src = oci_archive(
        tmp_path / "m.tar", {"linux/amd64": [[file("a")]], "linux/arm64/v8": [[file("b")]]}
    )
    with pytest.raises(ImageError, match=r"available: linux/amd64, linux/arm64/v8"):
        open_image(src, platform="linux/s390x")


def _with_blob(tmp_path: Path, make_blob) -> Path:  # type: ignore[no-untyped-def]
    """A legacy docker-archive whose one layer blob is ``make_blob(uncompressed_tar)``."""
    b = build([[file("a", 70_000), file("b", b"bee")]])
    raw = b.layers[0][1]
    b.layers[0] = (make_blob(raw), raw)
    return docker_archive(tmp_path / "x.tar", b, legacy=True)


def test_multi_member_gzip_and_zero_padding_are_read(tmp_path: Path) -> None:
    def two_members(raw: bytes) -> bytes:
        half = len(raw) // 2
        return gzip.compress(raw[:half]) + gzip.compress(raw[half:]) + bytes(1024)

    with open_image(_with_blob(tmp_path, two_members)) as img:
        got = {e.path: (r.read() if r else None) for _, e, r in img.walk(lambda e: e.path == "b")}
    assert got["b"] == b"bee" and "a" in got


def test_gzip_crc_mismatch_is_corrupt(tmp_path: Path) -> None:
    def bad_crc(raw: bytes) -> bytes:
        data = bytearray(gzip.compress(raw))
        data[-8] ^= 0xFF  # CRC32 in the trailer
        return bytes(data)

    with pytest.raises(ImageError, match="corrupt gzip"):
        _drain(_with_blob(tmp_path, bad_crc))


def _skip_all(src: Path) -> list[str]:
    """Walk wanting nothing: an uncompressed legacy layer is then skipped by seeking."""
    with open_image(src) as img:
        return [e.path for _, e, _ in img.walk(lambda e: False)]


@pytest.mark.parametrize("cut", [70_000 // 2, 512 + 70_000 + 100])
def test_truncated_uncompressed_layer_is_an_error_when_content_is_skipped(
    tmp_path: Path, cut: int
) -> None:
    # a cut inside "a" and one inside "b": the seek past unwanted content must notice the end
    src = _with_blob(tmp_path, lambda raw: raw[: 512 + cut])
    with pytest.raises(ImageError, match="truncated"):
        _skip_all(src)


def test_skipped_content_then_wanted_member_reads_right_bytes(tmp_path: Path) -> None:
    big = os.urandom(300_000)  # larger than the seek buffer, so the skip really seeks
    b = build([[file("big", big), file("small", b"after the skip"), file("big2", big)]])
    src = docker_archive(tmp_path / "x.tar", b, legacy=True)
    with open_image(src) as img:
        got = {e.path: (r.read() if r else None) for _, e, r in img.walk(lambda e: e.path != "big")}
        assert img.layers[0].size == 2 * len(big) + len(b"after the skip")
    assert got == {"big": None, "small": b"after the skip", "big2": big}


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_runs_of_small_members_read_ahead_give_exact_contents(
    tmp_path: Path, compression: str
) -> None:
    """Headers of small members come from one read ahead (LOOKAHEAD bytes), and so do small
    contents: sizes around the read's end, empty files, directories and links between them,
    and a large member in the middle (after which only a header is read) must all come out
    as written, through read() and read_at()."""
    from stagesmith.image.tarscan import LOOKAHEAD

    sizes = [0, 1, 511, 512, 513, 3000, LOOKAHEAD - 1024, LOOKAHEAD - 512, LOOKAHEAD, 200_000]
    sizes += [7, 4096, LOOKAHEAD + 1, 100, 0, 2 * LOOKAHEAD]
    members = []
    for n, size in enumerate(sizes):
        members += [dir_(f"d{n}"), symlink(f"d{n}/link", "x"), file(f"d{n}/f", os.urandom(size))]
    data = {m.path: m.data for m in members if m.type == "file"}
    src = docker_archive(tmp_path / "x.tar", build([members], compression=compression))
    got: dict[str, tuple[bytes, bytes, bytes]] = {}
    with open_image(src) as img:
        for _, e, r in img.walk(lambda e: True):
            if r is not None:
                first = r.read(5)
                rest = r.read()
                at = max(0, len(data[e.path]) - 3)
                tail = r.read_at(at, 10) if hasattr(r, "read_at") else b""
                got[e.path] = (first, rest, tail)
    for path, content in data.items():
        tail = content[max(0, len(content) - 3) :] if compression == "none" else b""
        assert got[path] == (content[:5], content[5:], tail), path


def _flip(at: int):  # type: ignore[no-untyped-def]
    def make(raw: bytes) -> bytes:
        data = bytearray(raw)
        data[at] ^= 0x01
        return bytes(data)

    return make


@pytest.mark.parametrize("at", [512 + 10, 512 + 69_999])
def test_legacy_layer_changed_in_skipped_content_is_a_digest_mismatch(
    tmp_path: Path, at: int
) -> None:
    # the walk seeks over "a"; its bytes are still hashed (in the background) and checked
    src = _with_blob(tmp_path, _flip(at))
    with pytest.raises(ImageError, match="digest mismatch"):
        _skip_all(src)


@pytest.mark.parametrize("step", [4096, 4096 * 3 + 512])
def test_background_digest_in_small_steps(
    tmp_path: Path, step: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # many steps, pages dropped behind each (the layer starts mid-page in the archive):
    # every byte still hashed once
    import stagesmith.image.streams as streams

    monkeypatch.setattr(streams, "DIGEST_STEP", step)
    (tmp_path / "good").mkdir()
    (tmp_path / "bad").mkdir()
    good = _with_blob(tmp_path / "good", lambda raw: raw)
    assert _skip_all(good) == ["a", "b"]
    bad = _with_blob(tmp_path / "bad", _flip(512 + 70_000 - 1))
    with pytest.raises(ImageError, match="digest mismatch"):
        _skip_all(bad)



def test_header_checksum_is_the_exact_byte_sum() -> None:
    # the fast sum (zlib adler32 per half) must equal the plain byte sum, extremes included
    import random

    from stagesmith.image.tarscan import _checksum_ok

    rng = random.Random(5)
    headers = [bytes(512), b"\xff" * 512] + [rng.randbytes(512) for _ in range(200)]
    for raw in headers:
        body = raw[:148] + b" " * 8 + raw[156:]
        good = sum(body)
        for stored, ok in ((good, True), (good + 1, False), (good - 1, False)):
            field = f"{stored:06o}\0 ".encode()
            assert _checksum_ok(raw[:148] + field + raw[156:]) is ok


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_huge_pax_header_is_refused_not_read_into_memory(tmp_path: Path, compression: str) -> None:
    import stagesmith.image.tarscan as tarscan

    big = "x" * (tarscan.MAX_META + 10)
    members = [Member("a", "file", data=b"1", pax={"comment": big})]
    src = docker_archive(tmp_path / "x.tar", build([members], compression=compression))
    with pytest.raises(ImageError, match="extended header of"), open_image(src) as img:
        for _ in img.walk():
            pass
