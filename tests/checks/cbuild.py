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
