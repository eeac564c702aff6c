"""A package project built for real on the pip-less distroless runtime (podman, local stand-in
bases): the project layer copied over the venv leaves an installed distribution whose entry
point runs, whose RECORD lists files that exist, and no pip, build backend or uv beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.apps.conftest import APPS, build_generated, podman
from tests.conftest import FIXTURES

METADATA = (
    "import importlib.metadata as m, importlib.util as u, os;"
    " d = m.distribution('py-cext');"
    " print('missing', [str(f) for f in d.files if not os.path.exists(f.locate())]);"
    " print('installer', d.read_text('INSTALLER').strip());"
    " print('tools', [n for n in ('pip', 'setuptools', 'uv') if u.find_spec(n)])"
)


@pytest.mark.engine
def test_compiled_package_on_distroless(tmp_path: Path) -> None:
    ctx = tmp_path / "py-cext"
    shutil.copytree(FIXTURES / "apps/py-cext", ctx)
    repository = "localhost/stagesmith-test/py-cext"
    tag = f"{repository}:distroless-package"
    proc = build_generated(APPS["py-cext"], ctx, repository, "--runtime-base", "distroless",
                           "--tag", "distroless-package")  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    try:
        run = podman("run", "--rm", "--network=none", tag, "/opt/venv/bin/fastsum", "1000")
        assert "sum_squares(1000) = 332833500" in run.stdout
        # from / : the source in /app must not shadow the installed package
        meta = podman("run", "--rm", "--network=none", "--workdir", "/", tag,
                      "/opt/venv/bin/python", "-c", METADATA).stdout.splitlines()  # fmt: skip
        assert meta == ["missing []", "installer uv", "tools []"], meta
    finally:
        podman("rmi", "-f", tag, check=False)
