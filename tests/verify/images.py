"""Tiny real images for verify's engine tests, built once per session with podman.

``app``: debian slim + a non-root user ``app`` (uid 1000) and a server-like command;
``exits``: a command that exits 0; ``crash``: one that exits 3 at once;
``gcc``: ``localhost/python:3.11`` as is (gcc, make; runs as root).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from stagesmith.engine import BuildRequest, Engine

SLIM = "localhost/debian:bookworm-slim"
FULL = "localhost/python:3.11"

APP_DOCKERFILE = f"""\
FROM {SLIM}
RUN useradd --uid 1000 --create-home app && mkdir /data && chown 1000:1000 /data
COPY --chmod=0755 serve.sh /usr/local/bin/serve
ENV APP_HOME=/home/app GREETING=hello
LABEL org.opencontainers.image.title=verify-app
EXPOSE 8080
WORKDIR /home/app
USER app
CMD ["/usr/local/bin/serve"]
"""
SERVE = "#!/bin/sh\necho ready\nexec sleep 60\n"


@dataclass
class Images:
    app: str
    exits: str
    crash: str
    gcc: str
    made: list[str]


def _build(engine: Engine, root: Path, dockerfile: str, files: dict[str, str]) -> str:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text)
    (root / "Dockerfile").write_text(dockerfile)
    tag = f"localhost/stagesmith-test/verify:{uuid.uuid4().hex[:10]}"
    engine.build(BuildRequest(context=root, dockerfile=root / "Dockerfile", tags=[tag]))
    return tag


def build_images(engine: Engine, root: Path) -> Images:
    app = _build(engine, root / "app", APP_DOCKERFILE, {"serve.sh": SERVE})
    exits = _build(engine, root / "exits", f'FROM {app}\nCMD ["/bin/true"]\n', {})
    crash = _build(
        engine, root / "crash", f'FROM {app}\nCMD ["/bin/sh", "-c", "echo boom >&2; exit 3"]\n', {}
    )
    return Images(app, exits, crash, FULL, [crash, exits, app])
