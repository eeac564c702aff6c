"""Node and Python + Node plans: what the audit found, each pinned by a test.

Every generated Node / Python + Node Dockerfile is also parsed by BuildKit's parser (the
``dockerfile`` package), linted by ``stagesmith lint`` and by hadolint: no error findings.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import dockerfile
from stagesmith.config import ImageMap
from stagesmith.dockerfile import parse
from stagesmith.dockerfile.helpers import pairs
from stagesmith.dockerfile.shell import expand
from stagesmith.errors import StagesmithError
from stagesmith.plan.combined import EcoOptions, EcoPlan, detect, image_has_shell, plan_project
from stagesmith.render import render
from tests.conftest import FIXTURES

APPS = FIXTURES / "apps"
NODE_APPS = sorted(p.name for p in APPS.iterdir() if p.name.startswith(("node-", "pynode-")))
NODE_APPS.remove("node-frontend-only")  # code one level down: an error by design


def dockerfile_for(root: Path, **options: object) -> tuple[EcoPlan, str, str]:
    plan = plan_project(root, ImageMap(), EcoOptions.model_validate(options))
    text, ignore = render(plan)
    return plan, text, ignore


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def package(**doc: object) -> str:
    return json.dumps({"name": "x", **doc})


def stage(text: str, name: str) -> str:
    """The lines of one stage (from its FROM to the next FROM)."""
    start = text.index(f" AS {name}\n")
    start = text.rindex("FROM ", 0, start)
    end = text.find("\nFROM ", start + 1)
    return text[start : end if end != -1 else len(text)]


def decisions(plan: EcoPlan) -> dict[str, str]:
    return {d.key: d.value for d in plan.decisions}


# --- 1. Python + Node: the backend is the real Python plan ------------------------------------


def pynode_project(tmp_path: Path, pyproject: str, frontend: dict[str, str] | None = None) -> Path:
    return write(
        tmp_path,
        {
            "pyproject.toml": pyproject,
            "shop/__init__.py": "",
            "tests/test_shop.py": "def test_it():\n    assert True\n",
            **(frontend or {"ui/package.json": package(scripts={"build": "vite build"})}),
        },
    )


PYPROJECT = (
    '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
    '[project]\nname = "shop"\nversion = "1.0"\nrequires-python = ">=3.12"\n'
    'dependencies = ["flask>=3"]\n\n[project.scripts]\nshop-server = "shop:main"\n'
)


def test_pynode_python_version_entry_and_pytest_come_from_the_python_planner(
    tmp_path: Path,
) -> None:
    plan, text, _ = dockerfile_for(pynode_project(tmp_path, PYPROJECT))
    assert plan.ecosystem == "python+node"
    assert "FROM python:3.12 AS deps" in text and "FROM python:3.12-slim AS production" in text
    assert text.rstrip().splitlines()[-1].startswith("COPY --chown=10001:10001 . /app")
    assert 'CMD ["/opt/venv/bin/shop-server"]' in text
    test = stage(text, "test")
    assert "pytest -q -p no:cacheprovider tests" in test and "unittest" not in text
    assert "COPY --from=assets /src/ui/dist ./ui/dist" in test  # tests see the built assets
    # Dependencies are installed from pyproject.toml before the source is copied.
    assert (
        text.index("COPY pyproject.toml ./")
        < text.index("pip install 'flask>=3'")
        < text.index("COPY . .")
    )
    assert "USER 10001:10001" in text and "USER app" not in text
    assert " AS development\n" in text
    assert "COPY --from=assets /src/ui/dist ./ui/dist" in stage(text, "development")
    made = decisions(plan)
    assert made["builder"] == "python:3.12" and made["entry"] == "/opt/venv/bin/shop-server"
    assert made["assets"] == "ui/dist" and made["assets package manager"] == "npm"
    assert made["tests"] == "pytest tests" and plan.decisions[0].key == "ecosystem"


def test_pynode_flat_layout_hides_the_frontend_from_setuptools(tmp_path: Path) -> None:
    _, text, _ = dockerfile_for(pynode_project(tmp_path, PYPROJECT))
    builder = stage(text, "builder")
    # before the project is built (the build backend is installed earlier, before the source)
    assert builder.index("RUN rm -rf ui") < builder.index("--prefix /opt/project")
    explicit = PYPROJECT + '\n[tool.setuptools]\npackages = ["shop"]\n'
    _, text, _ = dockerfile_for(pynode_project(tmp_path, explicit))
    assert "rm -rf ui" not in text
    (tmp_path / "src").mkdir()
    shutil.move(tmp_path / "shop", tmp_path / "src" / "shop")  # src layout: ui/ is not looked at
    _, text, _ = dockerfile_for(pynode_project(tmp_path, PYPROJECT))
    assert "rm -rf ui" not in text


def test_pynode_uv_lock_and_pnpm_cache(tmp_path: Path) -> None:
    root = pynode_project(
        tmp_path,
        PYPROJECT,
        {
            "web/package.json": package(
                scripts={"build": "vite build"}, packageManager="pnpm@9.1.0"
            ),
            "web/pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
        },
    )
    (root / "uv.lock").write_text("version = 1\n")
    plan, text, _ = dockerfile_for(root)
    assert "uv sync --frozen" in text
    assets = stage(text, "assets")
    assert "--mount=type=cache,target=/root/.local/share/pnpm/store" in assets
    assert "/root/.npm" not in assets
    assert "COPY web/package.json web/pnpm-lock.yaml ./" in assets
    # The decision names the command the template runs.
    assert decisions(plan)["assets build"] == "pnpm build" and "RUN pnpm build\n" in assets


def test_pynode_failing_tests_gate_the_production_stage(tmp_path: Path) -> None:
    _plan, text, _ = dockerfile_for(APPS / "pynode-app")
    assert "pytest -q -p no:cacheprovider selftest.py" in stage(text, "test")
    assert "RUN touch /tmp/tests-passed" in stage(text, "test")
    assert "COPY --from=test /tmp/tests-passed /tmp/tests-passed" in stage(text, "production")
    _, untested, _ = dockerfile_for(APPS / "pynode-app", with_tests=False)
    assert "tests-passed" not in untested and "selftest.py" not in untested


# --- 2. static sites: public/ is Vite's input ---------------------------------------------------


@pytest.mark.parametrize("via", ["script", "config"])
def test_vite_with_public_dir_builds_dist_and_keeps_public_in_context(
    tmp_path: Path, via: str
) -> None:
    files = {
        "package.json": package(scripts={"build": "vite build" if via == "script" else "tsc"}),
        "public/favicon.svg": "<svg/>",
        "index.html": "<html></html>",
    }
    if via == "config":
        files["vite.config.ts"] = "export default {}\n"
    plan, text, ignore = dockerfile_for(write(tmp_path, files))
    assert "COPY --from=build /app/dist/ /srv/www/" in text
    assert "public/" not in ignore.splitlines() and "dist/" in ignore.splitlines()
    assert decisions(plan)["output"] == "dist/"


def test_vite_literal_out_dir_and_gatsby_public(tmp_path: Path) -> None:
    write(
        tmp_path / "v",
        {
            "package.json": package(scripts={"build": "vite build"}),
            "vite.config.js": "export default { build: { outDir: 'www' } }\n",
        },
    )
    _, text, _ = dockerfile_for(tmp_path / "v")
    assert "COPY --from=build /app/www/ /srv/www/" in text
    write(tmp_path / "g", {"package.json": package(scripts={"build": "gatsby build"})})
    _, text, ignore = dockerfile_for(tmp_path / "g")
    assert "COPY --from=build /app/public/ /srv/www/" in text
    assert "public/" not in ignore.splitlines()


def test_unknown_bundler_with_public_dir_is_not_guessed_and_warns(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {"package.json": package(scripts={"build": "node build.js"}), "public/a.png": ""},
    )
    plan, text, _ = dockerfile_for(root)
    assert "/app/dist/" in text
    assert any("public/ exists but is not taken as the build output" in w for w in plan.warnings)


# --- 3. a server with no production dependencies -------------------------------------------------


def test_server_without_dependencies_still_has_a_node_modules_to_copy(tmp_path: Path) -> None:
    root = write(
        tmp_path, {"package.json": package(main="i.js"), "package-lock.json": "{}", "i.js": ""}
    )
    plan, text, _ = dockerfile_for(root)
    assert "npm ci --omit=dev && mkdir -p node_modules" in stage(text, "prod-deps")
    assert "COPY --from=prod-deps /app/node_modules ./node_modules" in text
    reason = next(d.reason for d in plan.decisions if d.key == "production dependencies")
    assert "lists none" in reason


# --- 4. Python with a tool-only root package.json ------------------------------------------------


def test_python_with_prettier_package_json_is_python(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "requirements.txt": "flask\n",
            "app.py": "",
            "package.json": package(
                scripts={"format": "prettier -w ."}, devDependencies={"prettier": "3"}
            ),
        },
    )
    assert detect(root) is None
    plan, text, _ = dockerfile_for(root)
    assert plan.ecosystem == "python" and "FROM node" not in text
    assert "no main, start or build script" in next(
        d.reason for d in plan.decisions if d.key == "ecosystem"
    )


def test_python_with_a_node_start_script_is_node_and_warns(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {"requirements.txt": "flask\n", "package.json": package(scripts={"start": "node s.js"})},
    )
    assert detect(root) == "node"
    plan, _, _ = dockerfile_for(root)
    assert plan.ecosystem == "node"
    assert any("planned as Node" in w and "requirements.txt" in w for w in plan.warnings)


# --- 5. LABEL quoting and HEALTHCHECK form --------------------------------------------------------


def test_label_values_are_dockerfile_words_buildkit_reads_back(tmp_path: Path) -> None:
    value = 'Tom & Jerry\'s <app> "quoted" $HOME \\ end'
    _, text, _ = dockerfile_for(
        APPS / "node-api", labels={"org.opencontainers.image.description": value}
    )
    assert "\\u0026" not in text and "\\u003c" not in text
    labels = dict(
        (k, expand(v, {}))
        for ins in parse(text).instructions
        if ins.keyword.upper() == "LABEL"
        for k, v in pairs(ins)
    )
    assert labels["org.opencontainers.image.description"] == value
    # BuildKit's own parser agrees on the instruction.
    assert any(c.cmd == "LABEL" for c in dockerfile.parse_string(text))


def test_nested_label_values_are_one_error() -> None:
    with pytest.raises(StagesmithError, match="label team: the value must be a string or a number"):
        EcoOptions.model_validate({"labels": {"team": {"name": "x"}}})
    plan, _, _ = dockerfile_for(APPS / "node-api")
    with pytest.raises(StagesmithError, match="not list"):
        EcoPlan.model_validate({**plan.model_dump(), "labels": {"x": [1]}})


def test_healthcheck_is_exec_form_without_a_shell_and_shell_form_with_one() -> None:
    _, slim, _ = dockerfile_for(APPS / "node-api", healthcheck="node healthcheck.js || exit 1")
    assert "CMD node healthcheck.js || exit 1\n" in slim
    plan, distroless, _ = dockerfile_for(
        APPS / "node-api",
        healthcheck="/nodejs/bin/node healthcheck.js",
        runtime_base="gcr.io/distroless/nodejs20-debian12",
    )
    assert plan.runtime_shell is False
    assert 'CMD ["/nodejs/bin/node", "healthcheck.js"]\n' in distroless
    assert decisions(plan)["healthcheck"].startswith("exec form: [")
    cmds = [c for c in dockerfile.parse_string(distroless) if c.cmd == "HEALTHCHECK"]
    assert cmds and cmds[0].json
    with pytest.raises(StagesmithError, match="needs a shell"):
        dockerfile_for(
            APPS / "node-api",
            healthcheck="curl -f localhost || exit 1",
            runtime_base="gcr.io/distroless/nodejs20-debian12",
        )


@pytest.mark.parametrize(
    ("image", "shell"),
    [
        ("scratch", False),
        ("gcr.io/distroless/static-debian12", False),
        ("gcr.io/distroless/python3-debian12:debug", True),
        ("node:20-slim", True),
        ("python:3.12-slim", True),
        ("localhost/stagesmith-test/distroless-static", False),
        ("mycorp/base:1", None),
    ],
)
def test_image_has_shell(image: str, shell: bool | None) -> None:
    assert image_has_shell(image) is shell


def test_unknown_runtime_gets_exec_form_for_a_plain_command() -> None:
    plan, text, _ = dockerfile_for(
        APPS / "node-api", healthcheck="node hc.js", runtime_base="mycorp/base:20"
    )
    assert plan.runtime_shell is None and 'CMD ["node", "hc.js"]\n' in text


# --- 6. numeric users -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("app", "user"), [("node-api", "1000:1000"), ("pynode-web", "10001:10001")]
)
def test_runtime_users_are_numeric(app: str, user: str) -> None:
    plan, text, _ = dockerfile_for(APPS / app)
    assert plan.user == user and f"USER {user}\n" in text


# --- 7. warnings once, on stderr ------------------------------------------------------------------


def test_plan_prints_warnings_on_stderr_only() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "stagesmith", "plan", str(APPS / "node-nolock")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "warning:" not in proc.stdout
    assert "warning: no lock file: the install is not reproducible" in proc.stderr.splitlines()


# --- 8. reasons say what was read and what is rendered --------------------------------------------


def test_engines_reason_quotes_package_json(tmp_path: Path) -> None:
    root = write(tmp_path, {"package.json": package(main="i.js", engines={"node": ">=20.11"})})
    plan, _, _ = dockerfile_for(root)
    reason = next(d.reason for d in plan.decisions if d.key == "builder")
    assert reason == 'Node 20 (package.json engines.node ">=20.11")'
    plan, _, _ = dockerfile_for(APPS / "node-api")
    assert "default LTS" in next(d.reason for d in plan.decisions if d.key == "builder")


@pytest.mark.parametrize("app", NODE_APPS)
def test_build_and_test_decisions_match_the_rendered_commands(app: str) -> None:
    plan, text, _ = dockerfile_for(APPS / app)
    for key in ("build", "assets build", "assets tests"):
        if key in decisions(plan):
            assert f"RUN {decisions(plan)[key]}" in text, key
    if "test stage" in decisions(plan) and plan.ecosystem == "node":
        assert f"RUN {decisions(plan)['test stage']} && touch" in text


# --- 9. .dockerignore keeps environment files out -------------------------------------------------


def test_server_dockerignore_has_env_files_but_not_examples() -> None:
    _, _, ignore = dockerfile_for(APPS / "node-api")
    lines = ignore.splitlines()
    assert {".env", ".env.*", "!.env.example"} <= set(lines)
    assert lines.index(".env.*") < lines.index("!.env.example")  # the exception comes after
    _, _, ignore = dockerfile_for(APPS / "pynode-app")
    assert {".env", "frontend/.env.local", "frontend/node_modules"} <= set(ignore.splitlines())


# --- 10. blocks a user template can fill -----------------------------------------------------------


def test_user_template_fills_node_blocks(tmp_path: Path) -> None:
    (tmp_path / "node.Dockerfile.j2").write_text(
        '{% extends "builtin/node.Dockerfile.j2" %}\n'
        "{% block deps_setup %}RUN apt-get update && apt-get install -y --no-install-recommends"
        " python3 make g++ && rm -rf /var/lib/apt/lists/*\n{% endblock %}\n"
        "{% block runtime_setup %}RUN mkdir -p /data && chown 1000:1000 /data\n{% endblock %}\n"
        "{% block runtime_end %}EXPOSE 3000\n{% endblock %}\n"
    )
    text, _ = render(plan_project(APPS / "node-api"), tmp_path)
    deps = stage(text, "deps")
    assert deps.index("apt-get install") < deps.index("npm ci")
    runtime = stage(text, "runtime")
    assert "chown 1000:1000 /data" in runtime and text.endswith("EXPOSE 3000\n")


def test_user_template_fills_combined_blocks(tmp_path: Path) -> None:
    (tmp_path / "combined.Dockerfile.j2").write_text(
        '{% extends "builtin/combined.Dockerfile.j2" %}\n'
        "{% block assets_end %}RUN ls dist\n{% endblock %}\n"
        "{% block production_end %}EXPOSE 8000\n{% endblock %}\n"
    )
    text, _ = render(plan_project(APPS / "pynode-app"), tmp_path)
    assert "RUN ls dist" in stage(text, "assets") and text.endswith("EXPOSE 8000\n")
    assert "COPY --from=assets /src/frontend/dist /app/frontend/dist" in text


# --- 11. every generated Dockerfile parses and lints clean ----------------------------------------


def _variants(tmp_path: Path) -> dict[str, Path]:
    extra = {
        "yarn-berry": {
            "package.json": package(main="i.js", packageManager="yarn@4.1.0"),
            "yarn.lock": "__metadata:\n  version: 8\n",
        },
        "no-deps": {"package.json": package(main="i.js")},
        "vite": {"package.json": package(scripts={"build": "vite build"}), "public/x": ""},
        "pynode-pyproject": {
            "pyproject.toml": PYPROJECT,
            "src/shop/__init__.py": "",
            "tests/test_x.py": "",
            "ui/package.json": package(scripts={"build": "vite build", "test": "vitest"}),
            "ui/pnpm-lock.yaml": "",
        },
    }
    roots = {app: APPS / app for app in NODE_APPS}
    roots.update({name: write(tmp_path / name, files) for name, files in extra.items()})
    return roots


def test_every_node_dockerfile_parses_and_lints_clean(tmp_path: Path) -> None:
    hadolint = shutil.which("hadolint")
    out = tmp_path / "out"
    out.mkdir()
    for name, root in _variants(tmp_path).items():
        _, text, _ = dockerfile_for(
            root, healthcheck="node hc.js", labels={"org.opencontainers.image.vendor": "A & B"}
        )
        commands = dockerfile.parse_string(text)
        assert [c.value[-1] for c in commands if c.cmd == "FROM"][-1] in ("runtime", "production")
        path = out / f"{name}.Dockerfile"
        path.write_text(text)
        lint = subprocess.run(
            [sys.executable, "-m", "stagesmith", "lint", "-f", "json", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        findings = json.loads(lint.stdout)["findings"]
        errors = [f for f in findings if f["severity"] == "error"]
        assert not errors, (name, errors)
        if hadolint is None:
            continue
        proc = subprocess.run(
            [hadolint, "-f", "json", "--no-fail", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        bad = [f for f in json.loads(proc.stdout or "[]") if f["level"] == "error"]
        assert not bad, (name, bad)
    if hadolint is None:
        pytest.skip("hadolint not installed: stagesmith lint and BuildKit's parser checked only")
