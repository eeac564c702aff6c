"""Opening an image and running everything ``inspect`` needs, for the CLI commands.

The image reader (``stagesmith.image``) is looked up at call time so this package depends only
on its documented shape; read errors from a damaged or hostile archive become one
:class:`StagesmithError` line (exit 2) instead of a traceback.
"""

from __future__ import annotations

import importlib
import zlib
from typing import Any

from stagesmith.checks.summary import Inspection, inspect_image
from stagesmith.errors import StagesmithError

_READ_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    ValueError,
    KeyError,
    IndexError,
    UnicodeError,
    zlib.error,
)


def _reader() -> Any:
    try:
        return importlib.import_module("stagesmith.image")
    except ImportError as exc:  # pragma: no cover - packaging problem
        raise StagesmithError(f"the image reader is not available: {exc}") from exc


def _collector() -> Any:
    """The reader's dive-exact efficiency collector, fed during the checks' walk."""
    try:
        module = importlib.import_module("stagesmith.image.efficiency")
    except ImportError:
        return None
    cls = getattr(module, "EfficiencyCollector", None)
    return cls() if cls is not None else None


def inspect_source(
    source: str,
    *,
    platform: str | None = None,
    engine: str | None = None,
    efficiency: bool = True,
) -> Inspection:
    """Open ``source`` (archive, OCI layout or engine image name) and inspect it."""
    reader = _reader()
    open_image = getattr(reader, "open_image", None)
    if open_image is None:
        raise StagesmithError("the image reader is not available in this build")
    try:
        with open_image(source, platform=platform, engine=engine) as image:
            collector = _collector() if efficiency else None
            return inspect_image(image, source, collector=collector)
    except StagesmithError:
        raise
    except _READ_ERRORS as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StagesmithError(f"cannot read image {source}: {detail}") from exc
