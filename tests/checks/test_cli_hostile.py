"""Every hostile or malformed archive, through the real CLI: one error line, exit 2, no output.

Each case builds its own archive with ``tests/archives.py``; ``stagesmith inspect`` runs as a
child process, so the exit code and stderr are what a user (or CI) sees.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.archives import (
    Member,
    build,
    char,
    docker_archive,
    file,
    oci_layout,
    replace_member,
    symlink,
)

STUB = b"stand-in for a system library, not ELF" * 2


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stagesmith", *map(str, args)], capture_output=True, text=True
    )


def _hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _escape(tmp: Path) -> Path:
    return docker_archive(tmp / "x.tar", [[Member("a/../../escape", data=b"x")]])


def _absolute(tmp: Path) -> Path:
    return docker_archive(tmp / "x.tar", [[Member("/etc/abs", data=b"x")]])


def _symlink_loop(tmp: Path) -> Path:
    # an executable whose library directory is a symlink loop: resolving it meets the loop
    from tests.checks.cbuild import build_lib_and_app

    (tmp / "cc").mkdir()
    _, app = build_lib_and_app(tmp / "cc")
    layer = [
        file("lib64/ld-linux-x86-64.so.2", STUB, 0o755),
        symlink("lib", "lib2"),
        symlink("lib2", "lib"),
        file("usr/bin/app", app, 0o755),
    ]
    return docker_archive(tmp / "x.tar", [layer])


def _device(tmp: Path) -> Path:
    return docker_archive(tmp / "x.tar", [[char("etc/sda"), file("a", b"1")]])


def _huge(tmp: Path) -> Path:
    m = file("big", b"abc")
    m.declared_size = 8 << 30
    return docker_archive(tmp / "x.tar", [[m]])


def _truncated_gzip(tmp: Path) -> Path:
    b = build([[file("a", 200_000)]], compression="gzip")
    blob, raw = b.layers[0]
    b.layers[0] = (blob[: len(blob) // 2], raw)
    return docker_archive(tmp / "x.tar", b, legacy=False)


def _oci_digest_mismatch(tmp: Path) -> Path:
    b = build([[file("a", b"hello")]], compression="gzip")
    blob, raw = b.layers[0]
    layout = oci_layout(tmp / "l", b)
    (layout / "blobs/sha256" / _hex(blob)).write_bytes(gzip.compress(raw, mtime=12345))
    return layout


def _legacy_digest_mismatch(tmp: Path) -> Path:
    # the config's diff_id is of the original layer; the archive ships a tampered one
    b = build([[file("bin/tool", b"original")]])
    tampered = build([[file("bin/tool", b"tampered")]]).layers[0]
    b.layers[0] = tampered
    return docker_archive(tmp / "x.tar", b, legacy=True)


def _legacy_gzip_digest_mismatch(tmp: Path) -> Path:
    b = build([[file("bin/tool", b"original")]], compression="gzip")
    b.layers[0] = build([[file("bin/tool", b"tampered")]], compression="gzip").layers[0]
    return docker_archive(tmp / "x.tar", b, legacy=True)


def _sha512_mismatch(tmp: Path) -> Path:
    b = build([[file("a", b"hello")]])
    blob, _ = b.layers[0]
    layout = oci_layout(tmp / "l", b)
    claimed = hashlib.sha512(blob + b"!").hexdigest()  # the digest of other bytes
    (layout / "blobs/sha512").mkdir()
    (layout / "blobs/sha512" / claimed).write_bytes(blob)
    manifest = json.loads(b.manifest)
    manifest["layers"][0]["digest"] = f"sha512:{claimed}"
    data = json.dumps(manifest).encode()
    (layout / "blobs/sha256" / _hex(data)).write_bytes(data)
    index = json.loads((layout / "index.json").read_text())
    index["manifests"][0].update(digest=f"sha256:{_hex(data)}", size=len(data))
    (layout / "index.json").write_text(json.dumps(index))
    return layout


def _missing_blob(tmp: Path) -> Path:
    b = build([[file("a", b"x")]])
    layout = oci_layout(tmp / "l", b)
    (layout / "blobs/sha256" / _hex(b.layers[0][0])).unlink()
    return layout


HOSTILE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "dotdot": (_escape, "escapes the root"),
    "absolute": (_absolute, "absolute member path"),
    "symlink-loop": (_symlink_loop, "symlink loop resolving"),
    "device-outside-dev": (_device, "device file 'etc/sda' outside /dev"),
    "huge-size": (_huge, "declares"),
    "truncated-gzip": (_truncated_gzip, "truncated gzip stream"),
    "digest-mismatch-oci": (_oci_digest_mismatch, "digest mismatch"),
    "digest-mismatch-legacy": (_legacy_digest_mismatch, "digest mismatch"),
    "digest-mismatch-legacy-gzip": (_legacy_gzip_digest_mismatch, "digest mismatch"),
    "digest-mismatch-sha512": (_sha512_mismatch, "digest mismatch .*sha512"),
    "missing-blob": (_missing_blob, "missing blob"),
}


def _assert_one_line_exit_2(proc: subprocess.CompletedProcess[str], pattern: str) -> None:
    import re

    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stagesmith: error:"), proc.stderr
    assert re.search(pattern, lines[0]), lines[0]
    assert proc.stdout == ""


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_archive_is_one_error_exit_2(tmp_path: Path, case: str) -> None:
    make, pattern = HOSTILE[case]
    src = make(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    _assert_one_line_exit_2(run("inspect", src, "--json"), pattern)
    assert sorted(tmp_path.rglob("*")) == before  # nothing written anywhere


def test_untampered_legacy_layers_pass_their_diff_id_check(tmp_path: Path) -> None:
    for comp in ("none", "gzip", "zstd"):
        src = docker_archive(tmp_path / f"{comp}.tar", [[file("a", 70_000)]], compression=comp)
        proc = run("inspect", src, "--json")
        assert proc.returncode == 0, proc.stderr


def test_device_nodes_under_dev_are_an_info_finding(tmp_path: Path) -> None:
    src = docker_archive(tmp_path / "x.tar", [[char("dev/null"), char("dev/console")]])
    proc = run("inspect", src, "--json")
    assert proc.returncode == 0, proc.stderr
    found = [f for f in json.loads(proc.stdout)["findings"] if f["id"] == "device-file"]
    assert len(found) == 1 and found[0]["severity"] == "info"
    assert found[0]["paths"] == ["dev/console", "dev/null"]


# -- badly typed metadata ------------------------------------------------------------------


def _with_config(**config: object) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        return docker_archive(tmp / "x.tar", [[file("a", b"x")]], config=config)

    return make


def _with_doc(**doc: object) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        return docker_archive(tmp / "x.tar", [[file("a", b"x")]], config_doc=doc)

    return make


def _manifest_layers(value: object) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        src = docker_archive(tmp / "x.tar", [[file("a", b"x")]])
        import tarfile

        with tarfile.open(src) as t:
            doc = json.load(t.extractfile("manifest.json"))  # type: ignore[arg-type]
        doc[0]["Layers"] = value
        return replace_member(src, "manifest.json", json.dumps(doc).encode())

    return make


def _annotations(value: object) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        layout = oci_layout(tmp / "l", [[file("a", b"x")]])
        index = json.loads((layout / "index.json").read_text())
        index["manifests"][0]["annotations"] = value
        (layout / "index.json").write_text(json.dumps(index))
        return layout

    return make


def _pax(**records: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        m = file("f", b"data")
        m.pax = dict(records)
        return docker_archive(tmp / "x.tar", [[m]])

    return make


MALFORMED: dict[str, tuple[Callable[[Path], Path], str]] = {
    "cmd-int": (_with_config(Cmd=5), "Cmd is not a list of strings"),
    "entrypoint-int": (_with_config(Entrypoint=7), "Entrypoint is not a list of strings"),
    "entrypoint-list-of-int": (_with_config(Entrypoint=[1]), "Entrypoint is not a list"),
    "labels-list": (_with_config(Labels=["a=b"]), "Labels is not an object"),
    "label-value-int": (_with_config(Labels={"a": 1}), "label 'a' is not a string"),
    "env-string": (_with_config(Env="A=1"), "Env is not a list"),
    "user-int": (_with_config(User=0), "User is not a string"),
    "healthcheck-string": (_with_config(Healthcheck="yes"), "Healthcheck is not an object"),
    "ports-list": (_with_config(ExposedPorts=["80/tcp"]), "ExposedPorts is not an object"),
    "rootfs-string": (_with_doc(rootfs="layers"), "rootfs is not an object"),
    "diff-ids-int": (_with_doc(rootfs={"diff_ids": 3}), "diff_ids is not a list"),
    "history-string": (_with_doc(history="x"), "history is not a list"),
    "arch-int": (_with_doc(architecture=64), "architecture is not a string"),
    "manifest-layers-int": (_manifest_layers([123]), "Layers holds a value that is not a"),
    "manifest-layers-string": (_manifest_layers("a/layer.tar"), "Layers is not a list"),
    "annotations-string": (_annotations("ref"), "annotations is not an object"),
    "pax-size": (_pax(size="abc"), "malformed PAX size 'abc'"),
    "pax-negative-size": (_pax(size="-5"), "malformed PAX size"),
    "pax-uid": (_pax(uid="x1"), "malformed PAX uid"),
    "pax-gid": (_pax(gid="1e3"), "malformed PAX gid"),
    "pax-mtime": (_pax(mtime="nan-ish"), "malformed PAX mtime"),
    "pax-mtime-inf": (_pax(mtime="inf"), "malformed PAX mtime"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_badly_typed_metadata_is_one_error_exit_2(tmp_path: Path, case: str) -> None:
    make, pattern = MALFORMED[case]
    src = make(tmp_path)
    _assert_one_line_exit_2(run("inspect", src, "--json"), pattern)
    # the reader's own entry point says the same, with no traceback
    proc = subprocess.run(
        [sys.executable, "-m", "stagesmith.image", str(src)], capture_output=True, text=True
    )
    _assert_one_line_exit_2(proc, pattern)


def test_valid_pax_records_are_read(tmp_path: Path) -> None:
    m = file("f", b"data")
    m.pax = {"uid": "123456789", "mtime": "1700000000.25"}
    src = docker_archive(tmp_path / "x.tar", [[m]])
    assert run("inspect", src, "--json").returncode == 0


# -- flags -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flags", [["--fail-on-efficiency-below", "0.9"], ["--fail-on-wasted-bytes", "1MB"]]
)
def test_no_efficiency_with_an_efficiency_gate_is_a_usage_error(
    tmp_path: Path, flags: list[str]
) -> None:
    src = docker_archive(tmp_path / "x.tar", [[file("a", 100)], [file("a", 100)]])
    proc = run("inspect", src, "--no-efficiency", *flags)
    _assert_one_line_exit_2(proc, "--no-efficiency cannot be combined with " + flags[0])
    config = tmp_path / "c.yaml"
    config.write_text("inspect:\n  fail-on-wasted-bytes: 1\n")
    proc = run("inspect", src, "--no-efficiency", "--config", config)
    _assert_one_line_exit_2(proc, "--no-efficiency cannot be combined with the config")
    # without --no-efficiency the same gate is applied (the waste crosses it)
    assert run("inspect", src, "--config", config).returncode == 1


@pytest.mark.parametrize("name", ["missing.tar", "dir/missing", "x.tgz"])
def test_a_missing_path_is_no_such_file_without_an_engine(tmp_path: Path, name: str) -> None:
    proc = run("inspect", tmp_path / name if "/" in name else name)
    _assert_one_line_exit_2(proc, "no such file or directory")
    assert "save" not in proc.stderr  # no engine was asked
