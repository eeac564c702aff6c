"""`stagesmith plan`: the decisions behind a generated Dockerfile, each with its reason."""

from __future__ import annotations

from pathlib import Path

import typer

from stagesmith.cli.app import app, warn, write_stdout
from stagesmith.config import load_config


@app.command()
def plan(
    path: Path = typer.Argument(..., help="Project directory or environment file."),
    config: Path | None = typer.Option(None, "--config", help="stagesmith config (image map)."),
    runtime_base: str | None = typer.Option(None, "--runtime-base"),
    as_json: bool = typer.Option(False, "--json", help="The BuildPlan as JSON."),
) -> None:
    """Show the build plan (stages, bases, decisions and why)."""
    from stagesmith.generate import GenerateOptions, make_plan
    from stagesmith.plan.combined import describe

    options = GenerateOptions(
        path=path, runtime_base=runtime_base, config=load_config(config, Path.cwd())
    )
    result, _ = make_plan(options)
    for message in result.warnings:
        warn(message)
    write_stdout(result.model_dump_json(indent=2) + "\n" if as_json else describe(result))
