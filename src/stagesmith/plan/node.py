"""Node plan: frozen install, build step, production-only dependencies, non-root runtime.

A project that builds and does not start (no ``start`` script, no ``main``) is a static
front-end: its build output is served by a small web server image instead of Node.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from stagesmith.config import ImageMap
from stagesmith.plan.combined import (
    EcoOptions,
    EcoPlan,
    Stage,
    finish,
    image_has_shell,
    node_install,
)
from stagesmith.spec.node import NodeSpec

STATIC_SERVER = "busybox:stable"
#: The official node images' ``node`` user: numeric so runtimes (Kubernetes ``runAsNonRoot``)
#: can verify it is not root without reading /etc/passwd.
NODE_USER = "1000:1000"
#: busybox's ``nobody``.
STATIC_USER = "65534:65534"
#: Environment files that hold secrets at run time; the examples stay (documentation).
SERVER_ENV_IGNORES = [".env", ".env.*", "!.env.example", "!.env.sample"]
#: A front-end build reads ``.env`` / ``.env.production`` (public build-time values): only the
#: git-ignored local overrides, where secrets live by convention, are kept out.
FRONTEND_ENV_IGNORES = [".env.local", ".env.*.local"]

PROD_INSTALL = {
    "npm": "npm ci --omit=dev",
    "yarn": "yarn install --frozen-lockfile --production",
    "pnpm": "corepack enable && pnpm install --frozen-lockfile --prod",
}
CACHES = {
    "npm": "/root/.npm",
    "yarn": "/usr/local/share/.cache/yarn",
    "pnpm": "/root/.local/share/pnpm/store",
}


def start_command(spec: NodeSpec) -> list[str]:
    """Run ``node FILE`` directly when possible: npm would add a process and swallow signals."""
    start = spec.scripts.get("start", "")
    words = shlex.split(start) if start else []
    if len(words) == 2 and words[0] == "node":
        return words
    if not start and spec.main:
        return ["node", spec.main]
    if start:
        return [spec.manager, "start"] if spec.manager != "npm" else ["npm", "start"]
    return ["node", "index.js"]


def installs(spec: NodeSpec) -> tuple[str, str]:
    """(full frozen install, production-only install) for the spec's package manager."""
    install = node_install(spec.manager, spec.lockfile)
    prod_install = (
        PROD_INSTALL[spec.manager]
        if spec.lockfile or spec.manager != "npm"
        else "npm install --omit=dev"
    )
    if spec.yarn_berry:
        install = "corepack enable && yarn install --immutable"
        prod_install = f"{install} && yarn workspaces focus --all --production"
    return install, prod_install


def run_prefix(manager: str) -> str:
    """How a package.json script is run: ``npm run build``, ``yarn build``, ``pnpm build``."""
    return "npm run" if manager == "npm" else manager


def manifests(spec: NodeSpec) -> list[str]:
    return ["package.json", *([spec.lockfile] if spec.lockfile else []), *spec.config_files]


def decide_basics(
    result: EcoPlan, spec: NodeSpec, install: str, builder: str, where: str = ""
) -> None:
    """Decisions shared by the Node plan and the Node asset stage of Python + Node."""
    result.decide(
        f"{where}package manager",
        spec.manager,
        f"{spec.lockfile} present" if spec.lockfile else "no lock file; npm by default",
    )
    result.decide(
        f"{where}install",
        install,
        "frozen install: fails when the lock file and package.json disagree"
        if spec.lockfile
        else "no lock file to freeze",
    )
    if spec.yarn_berry:
        result.decide(
            f"{where}yarn",
            "Berry (2+)",
            "yarn.lock has __metadata or packageManager says yarn@2+: --immutable, not --frozen-lockfile",
        )
    if spec.config_files:
        result.decide(
            f"{where}config files",
            ", ".join(spec.config_files),
            "copied with the manifests so the install sees the same registry and settings",
        )
    result.decide(
        f"{where}builder",
        builder,
        f"Node {spec.node_major} (package.json {spec.node_source})"
        if spec.node_source != "default"
        else f"Node {spec.node_major} (default LTS; no engines.node in package.json)",
    )


def pin_warnings(spec: NodeSpec, where: str = "") -> list[str]:
    out = [f"{where}{w}" for w in spec.warnings]
    if not spec.lockfile:
        out.append(f"{where}no lock file: the install is not reproducible")
    if (spec.manager == "pnpm" or spec.yarn_berry) and "@" not in spec.package_manager:
        out.append(
            f'{where}no "packageManager": "{spec.manager}@<version>" in package.json: corepack '
            "installs whatever version is latest at build time"
        )
    return out


def output_ignored(spec: NodeSpec) -> list[str]:
    """The build output in .dockerignore, unless it is a directory builds read (``public``)."""
    return (
        [] if spec.output_dir.strip("/") in ("public", "src", ".", "") else [spec.output_dir + "/"]
    )


def plan(
    spec: NodeSpec, images: ImageMap, options: EcoOptions, root: Path | None = None
) -> EcoPlan:
    official_builder = f"node:{spec.node_major}"
    builder = images(official_builder)
    install, prod_install = installs(spec)
    files = manifests(spec)
    with_tests = options.with_tests and "test" in spec.scripts
    has_build = "build" in spec.scripts
    run = run_prefix(spec.manager)
    # Always a prod-deps stage for a server (the install also runs lifecycle scripts and
    # workspaces); with nothing to install it yields an empty node_modules (mkdir -p below).
    prod_deps = not spec.static
    if spec.static:
        runtime = options.runtime_base or STATIC_SERVER
        stages = [
            Stage(name="deps", base=builder, role="builder"),
            Stage(name="build", base="deps", role="build"),
            Stage(name="runtime", base=images(runtime), role="runtime"),
        ]
        user = STATIC_USER
    else:
        runtime = options.runtime_base or f"node:{spec.node_major}-slim"
        stages = [
            Stage(name="deps", base=builder, role="builder"),
            Stage(name="build", base="deps", role="build"),
            *([Stage(name="prod-deps", base=builder, role="prod-deps")] if prod_deps else []),
            Stage(name="runtime", base=images(runtime), role="runtime"),
        ]
        user = NODE_USER
    if with_tests:
        stages.insert(2, Stage(name="test", base="build", role="test"))
    result = EcoPlan(
        ecosystem="node",
        detected_from=files,
        template="node.Dockerfile.j2",
        stages=stages,
        user=user,
        runtime_shell=image_has_shell(runtime),
        params={
            "name": spec.name,
            "manifests": files,
            "install": install,
            # npm/yarn/pnpm create no node_modules when nothing is installed: the runtime's
            # COPY --from=prod-deps must still find the directory.
            "prod_install": f"{prod_install} && mkdir -p node_modules",
            "prod_deps": prod_deps,
            "cache": CACHES[spec.manager],
            "run": run,
            "build": has_build,
            "tests": with_tests,
            "static": spec.static,
            "output": spec.output_dir,
            "cmd": start_command(spec),
            "port": 8080,
        },
        dockerignore=[
            "node_modules/",
            *output_ignored(spec),
            "npm-debug.log*",
            ".npm/",
            "coverage/",
            *(FRONTEND_ENV_IGNORES if spec.static else SERVER_ENV_IGNORES),
        ],
    )
    decide_basics(result, spec, install, builder)
    if has_build:
        result.decide("build", f"{run} build", "package.json has a build script")
    if with_tests:
        result.decide(
            "test stage",
            f"{run} test",
            "package.json has a test script; the runtime depends on it, so failing tests fail the build",
        )
    if spec.static:
        result.decide("output", f"{spec.output_dir}/", spec.output_source)
        result.decide(
            "runtime",
            result.base("runtime"),
            f"static front-end (build script, no start/main): {spec.output_dir}/ served by busybox httpd, no Node at run time",
        )
        result.decide(
            ".dockerignore",
            ", ".join(FRONTEND_ENV_IGNORES),
            "local env overrides hold secrets by convention; .env/.env.production are build input",
        )
    else:
        result.decide(
            "runtime",
            result.base("runtime"),
            "slim Node image; production dependencies only (dev dependencies stay in the builder)",
        )
        result.decide(
            "production dependencies",
            f"{prod_install} && mkdir -p node_modules",
            "a prod-deps stage installs them without dev dependencies; the runtime copies its node_modules"
            + (
                ""
                if spec.has_dependencies
                else " (package.json lists none: the install creates no node_modules, so"
                " mkdir -p gives the COPY an empty one)"
            ),
        )
        result.decide(
            "command",
            " ".join(result.params["cmd"]),
            "node runs directly (no npm wrapper process), so signals reach it"
            if result.params["cmd"][0] == "node"
            else "the start script is not a plain `node FILE`, so the package manager runs it",
        )
        result.decide(
            ".dockerignore",
            ", ".join(SERVER_ENV_IGNORES),
            "environment files hold run-time secrets; the runtime copies the source tree",
        )
    result.decide(
        "user",
        user,
        "non-root, numeric so runAsNonRoot can verify it"
        + (" (the node image's `node` user)" if user == NODE_USER else " (nobody)"),
    )
    result.warnings += pin_warnings(spec)
    return finish(result, options)
