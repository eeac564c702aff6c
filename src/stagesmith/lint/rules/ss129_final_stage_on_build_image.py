"""SS129: the final stage starts from a toolchain image."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagesmith.lint.engine import Context, Hit, rule
from stagesmith.lint.graph import final_stage, image_of
from stagesmith.lint.model import Severity
from stagesmith.lint.source import Doc

#: Images that ship compilers and build systems (by repository name, any registry).
_TOOLCHAIN = re.compile(
    r"(^|/)(golang|rust|gcc|maven|gradle|buildpack-deps|openjdk|eclipse-temurin|amazoncorretto"
    r"|sbt|clojure|haskell|swift|elixir|erlang|mcr\.microsoft\.com/dotnet/sdk|dotnet/sdk)(:|$)"
)
_FULL_RUNTIME = re.compile(r"(^|/)(python|node|ruby|php|perl)(:|$)")
_SLIM_TAG = re.compile(r"slim|alpine|distroless|jre|runtime|minimal|-fpm-alpine")


def toolchain_reason(image: str) -> str | None:
    """Why ``image`` is a build image, or None when it looks like a runtime image."""
    low = image.lower().partition("@")[0]
    repo, tag = low, ""
    if ":" in low.rsplit("/", 1)[-1]:
        repo, _, tag = low.rpartition(":")
    if _TOOLCHAIN.search(repo + ":"):
        return None if "jre" in tag or "runtime" in tag else "a toolchain image"
    if _FULL_RUNTIME.search(repo + ":") and not _SLIM_TAG.search(tag):
        return "the full image (it ships gcc, make and headers)"
    return None


@rule("SS129", "final-stage-on-build-image", Severity.WARNING)
def check(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The final stage is built on a toolchain or full language image (``golang``, ``rust``,
    ``maven``, ``gcc``, ``python:3.12`` rather than ``python:3.12-slim``, ``node:20``): the
    compilers ship to production. Build there, run from a slim or distroless base.

    Bad::

        FROM golang:1.22
        COPY . /src
        RUN cd /src && go build -o /app .
        ENTRYPOINT ["/app"]

    Good::

        FROM golang:1.22 AS build
        COPY . /src
        RUN cd /src && CGO_ENABLED=0 go build -o /app .
        FROM gcr.io/distroless/static-debian12:nonroot
        COPY --from=build /app /app
        ENTRYPOINT ["/app"]
    """
    final = final_stage(doc, ctx)
    if final is None:
        return
    image = image_of(doc, final)
    if not image or "$" in image:
        return
    reason = toolchain_reason(image)
    if reason:
        yield (
            final.from_instr,
            f"the final stage runs on {image}, {reason}; use a slim runtime base",
        )
