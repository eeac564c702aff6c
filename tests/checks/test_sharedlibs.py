"""Missing shared libraries, on images holding real ELF objects built with the host gcc."""

from __future__ import annotations

import glob
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from stagesmith.checks.elf import from_bytes, parse_elf
from stagesmith.checks.runner import run_checks
from stagesmith.checks.sharedlibs import SharedLibsCheck
from stagesmith.errors import StagesmithError
from tests.checks.cbuild import build_lib_and_app
from tests.checks.synth import Config, Dir, Sym, SynthImage

STUB = b"not an ELF, stands in for a system library" * 2
BASE = {
    "lib64/ld-linux-x86-64.so.2": STUB,
    "lib/x86_64-linux-gnu/libc.so.6": STUB,
    "etc/ld.so.conf": b"include /etc/ld.so.conf.d/*.conf\n",
    "etc/ld.so.conf.d/": Dir(),
    "etc/ld.so.conf.d/libc.conf": b"# libc default configuration\n/usr/local/lib\n",
}


def missing(image: SynthImage) -> dict[str, list[str]]:
    found = run_checks(image, [SharedLibsCheck()])
    return {f.subject: f.paths for f in found if f.id == "missing-library"}


@pytest.fixture(scope="module")
def objs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    plain = tmp_path_factory.mktemp("plain")
    origin = tmp_path_factory.mktemp("origin")
    lib, app = build_lib_and_app(plain)
    _, app_origin = build_lib_and_app(origin, runpath="$ORIGIN/../lib")
    return {"lib": lib, "app": app, "app_origin": app_origin}


def test_app_without_its_library_is_reported(objs: dict[str, bytes]) -> None:
    image = SynthImage([BASE, {"usr/local/bin/app": (objs["app"], 0o755)}])
    assert missing(image) == {"libfoo.so": ["usr/local/bin/app"]}


def test_library_in_a_default_directory_is_found(objs: dict[str, bytes]) -> None:
    image = SynthImage(
        [BASE, {"usr/local/bin/app": (objs["app"], 0o755), "usr/lib/libfoo.so": objs["lib"]}]
    )
    assert missing(image) == {}


def test_library_in_a_ld_so_conf_include_directory_is_found(objs: dict[str, bytes]) -> None:
    layer = {"usr/local/bin/app": (objs["app"], 0o755), "usr/local/lib/libfoo.so": objs["lib"]}
    assert missing(SynthImage([BASE, layer])) == {}
    # without the include file, /usr/local/lib is not searched
    base = {k: v for k, v in BASE.items() if not k.startswith("etc/ld.so.conf.d/libc")}
    assert missing(SynthImage([base, layer])) == {"libfoo.so": ["usr/local/bin/app"]}


def test_runpath_origin_is_expanded(objs: dict[str, bytes]) -> None:
    good = {"opt/app/bin/app": (objs["app_origin"], 0o755), "opt/app/lib/libfoo.so": objs["lib"]}
    assert missing(SynthImage([BASE, good])) == {}
    bad = {"opt/app/bin/app": (objs["app_origin"], 0o755), "opt/other/lib/libfoo.so": objs["lib"]}
    assert missing(SynthImage([BASE, bad])) == {"libfoo.so": ["opt/app/bin/app"]}


def test_library_deleted_by_a_later_layer_is_missing(objs: dict[str, bytes]) -> None:
    layers = [
        BASE,
        {"usr/local/bin/app": (objs["app"], 0o755), "usr/lib/libfoo.so": objs["lib"]},
        {"usr/lib/.wh.libfoo.so": b""},
    ]
    assert missing(SynthImage(layers)) == {"libfoo.so": ["usr/local/bin/app"]}


def test_symlinks_are_followed_inside_the_image(objs: dict[str, bytes]) -> None:
    ok = {
        "usr/local/bin/app": (objs["app"], 0o755),
        "usr/lib/libfoo.so": Sym("../../opt/foo/libfoo.so.1.0"),
        "opt/foo/libfoo.so.1.0": objs["lib"],
    }
    assert missing(SynthImage([BASE, ok])) == {}
    dangling = {"usr/local/bin/app": (objs["app"], 0o755), "usr/lib/libfoo.so": Sym("nowhere.so")}
    assert missing(SynthImage([BASE, dangling])) == {"libfoo.so": ["usr/local/bin/app"]}


def test_ld_library_path_from_the_config_is_searched(objs: dict[str, bytes]) -> None:
    layer = {"usr/local/bin/app": (objs["app"], 0o755), "srv/libs/libfoo.so": objs["lib"]}
    assert "libfoo.so" in missing(SynthImage([BASE, layer]))
    image = SynthImage([BASE, layer], Config(env=["LD_LIBRARY_PATH=/srv/libs"]))
    assert missing(image) == {}


def test_missing_interpreter_is_reported(objs: dict[str, bytes]) -> None:
    base = {k: v for k, v in BASE.items() if not k.startswith("lib64")}
    layer = {"usr/local/bin/app": (objs["app"], 0o755), "usr/lib/libfoo.so": objs["lib"]}
    found = run_checks(SynthImage([base, layer]), [SharedLibsCheck()])
    assert [(f.id, f.subject) for f in found] == [
        ("missing-interpreter", "/lib64/ld-linux-x86-64.so.2")
    ]


def test_finding_says_which_file_needs_which_library(objs: dict[str, bytes]) -> None:
    image = SynthImage([BASE, {"usr/local/bin/app": (objs["app"], 0o755)}])
    (finding,) = run_checks(image, [SharedLibsCheck()])
    assert finding.layer == 1
    assert "libfoo.so" in finding.message and "/usr/local/bin/app" in finding.message
    assert "/usr/local/lib" in finding.evidence["searched"]


def _host_elves() -> list[str]:
    names = (
        sorted(glob.glob("/usr/bin/*"))[:80]
        + sorted(glob.glob("/usr/lib/x86_64-linux-gnu/*.so*"))[:80]
    )
    return [p for p in names if os.path.isfile(p) and not os.path.islink(p)]


def test_hand_reader_agrees_with_pyelftools_on_host_binaries() -> None:
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile

    checked = 0
    for path in _host_elves():
        data = Path(path).read_bytes()
        ours = parse_elf(from_bytes(data))
        if ours is None or not ours.dynamic:
            continue
        with open(path, "rb") as fh:
            elf = ELFFile(fh)
            dyn: Any = next(s for s in elf.iter_sections() if isinstance(s, DynamicSection))
            needed = [t.needed for t in dyn.iter_tags() if t.entry.d_tag == "DT_NEEDED"]
            runpath = [t.runpath for t in dyn.iter_tags() if t.entry.d_tag == "DT_RUNPATH"]
            interp = next(
                (s.get_interp_name() for s in elf.iter_segments() if s["p_type"] == "PT_INTERP"),
                None,
            )
        assert ours.needed == needed, path
        assert ":".join(ours.runpath) == ":".join(runpath), path
        assert ours.interpreter == interp, path
        checked += 1
    assert checked > 20


def test_a_symlink_loop_met_while_resolving_a_library_is_an_error(
    objs: dict[str, bytes],
) -> None:
    layer = {
        "usr/local/bin/app": (objs["app"], 0o755),
        "usr/lib/libfoo.so": Sym("libfoo.so.1"),
        "usr/lib/libfoo.so.1": Sym("libfoo.so"),
    }
    with pytest.raises(StagesmithError, match=r"symlink loop resolving /usr/lib/libfoo.so"):
        run_checks(SynthImage([BASE, layer]), [SharedLibsCheck()])
    # a loop nothing resolves through is harmless
    layer["usr/lib/libfoo.so"] = objs["lib"]
    layer["opt/a"], layer["opt/b"] = Sym("b"), Sym("a")
    assert missing(SynthImage([BASE, layer])) == {}


def test_broken_elf_files_are_reported_as_info_not_dropped(objs: dict[str, bytes]) -> None:
    truncated = objs["app"][:200]  # headers claim tables beyond the end of the file
    layer = {
        "usr/local/bin/app": (objs["app"], 0o755),
        "usr/local/bin/broken": (truncated, 0o755),
        "usr/local/bin/garbage": (b"\x7fELF" + b"\xff" * 100, 0o755),
    }
    found = run_checks(SynthImage([BASE, layer]), [SharedLibsCheck()])
    assert {f.subject: f.paths for f in found if f.id == "missing-library"} == {
        "libfoo.so": ["usr/local/bin/app"]
    }
    broken = [f for f in found if f.id == "unreadable-elf"]
    assert len(broken) == 1 and broken[0].severity.label == "info"
    assert broken[0].paths == ["usr/local/bin/broken", "usr/local/bin/garbage"]
    assert set(broken[0].evidence["reasons"]) == set(broken[0].paths)


def test_parser_reads_only_a_prefix_of_the_file(objs: dict[str, bytes]) -> None:
    data = objs["app"] + b"\0" * 1_000_000  # trailing bytes (debug info) are never needed
    asked: list[int] = []

    def read_at(off: int, size: int) -> bytes:
        asked.append(off + size)
        return data[off : off + size]

    info = parse_elf(read_at)
    assert info is not None and info.needed == ["libfoo.so", "libc.so.6"]
    assert max(asked) <= len(objs["app"])


def test_rpath_of_the_loading_object_is_inherited_but_runpath_is_not(
    tmp_path: pytest.TempPathFactory,
) -> None:
    from tests.checks.cbuild import build_chain

    for new_dtags, expected in ((False, {}), (True, {"libfoo.so": ["opt/app/lib/libbar.so"]})):
        out = Path(str(tmp_path)) / ("runpath" if new_dtags else "rpath")
        out.mkdir()
        objs = build_chain(out, new_dtags)
        info = parse_elf(from_bytes(objs["app"]))
        assert info is not None and bool(info.runpath) == new_dtags
        layer = {
            "opt/app/bin/app": (objs["app"], 0o755),
            "opt/app/lib/libbar.so": objs["libbar.so"],
            "opt/app/lib/libfoo.so": objs["libfoo.so"],
        }
        assert missing(SynthImage([BASE, layer])) == expected, new_dtags
        # the host's real loader agrees, with the same layout on disk
        for rel, spec in layer.items():
            dest = out / "root" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(spec[0] if isinstance(spec, tuple) else spec)
            dest.chmod(0o755)
        run = subprocess.run([str(out / "root/opt/app/bin/app")], capture_output=True, text=True)
        assert (run.returncode == 0) == (not expected), run.stderr


@pytest.mark.skipif(not Path("/usr/bin/bash").is_file(), reason="needs the host's bash")
def test_a_real_executable_with_a_large_first_segment_is_checked() -> None:
    # bash's first PT_LOAD segment (which holds .dynstr) is far larger than the 64 KiB read
    # ahead; retaining it once made the parser give up ("prefix not available")
    bash = Path("/usr/bin/bash").read_bytes()
    info = parse_elf(from_bytes(bash))
    assert info is not None and info.needed
    found = run_checks(SynthImage([BASE, {"usr/bin/bash": (bash, 0o755)}]), [SharedLibsCheck()])
    assert not [f for f in found if f.id == "unreadable-elf"]
    missing_here = {f.subject for f in found if f.id == "missing-library"}
    assert set(info.needed) - {"libc.so.6"} <= missing_here


@pytest.mark.skipif(not Path("/usr/bin/bash").is_file(), reason="needs the host's bash")
def test_uncompressed_random_access_and_gzip_streaming_give_the_same_findings(
    tmp_path: Path,
) -> None:
    """ELF objects of an uncompressed layer are read by range (no prefix retained), those of a
    compressed one streamed with the first segment retained: the findings are the same."""
    from stagesmith.checks.source import inspect_source
    from tests.archives import docker_archive, file, symlink

    host = {
        "usr/bin/bash": "/usr/bin/bash",
        "lib/x86_64-linux-gnu/libc.so.6": "/lib/x86_64-linux-gnu/libc.so.6",
        "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2": "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
    }
    if not all(Path(p).is_file() for p in host.values()):
        pytest.skip("needs the host's glibc")
    layer = [file(name, Path(src).read_bytes(), mode=0o755) for name, src in host.items()]
    layer.append(symlink("lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))
    reports = []
    for comp in ("none", "gzip"):
        src = docker_archive(tmp_path / f"{comp}.tar", [layer], compression=comp)
        reports.append(inspect_source(str(src)).report["findings"])
    assert reports[0] == reports[1]
    # bash needs libtinfo, which is not in the image: the ELF was really read both ways
    assert any(f["id"] == "missing-library" and f["subject"] == "libtinfo.so.6" for f in reports[0])
