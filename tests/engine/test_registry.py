"""podman push/pull against a local registry, remote podman, and refusals."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from stagesmith.engine import BuildRequest, Engine, EngineError, get_engine
from tests.engine.conftest import (
    BASE,
    Registry,
    free_port,
    stop_pid,
    unique_tag,
    wait_for,
    write_context,
)

pytestmark = pytest.mark.engine


def test_podman_push_pull_run(
    tmp_path: Path, podman: Engine, registry: Registry, cleanup_images: list[str]
) -> None:
    dockerfile = write_context(tmp_path, f"FROM {BASE}\nRUN echo via-registry > /r\n")
    tag = unique_tag()
    podman.build(BuildRequest(context=tmp_path, dockerfile=dockerfile, tags=[tag]))
    dest = f"{registry.address}/stagesmith/podman-push:1"
    cleanup_images.append(tag)
    podman.push(tag, dest, tls_verify=False)
    podman.remove(tag)
    assert not podman.image_exists(dest)
    podman.pull(dest, tls_verify=False)
    cleanup_images.append(dest)
    assert podman.run(dest, ["cat", "/r"], check=True).stdout == "via-registry\n"


def test_push_to_nothing_listening(podman: Engine) -> None:
    dest = f"127.0.0.1:{free_port()}/stagesmith/nowhere:1"
    with pytest.raises(EngineError, match=r"pushing .*nowhere"):
        podman.push(BASE, dest, tls_verify=False)


def test_push_refused_by_readonly_registry(podman: Engine, readonly_registry: Registry) -> None:
    dest = f"{readonly_registry.address}/stagesmith/refused:1"
    with pytest.raises(EngineError, match="refused"):
        podman.push(BASE, dest, tls_verify=False)


def test_podman_remote_service(tmp_path: Path, cleanup_images: list[str]) -> None:
    root = Path(tempfile.mkdtemp(prefix="ssp-"))
    sock = root / "podman.sock"
    url = f"unix://{sock}"
    log = root / "service.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["podman", "system", "service", "--time=0", url], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for(sock.exists, "podman system service", log)
        remote = get_engine("podman", builder=url)
        assert remote.base_argv()[1:] == ["--remote", "--url", url]
        dockerfile = write_context(tmp_path, f"FROM {BASE}\nRUN echo remote-podman > /r\n")
        tag = unique_tag()
        cleanup_images.append(tag)
        lines: list[str] = []
        result = remote.build(
            BuildRequest(context=tmp_path, dockerfile=dockerfile, tags=[tag]), on_line=lines.append
        )
        assert result.image_id
        assert any("STEP 2/2" in line for line in lines)
        assert remote.run(tag, ["cat", "/r"], check=True).stdout == "remote-podman\n"
    finally:
        stop_pid(proc)
        subprocess.run(["rm", "-rf", str(root)], check=False)
