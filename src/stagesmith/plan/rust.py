"""Rust plan: dependency layer with a stub crate, cache mounts, release binary on a slim runtime."""

from __future__ import annotations

from pathlib import Path

from stagesmith.config import ImageMap
from stagesmith.plan.combined import (
    APP_UID,
    EcoOptions,
    EcoPlan,
    Stage,
    decide_user,
    finish,
    runtime_user,
)
from stagesmith.spec.rust import RustSpec

BUILDER = "rust:1-slim"
RUNTIME = "debian:bookworm-slim"
DISTROLESS_CC = "gcr.io/distroless/cc-debian12:nonroot"
#: The runtime user created on Debian runtimes (numeric, so Kubernetes' runAsNonRoot can
#: verify it without reading /etc/passwd).

#: Crates that link a system library at run time -> the Debian package providing it.
NATIVE_CRATES = {
    "openssl-sys": ("libssl-dev", "libssl3"),
    "libz-sys": ("zlib1g-dev", "zlib1g"),
    "libsqlite3-sys": ("libsqlite3-dev", "libsqlite3-0"),
    "pq-sys": ("libpq-dev", "libpq5"),
}


def native_crates(root: Path | None) -> list[str]:
    """Crates from ``Cargo.lock`` that need a system library (bundled builds aside)."""
    if root is None or not (root / "Cargo.lock").is_file():
        return []
    text = (root / "Cargo.lock").read_text(encoding="utf-8", errors="replace")
    return [c for c in NATIVE_CRATES if f'name = "{c}"' in text]


def plan(
    spec: RustSpec, images: ImageMap, options: EcoOptions, root: Path | None = None
) -> EcoPlan:
    runtime = options.runtime_base or RUNTIME
    crates = native_crates(root)
    build_pkgs = sorted(
        {NATIVE_CRATES[c][0] for c in crates} | ({"pkg-config"} if crates else set())
    )
    run_pkgs = sorted(
        {NATIVE_CRATES[c][1] for c in crates}
        | ({"ca-certificates"} if "openssl-sys" in crates else set())
    )
    distroless = runtime.startswith("gcr.io/distroless/")
    # No shell in distroless or scratch: nothing can be RUN there (no apt, no useradd).
    no_shell = distroless or runtime == "scratch"
    manifests = [f"{m}/Cargo.toml" for m in spec.members if m != "."]
    stubs = sorted(spec.targets)
    binaries = list(spec.binaries)
    strip = not ({"strip", "debug"} & set(spec.release_profile))
    result = EcoPlan(
        ecosystem="rust",
        detected_from=["Cargo.toml", *(["Cargo.lock"] if spec.has_lock else [])],
        template="rust.Dockerfile.j2",
        stages=[
            Stage(name="deps", base=images(BUILDER), role="builder"),
            Stage(name="build", base="deps", role="build"),
            Stage(
                name="runtime",
                base=runtime if runtime == "scratch" else images(runtime),
                role="runtime",
            ),
        ],
        runtime_shell=not no_shell,
        user=runtime_user(no_shell),
        params={
            "name": spec.package,
            "binary": spec.binary,
            "binaries": binaries,
            "several": len(binaries) > 1,
            "manifests": [(m, m.rsplit("/", 1)[0] + "/") for m in manifests],
            "stub_bins": [f for f in stubs if spec.targets[f] == "bin"],
            "stub_files": [f for f in stubs if spec.targets[f] != "bin"],
            "stub_dirs": sorted({f.rsplit("/", 1)[0] for f in stubs}),
            "lock": spec.has_lock,
            "locked": "--locked" if spec.has_lock else "",
            "vendored": spec.vendored,
            "build_packages": build_pkgs,
            "runtime_packages": [] if no_shell else run_pkgs,
            "create_user": not no_shell,
            "uid": APP_UID,
            "strip": strip,
            "entrypoint": f"/usr/local/bin/{spec.binary}",
        },
        dockerignore=["target/"],
    )
    result.decide("builder", result.base("builder"), "official Rust image with cargo")
    if spec.workspace:
        result.decide(
            "workspace",
            ", ".join(spec.members),
            "[workspace] in Cargo.toml: every member manifest is copied before the sources",
        )
    result.decide(
        "dependencies",
        f"cargo fetch against stub targets ({', '.join(stubs)}); registry in a cache mount",
        "Cargo.toml/Cargo.lock change less often than src/; stubs (every target the manifests "
        "declare) let cargo read them without the sources and are removed in the same step",
    )
    locked = " --locked" if spec.has_lock else ""
    result.decide(
        "build",
        f"cargo fetch{locked}, then cargo build --release --offline{locked}; registry and "
        "target in cache mounts",
        "the fetch again fills a cache mount the engine pruned since the dependency step (a "
        "no-op when it is warm), so the offline build always finds the crates"
        + ("; symbols stripped (CARGO_PROFILE_RELEASE_STRIP)" if strip else ""),
    )
    result.decide(
        "binary",
        spec.binary,
        f"binary target of {spec.binaries[spec.binary]}"
        + (
            f"; also installed: {', '.join(b for b in binaries if b != spec.binary)}"
            if len(binaries) > 1
            else ""
        ),
    )
    if len(binaries) > 1:
        result.warnings.append(
            f"several binaries: {spec.binary} runs by default; "
            f"{', '.join(b for b in binaries if b != spec.binary)} also installed"
        )
    result.decide(
        "lock",
        "--locked" if spec.has_lock else "not locked",
        "Cargo.lock present" if spec.has_lock else "no Cargo.lock: versions may drift",
    )
    result.decide(
        "runtime",
        result.base("runtime"),
        "requested with --runtime-base"
        + ("; distroless cc: glibc + libgcc, no shell" if distroless else "")
        if options.runtime_base
        else "release binaries link glibc and libgcc_s only; a slim Debian has both",
    )
    decide_user(result, options, no_shell)
    if crates:
        result.decide(
            "runtime libraries",
            ", ".join(run_pkgs),
            f"Cargo.lock has {', '.join(crates)} which link system libraries",
        )
        if distroless:
            result.warnings.append(
                f"{', '.join(crates)} need {', '.join(run_pkgs)}, which a distroless runtime lacks"
            )
    if not spec.has_lock:
        result.warnings.append(
            "no Cargo.lock: the build is not reproducible (run `cargo generate-lockfile`)"
        )
    return finish(result, options)
