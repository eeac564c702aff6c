"""DigestPool: the blobs' digests, computed beside the walk in forked processes or threads."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import pytest

from stagesmith.image.model import ImageError
from stagesmith.image.streams import DigestJob, DigestPool, span_digest

REGIONS = [(0, 100_000), (100_000, 3 << 20), (5 << 20, 0), (6 << 20, 1_234_567)]


@pytest.fixture
def blob(tmp_path: Path) -> Path:
    path = tmp_path / "blob"
    path.write_bytes(os.urandom(8 << 20))
    return path


def _job(fd: int, offset: int, length: int) -> DigestJob:
    return lambda stop: span_digest(fd, offset, length, "sha256", stop)


@pytest.mark.parametrize("fork", [True, False], ids=["processes", "threads"])
@pytest.mark.parametrize("workers", [1, 3])
def test_digests_match_hashlib(blob: Path, fork: bool, workers: int) -> None:
    data = blob.read_bytes()
    fd = os.open(blob, os.O_RDONLY)
    try:
        jobs: list[DigestJob | None] = [_job(fd, off, n) for off, n in REGIONS]
        jobs.insert(1, None)  # a layer with nothing to check is skipped
        pool = DigestPool(jobs, workers=workers, fork=fork)
        try:
            got = [pool.result(i) for i in (0, 2, 3, 4)]
        finally:
            pool.close()
    finally:
        os.close(fd)
    assert got == [hashlib.sha256(data[off : off + n]).hexdigest() for off, n in REGIONS]


@pytest.mark.parametrize("fork", [True, False], ids=["processes", "threads"])
def test_a_failing_job_is_an_error_for_that_blob_only(blob: Path, fork: bool) -> None:
    def broken(stop: threading.Event) -> str:
        raise OSError("Input/output error")

    fd = os.open(blob, os.O_RDONLY)
    try:
        pool = DigestPool([broken, _job(fd, 0, 4096)], workers=1, fork=fork)
        try:
            with pytest.raises(ImageError, match="Input/output error"):
                pool.result(0)
            assert pool.result(1) == hashlib.sha256(blob.read_bytes()[:4096]).hexdigest()
        finally:
            pool.close()
    finally:
        os.close(fd)


def test_processes_are_used_unless_threads_run(blob: Path) -> None:
    def where(stop: threading.Event) -> str:
        return str(os.getpid())

    pool = DigestPool([where])
    try:
        assert pool.result(0) != str(os.getpid())  # a forked child computed it
    finally:
        pool.close()
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:  # forking beside a running thread is unsafe: the pool uses threads then
        pool = DigestPool([where])
        try:
            assert pool.result(0) == str(os.getpid())
        finally:
            pool.close()
    finally:
        release.set()
        other.join()


def test_close_stops_a_child_still_hashing_and_reaps_it() -> None:
    def slow(stop: threading.Event) -> str:
        time.sleep(30)
        return "never"

    pool = DigestPool([slow], fork=True)
    (pid,) = pool._children
    started = time.monotonic()
    pool.close()
    assert time.monotonic() - started < 10
    with pytest.raises(ChildProcessError):  # gone, and reaped (no zombie left)
        os.waitpid(pid, os.WNOHANG)


def test_a_child_that_dies_is_an_error_not_a_hang() -> None:
    def die(stop: threading.Event) -> str:
        os._exit(3)

    pool = DigestPool([die], fork=True)
    try:
        with pytest.raises(ImageError, match="ended before"):
            pool.result(0)
    finally:
        pool.close()
