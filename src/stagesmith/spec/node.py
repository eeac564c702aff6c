"""Node projects: package manager (from the lock file), scripts, engines, static front-ends."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from stagesmith.errors import StagesmithError

LOCKFILES: dict[str, Literal["npm", "yarn", "pnpm"]] = {
    "package-lock.json": "npm",
    "npm-shrinkwrap.json": "npm",
    "yarn.lock": "yarn",
    "pnpm-lock.yaml": "pnpm",
}

#: Package-manager configuration the install step must see (registry, auth via secrets, linker).
CONFIG_FILES = (".npmrc", ".yarnrc", ".yarnrc.yml", "pnpm-workspace.yaml")

#: Where common front-end tool chains write their build, in order of preference, when an
#: existing directory is the only hint. ``public/`` is not among them: Vite, Create React App,
#: Vue CLI and Next.js read it as *input* (static files copied into the build).
_STATIC_OUTPUTS = ("dist", "build", "out")
_VITE_CONFIGS = tuple(f"vite.config.{ext}" for ext in ("js", "mjs", "cjs", "ts", "mts", "cts"))
#: ``build: { outDir: "www" }`` written as a literal string in a Vite config.
_VITE_OUT_DIR = re.compile(r"""\boutDir\s*:\s*(["'`])([^"'`$]+)\1""")


class NodeSpec(BaseModel):
    """What ``package.json`` and the lock file say about a Node project."""

    source: str = "package.json"
    name: str
    manager: Literal["npm", "yarn", "pnpm"] = "npm"
    lockfile: str | None = None
    node_major: str = "20"
    #: Where the Node version came from: ``engines.node ">=20.11"`` or ``default``.
    node_source: str = "default"
    scripts: dict[str, str] = {}
    main: str | None = None
    has_dependencies: bool = False
    has_dev_dependencies: bool = False
    static: bool = False
    output_dir: str = "dist"
    #: Why ``output_dir`` was chosen (shown as the reason of the plan's decision).
    output_source: str = "default"
    yarn_berry: bool = False
    #: The ``packageManager`` field as written (``pnpm@8.15.9``), empty when absent.
    package_manager: str = ""
    config_files: list[str] = []
    warnings: list[str] = []


def detect(root: Path) -> bool:
    return (root / "package.json").is_file()


def read(root: Path) -> NodeSpec:
    path = root / "package.json"
    try:
        doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StagesmithError(f"{path}: cannot read: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise StagesmithError(f"{path}: malformed JSON: line {exc.lineno}") from exc
    if not isinstance(doc, dict):
        raise StagesmithError(f"{path}: must be a JSON object")
    lockfile = next((n for n in LOCKFILES if (root / n).is_file()), None)
    manager = LOCKFILES[lockfile] if lockfile else "npm"
    declared = str(doc.get("packageManager") or "")
    if declared.split("@")[0] in ("npm", "yarn", "pnpm"):
        manager = declared.split("@")[0]  # type: ignore[assignment]
    engines = str((doc.get("engines") or {}).get("node") or "")
    major = re.search(r"(\d+)", engines)
    scripts = {str(k): str(v) for k, v in (doc.get("scripts") or {}).items()}
    # A front-end: something is built and nothing is started.
    static = "build" in scripts and "start" not in scripts and "main" not in doc
    raw_marker = doc.get("stagesmith")
    marker: dict[str, Any] = raw_marker if isinstance(raw_marker, dict) else {}
    warnings: list[str] = []
    if marker.get("output"):
        output, output_source = str(marker["output"]), 'package.json "stagesmith": {"output"}'
    else:
        output, output_source = _guess_output(root, scripts, warnings)
    berry = lockfile == "yarn.lock" and "__metadata:" in (root / "yarn.lock").read_text(
        encoding="utf-8", errors="replace"
    )
    return NodeSpec(
        yarn_berry=berry or declared.startswith(("yarn@2", "yarn@3", "yarn@4")),
        package_manager=declared,
        config_files=[n for n in CONFIG_FILES if (root / n).is_file()],
        name=str(doc.get("name") or root.name),
        manager=manager,
        lockfile=lockfile,
        node_major=major.group(1) if major else "20",
        node_source=f"engines.node {json.dumps(engines)}" if major else "default",
        scripts=scripts,
        main=str(doc["main"]) if "main" in doc else None,
        has_dependencies=bool(doc.get("dependencies") or doc.get("optionalDependencies")),
        has_dev_dependencies=bool(doc.get("devDependencies")),
        static=bool(marker.get("static", static)),
        output_dir=output,
        output_source=output_source,
        warnings=warnings,
    )


def _guess_output(root: Path, scripts: dict[str, str], warnings: list[str]) -> tuple[str, str]:
    """The build output directory and why; ``public/`` only for tools that write it."""
    build = scripts.get("build", "")
    if "react-scripts" in build:
        return "build", "react-scripts build writes build/"
    if "next " in build and "export" in build:
        return "out", "next export writes out/"
    if "gatsby" in build:
        return "public", "gatsby build writes public/"
    vite_config = next((n for n in _VITE_CONFIGS if (root / n).is_file()), None)
    if vite_config or re.search(r"\bvite\b", build):
        found = _VITE_OUT_DIR.search(
            (root / vite_config).read_text(encoding="utf-8", errors="replace")
            if vite_config
            else ""
        )
        out = found.group(2).strip().strip("/") if found else ""
        if out and not out.startswith("..") and not out.startswith("/"):
            return out, f"{vite_config}: build.outDir"
        return "dist", "Vite writes dist/ (public/ is its input)"
    for name in _STATIC_OUTPUTS:
        if (root / name).is_dir():
            return name, f"existing {name}/ directory"
    if (root / "public").is_dir():
        warnings.append(
            "public/ exists but is not taken as the build output (most bundlers read it as "
            'input); dist/ is assumed: set "stagesmith": {"output": "public"} in package.json '
            "if the build writes there"
        )
    return "dist", "default (no known bundler, no existing dist/ build/ out/)"
