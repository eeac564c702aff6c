"""`stagesmith build`: generate (or take) a Dockerfile and build it on a real engine."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from stagesmith.cli.app import app, err, warn, write_stdout
from stagesmith.config import Config, load_config
from stagesmith.engine import ENGINE_NAMES, BuildFailure, Engine, StepTracker, get_engine
from stagesmith.engine.detect import engine_class
from stagesmith.engine.job import (
    BuildJob,
    check_job,
    check_output_format,
    image_reference,
    run_job,
)
from stagesmith.errors import Failure, StagesmithError, UsageError
from stagesmith.fsutil import check_writable, write_atomic


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} expects KEY=VALUE, got {item!r}")
        out[key] = value
    return out


@app.command()
def build(
    repository: str | None = typer.Option(
        None,
        "--repository",
        help="Image repository; default <registry>/<organization>/<name> from config.",
    ),
    tag: str | None = typer.Option(None, "--tag", help="Image tag (default: today, YYYYMMDD)."),
    file: Path | None = typer.Option(None, "--file", "-f", help="Conda environment file."),
    tarball: Path | None = typer.Option(None, "--tarball", "-t", help="A conda-pack tarball."),
    requirements: Path | None = typer.Option(
        None, "--requirements", "-r", help="pip requirements.txt."
    ),
    dockerfile: Path | None = typer.Option(
        None, "--dockerfile", help="Build this existing Dockerfile instead of generating one."
    ),
    path: Path | None = typer.Argument(None, help="Project directory to generate from."),
    template: Path | None = typer.Option(None, "--template", help="Custom Jinja2 template."),
    builder_base: str | None = typer.Option(
        None, "--builder-base", help="Builder stage base image."
    ),
    runtime_base: str | None = typer.Option(
        None, "--runtime-base", help="Runtime stage base image."
    ),
    context: Path | None = typer.Option(
        None, "--context", help="Build context (default: project dir or '.')."
    ),
    push: bool = typer.Option(False, "--push", help="Push the image after a successful build."),
    target: str | None = typer.Option(None, "--target", help="Stage to build."),
    build_arg: list[str] = typer.Option([], "--build-arg", help="KEY=VALUE (repeatable)."),
    label: list[str] = typer.Option([], "--label", help="KEY=VALUE image label (repeatable)."),
    platform: str | None = typer.Option(None, "--platform", help="e.g. linux/amd64."),
    network: str | None = typer.Option(
        None, "--network", help="Network for RUN steps (e.g. host, none)."
    ),
    engine_name: str = typer.Option("auto", "--engine", help="auto, docker, podman or buildah."),
    builder: str | None = typer.Option(
        None,
        "--builder",
        help="Remote engine: tcp://, ssh://, unix:// URL, docker context, buildx:NAME.",
    ),
    cache_from: list[str] = typer.Option([], "--cache-from", help="Cache source (repeatable)."),
    cache_to: list[str] = typer.Option([], "--cache-to", help="Cache destination (repeatable)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not use cached layers."),
    pull: bool = typer.Option(False, "--pull", help="Always pull base images."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Also save the image to this archive."
    ),
    output_format: str = typer.Option(
        "docker-archive", "--output-format", help="docker-archive, oci-archive or oci-dir."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite --output if it exists."),
    tls_verify: bool = typer.Option(
        True, "--tls-verify/--no-tls-verify", help="TLS for --push (podman)."
    ),
    print_only: bool = typer.Option(
        False, "--print", help="Print the Dockerfile and exit; build nothing."
    ),
    config: Path | None = typer.Option(None, "--config", help="Config file."),
    check: bool = typer.Option(
        False, "--check", help="After the build, inspect and verify the image (exit 1 on problems)."
    ),
    verify_config: Path | None = typer.Option(
        None, "--verify-config", help="Tests for --check (container-structure-test YAML)."
    ),
    report: Path | None = typer.Option(
        None, "--report", help="HTML report for --check (default: <name>-check.html)."
    ),
) -> None:
    """Build an image from a conda env / requirements / project, or an existing Dockerfile."""
    sources = [x for x in (file, tarball, requirements, dockerfile, path) if x is not None]
    if len(sources) > 1:
        raise UsageError("give one of --file, --tarball, --requirements, --dockerfile or a PATH")
    if engine_name not in ENGINE_NAMES:
        raise UsageError(f"unknown --engine {engine_name!r}: choose {', '.join(ENGINE_NAMES)}")
    base_dir = (context or (dockerfile.parent if dockerfile else None) or Path.cwd()).resolve()
    cfg = load_config(config, base_dir)
    settings = cfg.section("build")

    dockerignore: str | None = None
    if dockerfile is not None:
        if not dockerfile.is_file():
            raise StagesmithError(f"Dockerfile {dockerfile} not found")
        text = dockerfile.read_text(encoding="utf-8")
        ctx = (context or dockerfile.parent).resolve()
        name = ctx.name
    else:
        if file is None and tarball is None and requirements is None and path is None:
            file = Path("env.yaml")  # Absconda's default
        text, dockerignore, ctx, name = _generate(
            file, tarball, requirements, path, template, builder_base, runtime_base, cfg, context
        )
    if print_only:
        write_stdout(text)
        return
    if (verify_config is not None or report is not None) and not check:
        raise UsageError("--verify-config and --report go with --check")
    if verify_config is not None and not verify_config.is_file():
        raise StagesmithError(f"verify config {verify_config} not found")
    if check:
        report = report or Path(f"{name}-check.html")
        check_writable(report, force)
        if not (report.parent if str(report.parent) else Path(".")).is_dir():
            raise StagesmithError(f"directory {report.parent} does not exist")

    # Everything that needs no engine is refused first: nothing is built on bad flags.
    image = image_reference(repository, tag, name=name, settings=settings)
    job = BuildJob(
        dockerfile_text=text,
        dockerfile_path=dockerfile.resolve() if dockerfile else None,
        context=ctx,
        image=image,
        target=target,
        build_args=_pairs(build_arg, "--build-arg"),
        labels=_pairs(label, "--label"),
        platform=platform,
        network=network,
        cache_from=cache_from,
        cache_to=cache_to,
        no_cache=no_cache,
        pull=pull,
        dockerignore=dockerignore,
        output=output,
        output_format=output_format,  # type: ignore[arg-type]
        force=force,
        push=push,
        tls_verify=tls_verify,
    )
    check_job(job)  # refuse an existing --output etc. before saying anything
    if engine_name != "auto":
        check_output_format(engine_class(engine_name), job)

    engine = get_engine(engine_name, builder=builder)
    check_output_format(type(engine), job)
    err.print(
        f"building {image} with {engine.name}" + (f" on {builder}" if builder else ""),
        soft_wrap=True,
        markup=False,
    )
    tracker = StepTracker()
    started = time.monotonic()
    failure: BuildFailure | None = None
    if err.is_terminal:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("starting", total=None)

            def on_line(line: str) -> None:
                step = tracker.feed(line)
                if step is not None:
                    progress.update(
                        task,
                        description=step.label[:70],
                        completed=step.number - 1,
                        total=step.total,
                    )

            def on_phase(text: str) -> None:
                progress.update(task, description=text)

            try:
                result = run_job(engine, job, on_line, on_phase)
            except BuildFailure as exc:
                failure = exc
    else:
        # Not a terminal (CI logs, pipes): a live display would print nothing, so one plain
        # line per step the engine starts, and one per phase (saving, pushing).
        def plain_line(line: str) -> None:
            step = tracker.feed(line)
            if step is not None:
                err.print(f"step {step.label}", markup=False, highlight=False, soft_wrap=True)

        def plain_phase(text: str) -> None:
            err.print(text, markup=False, highlight=False, soft_wrap=True)

        try:
            result = run_job(engine, job, plain_line, plain_phase)
        except BuildFailure as exc:
            failure = exc
    # Printed after the (transient) progress display is gone, so nothing is erased.
    if failure is not None:
        where = failure.step.label if failure.step else "before the first step"
        err.print(f"failed step: {where}", markup=False, soft_wrap=True)
        for line in failure.log_tail[-15:]:
            err.print(f"  | {line}", markup=False, highlight=False, soft_wrap=True)
        if check and report is not None:
            build_info = {
                "engine": engine.name,
                "builder": builder,
                "image": image,
                "seconds": time.monotonic() - started,
                "build_args": failure.build_args or job.build_args,
                "labels": failure.labels or job.labels,
                "steps": [step.label for step in tracker.steps],
                "failed": True,
                "failed_step": where,
                "log_tail": failure.log_tail,
            }
            _write_failed_report(image, build_info, failure, report, force)
        raise failure
    err.print(
        f"built {result.image} ({result.build.image_id[:19]}) in {result.build.seconds:.1f}s",
        soft_wrap=True,
        markup=False,
    )
    if result.output:
        err.print(f"saved {result.output} ({job.output_format})", soft_wrap=True, markup=False)
    if result.pushed:
        err.print(f"pushed {result.image}", soft_wrap=True, markup=False)
    write_stdout(result.image + "\n")
    if check and report is not None:
        build_info = {
            "engine": engine.name,
            "builder": builder,
            "image": result.image,
            "image_id": result.build.image_id,
            "seconds": result.build.seconds,
            "build_args": result.build_args,
            "labels": result.labels,
            "steps": [step.label for step in tracker.steps],
            "failed": False,
        }
        _check(result.image, engine, cfg, job, verify_config, report, force, build_info)


def _write_failed_report(
    image: str, build_info: dict[str, Any], failure: BuildFailure, report: Path, force: bool
) -> None:
    """A failed build under --check still leaves a report: the build, its step, its log."""
    from stagesmith.report.html import render_check_html

    problem = f"build: {failure}"
    html = render_check_html(image, None, None, [problem], build_info)
    write_atomic(report, html, force=force)
    err.print(f"wrote {report}", soft_wrap=True, markup=False)


def _check(
    image: str,
    engine: Engine,
    cfg: Config,
    job: BuildJob,
    verify_config: Path | None,
    report: Path,
    force: bool,
    build_info: dict[str, Any] | None = None,
) -> None:
    """Inspect and verify the image just built, write one HTML report, fail on problems."""
    from stagesmith.buildcheck import check_built_image
    from stagesmith.report.html import render_check_html

    archive = job.output if job.output and job.output_format == "docker-archive" else None
    err.print(f"checking {image}: inspect and verify", soft_wrap=True, markup=False)
    outcome = check_built_image(image, engine, cfg, archive=archive, verify_config=verify_config)
    html = render_check_html(image, outcome.inspect, outcome.verify, outcome.problems, build_info)
    write_atomic(report, html, force=force)
    verify = outcome.verify
    err.print(
        f"verify: {verify['pass']} passed, {verify['fail']} failed, {verify['skipped']} skipped;"
        f" inspect: {len(outcome.inspect['findings'])} findings; wrote {report}",
        soft_wrap=True,
        markup=False,
    )
    if outcome.problems:
        for line in outcome.problems:
            err.print(f"problem: {line}", soft_wrap=True, markup=False, highlight=False)
        raise Failure(f"--check found {len(outcome.problems)} problem(s): {outcome.problems[0]}")


def _generate(
    file: Path | None,
    tarball: Path | None,
    requirements: Path | None,
    path: Path | None,
    template: Path | None,
    builder_base: str | None,
    runtime_base: str | None,
    cfg: object,
    context: Path | None,
) -> tuple[str, str | None, Path, str]:
    """Run the generator; the .dockerignore it proposes is handed to the engine, never written."""
    try:
        from stagesmith.generate import GenerateOptions, generate
    except ImportError as exc:
        raise StagesmithError(
            "Dockerfile generation is not available in this build; use --dockerfile"
        ) from exc
    given = {
        "path": path,
        "file": file,
        "requirements": requirements,
        "tarball": tarball,
        "template": template,
        "builder_base": builder_base,
        "runtime_base": runtime_base,
        "context": context,
    }
    kwargs = {k: v for k, v in given.items() if v is not None}
    try:
        options = GenerateOptions(config=cfg, **kwargs)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"cannot generate with these options: {exc}".splitlines()[0]) from exc
    result = generate(options)
    for message in getattr(result, "warnings", []) or []:
        warn(message)
    ctx = (context or Path(result.context)).resolve()
    source = next(p for p in (file, requirements, tarball, path) if p is not None)
    name = getattr(getattr(result, "plan", None), "name", None) or source.resolve().stem
    return result.dockerfile, result.dockerignore, ctx, str(name)
