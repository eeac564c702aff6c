"""Node plan: frozen install, build step, production-only dependencies, non-root runtime.

A project that builds and does not start (no ``start`` script, no ``main``) is a static
front-end: its build output is served by a small web server image instead of Node.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from stagesmith.config import ImageMap
from stagesmith.plan.combined import EcoOptions, EcoPlan, Stage, finish, node_install
from stagesmith.spec.node import NodeSpec

STATIC_SERVER = "busybox:stable"

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


def plan(
    spec: NodeSpec, images: ImageMap, options: EcoOptions, root: Path | None = None
) -> EcoPlan:
    builder = images(f"node:{spec.node_major}")
    install = node_install(spec.manager, spec.lockfile)
    prod_install = (
        PROD_INSTALL[spec.manager]
        if spec.lockfile or spec.manager != "npm"
        else "npm install --omit=dev"
    )
    if spec.yarn_berry:
        install = "corepack enable && yarn install --immutable"
        prod_install = f"{install} && yarn workspaces focus --all --production"
    manifests = ["package.json", *([spec.lockfile] if spec.lockfile else []), *spec.config_files]
    with_tests = options.with_tests and "test" in spec.scripts
    has_build = "build" in spec.scripts
    if spec.static:
        runtime = options.runtime_base or STATIC_SERVER
        stages = [
            Stage(name="deps", base=builder, role="builder"),
            Stage(name="build", base="deps", role="build"),
            Stage(name="runtime", base=images(runtime), role="runtime"),
        ]
        user = "65534:65534"
    else:
        runtime = options.runtime_base or f"node:{spec.node_major}-slim"
        stages = [
            Stage(name="deps", base=builder, role="builder"),
            Stage(name="build", base="deps", role="build"),
            Stage(name="prod-deps", base=builder, role="prod-deps"),
            Stage(name="runtime", base=images(runtime), role="runtime"),
        ]
        user = "node"
    if with_tests:
        stages.insert(2, Stage(name="test", base="build", role="test"))
    result = EcoPlan(
        ecosystem="node",
        detected_from=manifests,
        template="node.Dockerfile.j2",
        stages=stages,
        user=user,
        params={
            "name": spec.name,
            "manifests": manifests,
            "install": install,
            "prod_install": prod_install,
            "cache": CACHES[spec.manager],
            "run": "npm run" if spec.manager == "npm" else spec.manager,
            "build": has_build,
            "tests": with_tests,
            "static": spec.static,
            "output": spec.output_dir,
            "cmd": start_command(spec),
            "port": 8080,
        },
        dockerignore=[
            "node_modules/",
            spec.output_dir + "/",
            "npm-debug.log*",
            ".npm/",
            "coverage/",
        ],
    )
    result.decide(
        "package manager",
        spec.manager,
        f"{spec.lockfile} present" if spec.lockfile else "no lock file; npm by default",
    )
    result.decide(
        "install",
        install,
        "frozen install: fails when the lock file and package.json disagree"
        if spec.lockfile
        else "no lock file to freeze",
    )
    if spec.yarn_berry:
        result.decide(
            "yarn",
            "Berry (2+)",
            "yarn.lock has __metadata or packageManager says yarn@2+: --immutable, not --frozen-lockfile",
        )
    if spec.config_files:
        result.decide(
            "config files",
            ", ".join(spec.config_files),
            "copied with the manifests so the install sees the same registry and settings",
        )
    result.decide(
        "builder",
        builder,
        f"Node {spec.node_major} ({'engines.node' if spec.node_major != '20' else 'default LTS'})",
    )
    if has_build:
        result.decide("build", f"{result.params['run']} build", "package.json has a build script")
    if with_tests:
        result.decide(
            "test stage",
            "test",
            "package.json has a test script; the runtime depends on it, so failing tests fail the build",
        )
    if spec.static:
        result.decide(
            "runtime",
            result.base("runtime"),
            f"static front-end (build script, no start/main): {spec.output_dir}/ served by busybox httpd, no Node at run time",
        )
    else:
        result.decide(
            "runtime",
            result.base("runtime"),
            "slim Node image; production dependencies only (dev dependencies stay in the builder)",
        )
        result.decide(
            "command",
            " ".join(result.params["cmd"]),
            "node runs directly as PID 1's child-free process so signals reach it",
        )
    result.decide(
        "user", user, "non-root" + (" (the image's `node` user)" if user == "node" else " (nobody)")
    )
    if not spec.lockfile:
        result.warnings.append("no lock file: the install is not reproducible")
    if (spec.manager == "pnpm" or spec.yarn_berry) and "@" not in spec.package_manager:
        result.warnings.append(
            f'no "packageManager": "{spec.manager}@<version>" in package.json: corepack '
            "installs whatever version is latest at build time"
        )
    return finish(result, options)
