"""Building, exporting, running and pushing images through real engines' CLIs.

``get_engine("auto")`` picks the first usable engine in this order:

1. ``$STAGESMITH_ENGINE`` if set (``docker``, ``podman`` or ``buildah``);
2. with ``builder``, the engine its form names (:func:`~stagesmith.engine.detect.engine_for_builder`:
   ``tcp://``, ``ssh://``, ``buildx:NAME``, docker contexts and ``…/docker.sock`` → docker;
   podman connections and ``…/podman.sock`` → podman; anything else asks for ``--engine``);
3. ``docker`` when ``DOCKER_HOST`` is set (and ``CONTAINER_HOST`` is not) and it answers;
4. ``podman`` — daemonless, and where the local base images live;
5. ``docker`` — only when its daemon answers (``docker version``), honouring the current context;
6. ``buildah``.

With ``builder`` set, ``docker`` connects to that daemon or context (``tcp://``, ``ssh://``,
``unix://`` or a context name), ``podman`` to that service (``podman --remote --url``).
Containers of an engine run through :meth:`Engine.container_engine` (podman for buildah).
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
