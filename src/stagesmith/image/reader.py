"""``open_image`` and ``Image``: one image, its layers and config, walked in one streaming pass."""

from __future__ import annotations

import io
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from stagesmith.image.model import Entry, HistoryEntry, ImageConfig, ImageError, Layer
from stagesmith.image.source import BlobStore, Resolved, close_region, resolve
from stagesmith.image.streams import (
    CHUNK,
    DigestJob,
    DigestPool,
    Hashing,
    Prefetch,
    inflating,
    sniff,
    span_digest,
)
from stagesmith.image.tarscan import scan

if TYPE_CHECKING:
    from stagesmith.image.tree import FileTree

Want = Callable[[Entry], bool]


class Image:
    """An opened image. Use as a context manager; ``walk`` streams the layers, never extracts."""

    def __init__(self, store: BlobStore, resolved: Resolved, cleanup: Path | None = None) -> None:
        self._store = store
        self._cleanup = cleanup
        self._refs = resolved.layers
        self.source_format = resolved.source_format
        self.reference = resolved.reference
        self.platform = resolved.platform
        self.config_digest = resolved.config_digest
        self.raw_config = resolved.config
        self.config = ImageConfig.from_json(resolved.config)
        self.layers: list[Layer] = []
        for ref in resolved.layers:
            head = store.head(ref.name)
            self.layers.append(
                Layer(
                    digest=ref.digest or (ref.diff_id if ref.digest_is_diff_id else ""),
                    diff_id=ref.diff_id,
                    media_type=ref.media_type,
                    compression=sniff(head),
                    compressed_size=store.size(ref.name),
                )
            )
        self.history = self._history(resolved.config)

    def _history(self, cfg: dict[str, Any]) -> list[HistoryEntry]:
        out: list[HistoryEntry] = []
        n = 0
        history = cfg.get("history") or []
        if not isinstance(history, list):
            raise ImageError(f"{self._store.where}: image config history is not a list")
        for h in history:
            if not isinstance(h, dict):
                continue
            empty = bool(h.get("empty_layer"))
            entry = HistoryEntry(
                created_by=str(h.get("created_by") or ""),
                created=str(h.get("created") or ""),
                comment=str(h.get("comment") or ""),
                empty=empty,
                layer=None if empty or n >= len(self.layers) else n,
            )
            if entry.layer is not None:
                layer = self.layers[n]
                layer.created_by, layer.created, layer.comment = (
                    entry.created_by,
                    entry.created,
                    entry.comment,
                )
                n += 1
            out.append(entry)
        return out

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self._store.close()
        if self._cleanup is not None:
            shutil.rmtree(self._cleanup, ignore_errors=True)
            self._cleanup = None

    def __enter__(self) -> Image:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------
    def walk(self, want: Want | None = None) -> Iterator[tuple[int, Entry, BinaryIO | None]]:
        """Yield (layer index, entry, reader) for every member of every layer, in order.

        The reader is given only for regular files where ``want(entry)`` is true and is valid
        until the next item. Each blob's digest is checked as it streams past; a mismatch
        raises ImageError once that layer has been read.
        """
        yield from self._walk_layers(range(len(self.layers)), want)

    def _walk_layers(
        self, layers: Sequence[int], want: Want | None
    ) -> Iterator[tuple[int, Entry, BinaryIO | None]]:
        # the blobs' digests, computed by workers beside the walk from its start, so the walk
        # of a layer rarely waits for its digest (see DigestPool)
        jobs = [self._digest_job(i) for i in layers]
        pool = DigestPool(jobs) if any(jobs) else None
        try:
            for n, i in enumerate(layers):
                yield from self._walk_layer(i, want, pool, n if jobs[n] is not None else None)
        finally:
            if pool is not None:
                pool.close()  # stops the workers if the walk ended early

    def _expected(self, i: int) -> tuple[str | None, str, str]:
        """``(algorithm, hex, digest)`` layer ``i`` is checked against (algorithm None: none).

        A content-addressed blob (``blobs/sha256/...``) is checked against its digest, over
        its (compressed) bytes. A legacy ``<id>/layer.tar`` is named by an id, so its
        uncompressed bytes are checked against the config's diff_id instead.
        """
        ref = self._refs[i]
        expected = ref.diff_id if ref.digest_is_diff_id else ref.digest
        algo, hexd = _split_digest(expected, f"{self._store.where}: layer {i} ({ref.name})")
        return algo, hexd, expected or ""

    def _digest_job(self, i: int) -> DigestJob | None:
        """The digest of layer ``i``'s blob as it is stored, if that is what it is checked
        against: every uncompressed blob, and a compressed one named by its digest. (A
        compressed legacy layer's diff_id is over the inflated bytes: hashed as they pass.)"""
        algo, _, _ = self._expected(i)
        ref, layer = self._refs[i], self.layers[i]
        if algo is None or (layer.compression != "none" and ref.digest_is_diff_id):
            return None
        store, name = self._store, ref.name

        def job(stop: threading.Event) -> str:
            region = store.open(name)
            try:
                return span_digest(*region.span, algo, stop)
            finally:
                close_region(region)

        return job

    def _walk_layer(
        self, i: int, want: Want | None, pool: DigestPool | None, job: int | None
    ) -> Iterator[tuple[int, Entry, BinaryIO | None]]:
        ref, layer = self._refs[i], self.layers[i]
        where = f"{self._store.where}: layer {i} ({ref.name})"
        algo, hexd, expected = self._expected(i)
        region = self._store.open(ref.name)
        stream: BinaryIO | None = None
        try:
            # every byte of the blob is hashed, whatever the walk reads of it: by the pool
            # (``job``) from the file, or, for a compressed legacy layer, as it is inflated
            hashing: Hashing | None = None
            span = None
            if layer.compression == "none":
                # the walk reads headers and content it wants straight from the file
                span = region.span
                stream = cast(BinaryIO, region)
            else:
                inner: io.RawIOBase = inflating(region, layer.compression, where)
                if algo is not None and job is None:
                    hashing = Hashing(inner, algo)
                    inner = hashing
                # read and inflate in a worker thread, ahead of the header parsing and checks
                # done here
                stream = io.BufferedReader(Prefetch(inner), CHUNK)
            total = count = 0
            for entry, reader in scan(stream, where, want, span):
                total += entry.size
                count += 1
                yield i, entry, reader
            if layer.compression != "none":
                while stream.read(1 << 20):  # trailing bytes: CRCs, frame ends, the digest
                    pass
            got = None
            if hashing is not None:
                hashing.drain()
                got = hashing.hexdigest()
            elif job is not None:
                assert pool is not None
                try:
                    got = pool.result(job)
                except (OSError, ImageError) as exc:
                    raise ImageError(f"{where}: cannot read the blob: {exc}") from None
            if got is not None and got != hexd:
                raise ImageError(
                    f"{where}: digest mismatch (expected {expected}, got {algo}:{got})"
                )
            layer.size, layer.entries, layer.empty = total, count, count == 0
        finally:
            if stream is not None:
                stream.close()  # stops a prefetching worker if the walk ended early
            close_region(region)

    def ensure_sizes(self) -> None:
        """Fill ``Layer.size``/``entries``/``empty`` with a metadata-only pass if not known."""
        todo = [i for i, layer in enumerate(self.layers) if layer.size is None]
        if todo:
            for _ in self._walk_layers(todo, None):
                pass

    @property
    def total_size(self) -> int:
        """Sum of the layers' content sizes (dive's image size); needs one pass if unknown."""
        self.ensure_sizes()
        return sum(layer.size or 0 for layer in self.layers)

    def tree(self) -> FileTree:
        """The merged filesystem after whiteouts and opaque directories (one metadata pass)."""
        from stagesmith.image.tree import FileTree

        tree = FileTree()
        for i, entry, _ in self.walk():
            tree.apply(i, entry)
        return tree


_DIGEST_RE = re.compile(r"^(sha256|sha512):([0-9a-f]+)$")
_HEX_LEN = {"sha256": 64, "sha512": 128}


def _split_digest(digest: str | None, where: str) -> tuple[str | None, str]:
    """``(algorithm, hex)`` of a layer digest; ``(None, "")`` when there is none to check."""
    if not digest:
        return None, ""
    m = _DIGEST_RE.match(digest)
    if not m or len(m.group(2)) != _HEX_LEN[m.group(1)]:
        raise ImageError(f"{where}: unsupported or malformed digest {digest!r}")
    return m.group(1), m.group(2)


def open_image(
    source: str | os.PathLike[str], *, platform: str | None = None, engine: str | None = None
) -> Image:
    """Open a docker-archive, OCI layout dir, oci-archive, or an image name in a local engine."""
    path = Path(source)
    if path.exists():
        store = BlobStore(path)
        try:
            return _image(store, platform)
        except BaseException:
            store.close()
            raise
    text = str(source)
    if _looks_like_path(text):
        # a path, not an image name: never hand it to an engine
        raise ImageError(f"{text}: no such file or directory")
    return _from_engine(text, platform, engine)


def _image(store: BlobStore, platform: str | None, cleanup: Path | None = None) -> Image:
    """Resolve the manifest and build the Image; metadata of an unexpected shape that slipped
    past the explicit type checks is still one ImageError, never a traceback."""
    try:
        return Image(store, resolve(store, platform), cleanup=cleanup)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError(
            f"{store.where}: malformed image metadata ({type(exc).__name__}: {exc})"
        ) from None


def _looks_like_path(text: str) -> bool:
    """A missing PATH rather than an image name (``localhost/app:1`` has a slash too)."""
    return (
        text.startswith(("/", "./", "../", "~"))
        or text.endswith((".tar", ".tgz", ".tar.gz", ".tar.zst", "/"))
        or any(c.isspace() for c in text)
        or text != text.strip()
    )


def _from_engine(name: str, platform: str | None, engine: str | None) -> Image:
    tool = engine or next((t for t in ("podman", "docker") if shutil.which(t)), None)
    if tool is None or shutil.which(tool) is None:
        raise ImageError(f"{name}: no such file, and no container engine to look it up in")
    import subprocess  # only for engine images: a few ms of every start-up otherwise
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="stagesmith-image-"))
    archive = tmp / "image.tar"
    cmd = [tool, "save", "-o", str(archive), name]
    if tool == "podman":
        cmd[2:2] = ["--format", "docker-archive"]
    try:
        # the export is the engine's own process: an interrupt (Ctrl-C) or any error while
        # it runs stops it and removes the partial archive, instead of leaving both behind
        with subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        ) as proc:
            try:
                _, stderr = proc.communicate()
            except BaseException:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                raise
        if proc.returncode != 0:
            lines = (stderr or "").strip().splitlines()
            why = lines[-1] if lines else f"exit {proc.returncode}"
            raise ImageError(f"{name}: not a file, and {tool} save failed: {why}")
        store = BlobStore(archive)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        image = _image(store, platform, cleanup=tmp)
    except BaseException:
        store.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not image.reference:
        image.reference = name
    return image
