"""`stagesmith verify`: container-structure-test compatible tests and built-in image checks."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape

from stagesmith.cli.app import app, err, out, warn, write_stdout
from stagesmith.errors import UsageError
from stagesmith.fsutil import check_writable, write_atomic
from stagesmith.verify import VerifyReport, load_verify_config, to_junit
from stagesmith.verify.runner import run_verify


def _print_text(report: VerifyReport) -> None:
    for r in report.results:
        if r.skipped:
            out.print(f"[yellow]SKIP[/yellow] {r.kind}: {escape(r.name)} ({escape(r.skipped)})")
            continue
        mark = "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]"
        extra = ""
        if "startup_seconds" in r.details and r.details["startup_seconds"] is not None:
            extra = f" (startup {r.details['startup_seconds']:.2f}s, {r.details.get('state')})"
        out.print(f"{mark} {r.kind}: {escape(r.name)}{extra}")
        for e in r.errors:
            out.print(f"     {escape(e)}")
    skipped = f", {report.skipped} skipped" if report.skipped else ""
    colour = "green" if report.ok else "red"
    out.print(
        f"[{colour}]{report.passed} passed, {report.failed} failed{skipped}[/{colour}] "
        f"in {report.duration:.2f}s"
    )


@app.command()
def verify(
    image: str = typer.Argument(..., help="Image name in a local engine, or an archive path."),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="Tests in container-structure-test YAML (schemaVersion 2.0.0)."
    ),
    defaults: bool | None = typer.Option(
        None,
        "--defaults/--no-defaults",
        help="Run the built-in checks (default: only when no --config is given).",
    ),
    engine: str = typer.Option("auto", "--engine", help="auto, podman, docker or buildah."),
    platform: str | None = typer.Option(None, "--platform", help="Platform of a multi-arch image."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout."),
    junit: Path | None = typer.Option(None, "--junit", help="Also write a JUnit XML report."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --junit file."),
    timeout: float = typer.Option(60.0, "--timeout", help="Seconds a command test may run."),
    start_grace: float = typer.Option(
        5.0, "--start-grace", help="Seconds the image's command must survive or exit 0 within."
    ),
) -> None:
    """Run command, file and metadata tests on an image; exit 1 if any fails."""
    if timeout <= 0 or start_grace <= 0:
        raise UsageError("--timeout and --start-grace must be positive")
    if junit is not None:
        check_writable(junit, force)  # refuse before any container runs
    cfg = load_verify_config(config) if config is not None else None
    if cfg is not None:
        for line in cfg.warnings:
            warn(line)
    if cfg is None and defaults is False:
        raise UsageError("nothing to run: give --config or drop --no-defaults")
    report = run_verify(
        image,
        cfg,
        engine=engine,
        defaults=defaults,
        platform=platform,
        timeout=timeout,
        start_grace=start_grace,
    )
    if junit is not None:
        write_atomic(junit, to_junit(report), force=force)
    if as_json:
        write_stdout(json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        _print_text(report)
    if not report.ok:
        err.print(f"verify: {report.failed} of {len(report.results)} tests failed", markup=False)
        raise typer.Exit(1)
