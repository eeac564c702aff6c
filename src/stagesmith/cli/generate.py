"""`stagesmith generate`: write a multi-stage Dockerfile for a project or environment file."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from stagesmith.cli.app import app, warn, write_stdout
from stagesmith.config import load_config
from stagesmith.fsutil import check_writable, write_atomic


@app.command()
def generate(
    path: Path | None = typer.Argument(None, help="Project directory (or requirements/env file)."),
    file: Path | None = typer.Option(None, "--file", "-f", help="Conda environment file."),
    requirements: Path | None = typer.Option(None, "--requirements", help="requirements.txt."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the Dockerfile here."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
    builder_base: str | None = typer.Option(None, "--builder-base"),
    runtime_base: str | None = typer.Option(
        None, "--runtime-base", help="slim, distroless, ubuntu or an image."
    ),
    runtime_apt: list[str] = typer.Option([], "--runtime-apt", help="Extra runtime apt package."),
    template: Path | None = typer.Option(None, "--template", help="User Jinja2 template."),
    health_cmd: str | None = typer.Option(None, "--health-cmd"),
    health_url: str | None = typer.Option(None, "--health-url"),
    config: Path | None = typer.Option(None, "--config", help="stagesmith config (image map)."),
    as_json: bool = typer.Option(
        False, "--json", help="Plan, Dockerfile, .dockerignore, warnings."
    ),
) -> None:
    """Print (or write with --output) a multi-stage Dockerfile."""
    from stagesmith.generate import GenerateOptions
    from stagesmith.generate import generate as run

    options = GenerateOptions(
        path=path, file=file, requirements=requirements, builder_base=builder_base,
        runtime_base=runtime_base, runtime_apt=runtime_apt, template=template,
        health_cmd=health_cmd, health_url=health_url, config=load_config(config, Path.cwd()),
    )  # fmt: skip
    result = run(options)
    for message in result.warnings:
        warn(message)
    if as_json:
        payload = {
            "plan": result.plan.model_dump(mode="json"),
            "dockerfile": result.dockerfile,
            "dockerignore": result.dockerignore,
            "warnings": result.warnings,
        }
        write_stdout(json.dumps(payload, indent=2) + "\n")
        return
    if output is None:
        write_stdout(result.dockerfile)
        return
    ignore = output.parent / ".dockerignore"
    check_writable(output, force)
    if result.dockerignore is not None:
        check_writable(ignore, force)
    write_atomic(output, result.dockerfile, force)
    if result.dockerignore is not None:
        write_atomic(ignore, result.dockerignore, force)
