"""The shared content handle: one read of each entry, prefix retained, large files streamed."""

from __future__ import annotations

import io

from stagesmith.checks.base import Content


class CountingReader(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.largest = 0

    def read(self, n: int | None = -1) -> bytes:
        chunk = super().read(n)
        self.largest = max(self.largest, len(chunk))
        return chunk


def test_head_is_cached_and_ranges_stream_forward_without_keeping_skipped_bytes() -> None:
    data = bytes(range(256)) * 40_000  # ~10 MB
    reader = CountingReader(data)
    content = Content(reader)
    assert content.head(100) == data[:100]
    assert content.head(50) == data[:50]  # served from the cache
    assert content.read_at(10, 20) == data[10:30]
    far = 8_000_000
    assert content.read_at(far, 16) == data[far : far + 16]  # streamed, not buffered
    assert reader.largest <= 1 << 20
    assert content.read_at(5_000_000, 4) is None  # already streamed past, not retained
    assert content.read_at(20, 10) == data[20:30]  # the retained prefix still answers
    assert content.read_at(len(data) - 3, 10) == data[-3:]  # short read at end of file


def test_random_access_reader_is_used_without_retaining() -> None:
    class Positional(io.BytesIO):
        def read_at(self, off: int, size: int) -> bytes:
            return self.getvalue()[off : off + size]

    data = bytes(range(256)) * 100
    content = Content(Positional(data))
    assert content.random_access
    assert content.read_at(20_000, 8) == data[20_000:20_008]
    assert content.read_at(10, 4) == data[10:14]  # going back is fine
    assert content.head(300) == data[:300]
    assert content.read_at(len(data) - 2, 10) == data[-2:]
