"""Go plan: module download layer, static binary (CGO off) on distroless/scratch, cross builds."""

from __future__ import annotations

from pathlib import Path

from stagesmith.config import ImageMap
from stagesmith.errors import StagesmithError
from stagesmith.plan.combined import EcoOptions, EcoPlan, Stage, finish
from stagesmith.spec.go import GoSpec

#: Pinned to the ``nonroot`` tag: a tag-less base trips SS119/DL3006, and this one's user is 65532.
DISTROLESS_STATIC = "gcr.io/distroless/static-debian12:nonroot"
GLIBC_RUNTIME = "debian:bookworm-slim"


def plan(spec: GoSpec, images: ImageMap, options: EcoOptions, root: Path | None = None) -> EcoPlan:
    if not spec.commands:
        where = f"{root}/" if root is not None else ""
        raise StagesmithError(
            f"{where}go.mod: no 'package main' in any .go file: nothing to build into an image"
        )
    builder = images(f"golang:{spec.go_version}")
    if spec.cgo:
        runtime = options.runtime_base or GLIBC_RUNTIME
        why = (
            'cgo is used (import "C"): the binary links glibc, so a Debian slim runtime'
            if not options.runtime_base
            else 'cgo is used (import "C"); runtime requested with --runtime-base (it must '
            "have glibc)"
        )
    elif options.scratch or options.runtime_base == "scratch":
        runtime = "scratch"
        why = "CGO_ENABLED=0 gives a static binary; scratch requested"
    elif options.runtime_base:
        runtime = options.runtime_base
        why = "CGO_ENABLED=0 gives a static binary; runtime requested with --runtime-base"
    else:
        runtime = DISTROLESS_STATIC
        why = "CGO_ENABLED=0 gives a static binary: distroless static has CA certs, tzdata, nonroot"
    on_scratch = runtime == "scratch"
    # Images without a shell (scratch, distroless) cannot RUN anything: no apt, no useradd.
    no_shell = on_scratch or runtime.startswith("gcr.io/distroless/")
    # A cgo binary runs on a Debian image, which may lack the CA bundle and zoneinfo: install
    # them with apt when the code needs them (a static binary's images are handled by copying).
    apt = not no_shell and spec.cgo
    runtime_packages = [
        *(["ca-certificates"] if apt and spec.uses_tls else []),
        *(["tzdata"] if apt and spec.uses_tzdata else []),
    ]
    result = EcoPlan(
        ecosystem="go",
        detected_from=["go.mod"],
        template="go.Dockerfile.j2",
        stages=[
            Stage(name="deps", base=builder, role="builder"),
            Stage(name="build", base="deps", role="build"),
            Stage(name="runtime", base=runtime if on_scratch else images(runtime), role="runtime"),
        ],
        runtime_shell=not no_shell,
        user="65532:65532",
        params={
            "name": spec.module.rstrip("/").rsplit("/", 1)[-1] or spec.binary,
            "binary": spec.binary,
            "main_package": spec.main_package,
            "packages": list(spec.commands),
            "several": len(spec.commands) > 1,
            "cgo": spec.cgo,
            "cross": not spec.cgo,
            "vendored": spec.vendored,
            "go_sum": spec.has_go_sum,
            "copy_ca": on_scratch and spec.uses_tls,
            "copy_tzdata": on_scratch and spec.uses_tzdata,
            "create_user": apt,
            "runtime_packages": runtime_packages,
        },
        dockerignore=["vendor/**/*_test.go", "*.test", "bin/", "dist/"]
        if spec.vendored
        else ["*.test", "bin/", "dist/"],
    )
    result.decide("builder", builder, f"go.mod declares go {spec.go_version}")
    result.decide(
        "cgo",
        "on" if spec.cgo else "off (CGO_ENABLED=0)",
        'import "C" found' if spec.cgo else 'no import "C" in the sources',
    )
    result.decide("runtime", result.base("runtime"), why)
    if not spec.cgo:
        result.decide(
            "cross-compilation",
            "--platform=$BUILDPLATFORM with GOOS/GOARCH from TARGETOS/TARGETARCH",
            "pure Go cross-compiles natively, no emulation needed",
        )
    result.decide(
        "dependencies",
        "vendor/ (no download)" if spec.vendored else "go mod download in its own layer",
        "vendor/modules.txt present"
        if spec.vendored
        else "go.mod/go.sum change less often than the code",
    )
    if on_scratch:
        result.decide(
            "ca-certificates",
            "copied from the builder" if spec.uses_tls else "not copied",
            "net/http, crypto/tls or net/smtp imported"
            if spec.uses_tls
            else "no TLS package imported",
        )
        result.decide(
            "tzdata",
            "copied from the builder" if spec.uses_tzdata else "not copied",
            "time.LoadLocation or time/tzdata used" if spec.uses_tzdata else "no time zone lookups",
        )
    elif apt:
        result.decide(
            "ca-certificates",
            "installed with apt" if spec.uses_tls else "not installed",
            "net/http, crypto/tls or net/smtp imported; a slim Debian has no CA bundle"
            if spec.uses_tls
            else "no TLS package imported",
        )
        result.decide(
            "tzdata",
            "installed with apt" if spec.uses_tzdata else "not installed",
            "time.LoadLocation or time/tzdata used; a slim Debian may lack zoneinfo"
            if spec.uses_tzdata
            else "no time zone lookups",
        )
    if not options.user:
        result.decide(
            "user",
            "65532:65532",
            "numeric non-root user, created as nonroot in the runtime"
            if apt
            else "numeric non-root user (the image's nonroot); works without /etc/passwd",
        )
    if spec.other_mains:
        others = ", ".join(spec.commands[m] for m in spec.other_mains)
        result.decide(
            "commands",
            ", ".join(f"{pkg} -> /usr/local/bin/{name}" for pkg, name in spec.commands.items()),
            f"{len(spec.commands)} main packages: all are built and installed; the image runs "
            f"{spec.binary} by default (CMD, so `run IMAGE /usr/local/bin/<name>` picks another)",
        )
        result.warnings.append(
            f"several main packages: {spec.binary} runs by default; {others} also installed"
        )
    result.decide(
        "main package",
        f"{spec.main_package} ({spec.binary})",
        "the root package is main"
        if spec.main_package == "."
        else "the command named like the module"
        if spec.binary == spec.module.rstrip("/").rsplit("/", 1)[-1]
        else "first main package under the module (none is named like the module)",
    )
    result.params["entrypoint"] = f"/usr/local/bin/{spec.binary}"
    return finish(result, options)
