"""`stagesmith generate`: write a multi-stage Dockerfile for a project or environment file."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from stagesmith.cli.app import app, warn, write_stdout
from stagesmith.config import load_config
from stagesmith.errors import StagesmithError
from stagesmith.fsutil import check_writable, write_atomic


@app.command()
def generate(
    path: Path | None = typer.Argument(
        None, help="Project directory (or requirements/env file/tarball)."
    ),
    file: Path | None = typer.Option(None, "--file", "-f", help="Conda environment file."),
    requirements: Path | None = typer.Option(
        None, "--requirements", help="Requirements file (inside the build context)."
    ),
    tarball: Path | None = typer.Option(
        None, "--tarball", "-t", help="A conda-pack tarball (unpacked into the runtime)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the Dockerfile here (.dockerignore: context root)."
    ),
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
        False, "--json", help="Plan, Dockerfile, .dockerignore, warnings (files too with -o)."
    ),
) -> None:
    """Print (or write with --output) a multi-stage Dockerfile."""
    from stagesmith.generate import GenerateOptions
    from stagesmith.generate import generate as run

    options = GenerateOptions(
        path=path, file=file, requirements=requirements, tarball=tarball,
        builder_base=builder_base,
        runtime_base=runtime_base, runtime_apt=runtime_apt, template=template,
        health_cmd=health_cmd, health_url=health_url, config=load_config(config, Path.cwd()),
    )  # fmt: skip
    if output is not None and str(output) == "-":
        output = None  # `-o -`: standard output, as with no --output
    if output is not None:
        check_writable(output, force)
    result = run(options)
    for message in result.warnings:
        warn(message)
    if output is not None:
        kept = _write(output, result.dockerfile, result.dockerignore, result.context, force)
        if kept is not None:
            warn(kept)
            result.warnings.append(kept)
    if as_json:
        payload = {
            "plan": result.plan.model_dump(mode="json"),
            "dockerfile": result.dockerfile,
            "dockerignore": result.dockerignore,
            "warnings": result.warnings,
        }
        write_stdout(json.dumps(payload, indent=2) + "\n")
    elif output is None:
        write_stdout(result.dockerfile)


def _write(
    output: Path, text: str, ignore_text: str | None, context: Path, force: bool
) -> str | None:
    """The Dockerfile at ``output``; the .dockerignore at the root of the build context.

    An existing .dockerignore is the user's: without --force it is kept and the Dockerfile is
    still written; the warning that says so is returned (the caller prints it and puts it in
    ``--json``). Both writes are atomic and exclusive without --force.
    """
    ignore = context / ".dockerignore"
    keep = ignore_text is not None and ignore.exists() and not force
    if ignore_text is not None and ignore.is_dir():
        raise StagesmithError(f"{ignore} is a directory")
    write_atomic(output, text, force)
    if ignore_text is None:
        return None
    if not keep:
        try:
            write_atomic(ignore, ignore_text, force)
            return None
        except StagesmithError:
            if force or not ignore.exists():
                raise
    if ignore.read_text(encoding="utf-8", errors="replace") != ignore_text:
        return f"{ignore} exists and was kept; --force replaces it with the generated one"
    return None
