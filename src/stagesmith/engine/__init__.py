"""Building, exporting, running and pushing images through real engines' CLIs.

``get_engine("auto")`` picks the first usable engine in this order:

1. ``$STAGESMITH_ENGINE`` if set (``docker``, ``podman`` or ``buildah``);
2. ``podman`` — daemonless, and where the local base images live;
3. ``docker`` — only when its daemon answers (``docker version``), honouring ``DOCKER_HOST``
   and the current docker context;
4. ``buildah``.

With ``builder`` set, ``docker`` connects to that daemon or context (``tcp://``, ``ssh://``,
``unix://`` or a context name), ``podman`` to that service (``podman --remote --url``).
"""

from __future__ import annotations

from stagesmith.engine.base import (
    SAVE_FORMATS,
    BuildFailure,
    BuildRequest,
    BuildResult,
    Engine,
    EngineError,
    SaveFormat,
)
from stagesmith.engine.detect import ENGINE_NAMES, get_engine
from stagesmith.engine.progress import Step, StepTracker

__all__ = [
    "ENGINE_NAMES",
    "SAVE_FORMATS",
    "BuildFailure",
    "BuildRequest",
    "BuildResult",
    "Engine",
    "EngineError",
    "SaveFormat",
    "Step",
    "StepTracker",
    "get_engine",
]
