"""Reading build progress out of engine logs.

Podman and buildah print ``STEP n/m: INSTRUCTION`` (prefixed with ``[s/t]`` when the Dockerfile
has several stages); BuildKit's plain progress prints ``#id [stage n/m] INSTRUCTION`` and later
``#id ERROR: ...`` for the vertex that failed. The tracker turns either into :class:`Step`
records so the CLI can show where a build is and, on failure, which step broke.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PODMAN_STEP = re.compile(
    r"^(?:\[(?P<stage>\d+)/(?P<stages>\d+)\]\s+)?STEP (?P<n>\d+)/(?P<m>\d+): (?P<text>.*)$"
)
_BUILDKIT_STEP = re.compile(
    r"^#(?P<id>\d+) \[(?:(?P<stage>[^\]\s]+) )?(?P<n>\d+)/(?P<m>\d+)\] (?P<text>.*)$"
)
_BUILDKIT_ERROR = re.compile(r"^#(?P<id>\d+) ERROR:? ?(?P<text>.*)$")
_BUILDKIT_LEGACY_STEP = re.compile(r"^Step (?P<n>\d+)/(?P<m>\d+) : (?P<text>.*)$")


@dataclass
class Step:
    """One Dockerfile instruction as the engine reported it."""

    number: int
    total: int
    instruction: str
    stage: str | None = None

    @property
    def label(self) -> str:
        stage = f"[{self.stage}] " if self.stage else ""
        return f"{stage}{self.number}/{self.total}: {self.instruction}"


@dataclass
class StepTracker:
    """Feeds on log lines; remembers the steps seen and which one failed."""

    steps: list[Step] = field(default_factory=list)
    _by_id: dict[str, Step] = field(default_factory=dict)
    _failed: Step | None = None

    def feed(self, line: str) -> Step | None:
        """Return a new :class:`Step` when the line starts one, else None."""
        line = line.rstrip()
        m = _PODMAN_STEP.match(line)
        if m:
            stage = f"{m['stage']}/{m['stages']}" if m["stage"] else None
            return self._add(Step(int(m["n"]), int(m["m"]), m["text"], stage))
        m = _BUILDKIT_STEP.match(line)
        if m:
            if m["id"] in self._by_id:
                return None
            step = Step(int(m["n"]), int(m["m"]), m["text"], m["stage"])
            self._by_id[m["id"]] = step
            return self._add(step)
        m = _BUILDKIT_ERROR.match(line)
        if m and m["id"] in self._by_id and self._failed is None:
            self._failed = self._by_id[m["id"]]
            return None
        m = _BUILDKIT_LEGACY_STEP.match(line)
        if m:
            return self._add(Step(int(m["n"]), int(m["m"]), m["text"]))
        return None

    def _add(self, step: Step) -> Step:
        self.steps.append(step)
        return step

    @property
    def current(self) -> Step | None:
        return self.steps[-1] if self.steps else None

    def failed_step(self) -> Step | None:
        """The step that broke: BuildKit names it; for podman it is the last one started."""
        return self._failed or self.current
