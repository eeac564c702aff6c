"""Tiny ELF objects compiled with the host gcc, for the missing-library tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def need_gcc() -> str:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed")
    return gcc


def build_lib_and_app(tmp: Path, runpath: str | None = None) -> tuple[bytes, bytes]:
    """``libfoo.so`` and an ``app`` linked with ``-lfoo`` (optionally with a RUNPATH)."""
    gcc = need_gcc()
    (tmp / "foo.c").write_text("int foo(void) { return 42; }\n")
    (tmp / "app.c").write_text("int foo(void);\nint main(void) { return foo() == 42 ? 0 : 1; }\n")
    subprocess.run(
        [
            gcc,
            "-shared",
            "-fPIC",
            "-Wl,-soname,libfoo.so",
            "-o",
            str(tmp / "libfoo.so"),
            str(tmp / "foo.c"),
        ],
        check=True,
    )
    args = [gcc, "-o", str(tmp / "app"), str(tmp / "app.c"), f"-L{tmp}", "-lfoo"]
    if runpath is not None:
        args.append(f"-Wl,-rpath,{runpath},--enable-new-dtags")
    subprocess.run(args, check=True)
    return (tmp / "libfoo.so").read_bytes(), (tmp / "app").read_bytes()


def build_chain(tmp: Path, new_dtags: bool) -> dict[str, bytes]:
    """``app`` -> ``libbar.so`` -> ``libfoo.so``; only ``app`` has a search path
    (``$ORIGIN/../lib``), as DT_RUNPATH (``new_dtags``) or as DT_RPATH."""
    gcc = need_gcc()
    (tmp / "foo.c").write_text("int foo(void) { return 42; }\n")
    (tmp / "bar.c").write_text("int foo(void);\nint bar(void) { return foo(); }\n")
    (tmp / "app.c").write_text("int bar(void);\nint main(void) { return bar() == 42 ? 0 : 1; }\n")
    so = [gcc, "-shared", "-fPIC"]
    subprocess.run(
        [*so, "-Wl,-soname,libfoo.so", "-o", str(tmp / "libfoo.so"), str(tmp / "foo.c")], check=True
    )
    subprocess.run(
        [
            *so,
            "-Wl,-soname,libbar.so",
            "-o",
            str(tmp / "libbar.so"),
            str(tmp / "bar.c"),
            f"-L{tmp}",
            "-lfoo",
        ],
        check=True,
    )
    dtags = "--enable-new-dtags" if new_dtags else "--disable-new-dtags"
    subprocess.run(
        [gcc, "-o", str(tmp / "app"), str(tmp / "app.c"), f"-L{tmp}", "-lbar",
         f"-Wl,-rpath,$ORIGIN/../lib,{dtags}", f"-Wl,-rpath-link,{tmp}"],
        check=True,
    )  # fmt: skip
    return {name: (tmp / name).read_bytes() for name in ("app", "libbar.so", "libfoo.so")}
