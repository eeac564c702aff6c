"""Entry point: runs the Typer app and turns errors into one line on stderr and an exit code."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable

from stagesmith.errors import StagesmithError

#: Command name -> module that registers it on ``app`` when imported. Only the module of the
#: command being run is imported, so ``stagesmith lint`` does not pay for Rich progress bars,
#: the engine layer or the image reader.
COMMANDS = {
    "generate": "stagesmith.cli.generate",
    "plan": "stagesmith.cli.plan",
    "lint": "stagesmith.cli.lint",
    "parse": "stagesmith.cli.parse",
    "build": "stagesmith.cli.build",
    "inspect": "stagesmith.cli.inspect",
    "compare": "stagesmith.cli.compare",
    "verify": "stagesmith.cli.verify",
}


def _load_commands(args: list[str]) -> None:
    """Import the module of the command named in ``args``, or all of them (help, typos)."""
    name = next((a for a in args if not a.startswith("-")), None)
    modules = [COMMANDS[name]] if name in COMMANDS else list(COMMANDS.values())
    for module in modules:
        importlib.import_module(module)


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"stagesmith: error: {message}\n")
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    from stagesmith.lint import command as lint_command

    if lint_command.handles(args):
        # run as the program (not main([...]) from Python): leave without the teardown
        _run_fast(args, lint_command.main, leave_at_once=argv is None)
    from stagesmith.cli import inspect_command

    if inspect_command.handles(args):
        _run_fast(args, inspect_command.main, leave_at_once=argv is None)
    _run_typer(args)


def _run_fast(
    args: list[str], run: Callable[[list[str]], int], *, leave_at_once: bool = False
) -> None:
    """``stagesmith lint|inspect ...`` without importing Typer or pydantic (start-up time):
    these commands parse their own arguments; errors follow the same conventions."""
    _guarded("--debug" in args, lambda: run(args), leave_at_once=leave_at_once)


def _leave_at_once(code: int) -> None:
    """End the process now, output flushed, without the interpreter's teardown (freeing
    every module and object one by one: about 10 ms, an eighth of ``stagesmith lint FILE``,
    that a command about to exit does not need). Returns if the flush fails, so the normal
    exit reports it."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def _guarded(debug: bool, call: Callable[[], object], *, leave_at_once: bool = False) -> None:
    """Run a command and exit: its int result is the exit code; our errors are one line on
    stderr with their exit code, anything else is an internal error (70), unless --debug.
    ``leave_at_once``: a finished run ends with :func:`_leave_at_once`."""
    try:
        rv = call()
    except StagesmithError as exc:
        if debug:  # the traceback is added; the exit code stays the error's
            import traceback

            traceback.print_exc()
        _fail(str(exc).replace("\n", " "), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug: keep it to one line unless asked
        if debug:
            import traceback

            traceback.print_exc()
        _fail(
            f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for a traceback)", 70
        )
    code = rv if isinstance(rv, int) else 0
    if leave_at_once:
        _leave_at_once(code)
    sys.exit(code)


def _run_typer(args: list[str]) -> None:
    try:  # Typer >= 0.20 vendors Click
        from typer._click import exceptions as cexc  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - older Typer
        from click import exceptions as cexc  # type: ignore[no-redef,unused-ignore]

    import typer
    import typer.main

    from stagesmith.cli.app import app, state

    # --debug is read before parsing so errors raised while parsing honour it too.
    state.debug = "--debug" in args
    _load_commands(args)
    cli = typer.main.get_command(app)

    def call() -> object:
        try:
            return cli.main(args=args, prog_name="stagesmith", standalone_mode=False)
        except typer.Exit as exc:
            sys.exit(exc.exit_code)
        except typer.Abort:
            _fail("aborted", 130)
        except cexc.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()
                sys.exit(2)
            if state.debug:
                import traceback

                traceback.print_exc()
            _fail(exc.format_message().replace("\n", " "), 2)
        except cexc.ClickException as exc:
            if state.debug:
                import traceback

                traceback.print_exc()
            _fail(exc.format_message().replace("\n", " "), 2)
        return None

    _guarded(state.debug, call)
