"""`stagesmith parse`: show how a Dockerfile reads, as BuildKit's dump or as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from stagesmith.cli.app import app, write_stdout
from stagesmith.dockerfile import dump, parse, to_dict
from stagesmith.dockerfile.parser import read_text
from stagesmith.errors import UsageError


@app.command("parse")
def parse_command(
    file: str = typer.Argument(..., help="The Dockerfile to read; '-' reads standard input."),
    as_dump: bool = typer.Option(
        False, "--dump", help="BuildKit's parse-tree dump, one line per instruction (default)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Instructions and stage graph as JSON."),
) -> None:
    """Parse a Dockerfile the way BuildKit does and print the result."""
    if as_dump and as_json:
        raise UsageError("--dump and --json cannot be used together")
    if file == "-":
        text = sys.stdin.buffer.read().decode("utf-8", errors="surrogateescape")
        df = parse(text, path="-")
    else:
        path = Path(file)
        if not path.is_file():
            raise UsageError(f"{file}: no such file")
        df = parse(read_text(path), path=file)
    if as_json:
        text = json.dumps(to_dict(df), indent=2, ensure_ascii=False) + "\n"
        # bytes that were not UTF-8 become \udcXX escapes: still valid JSON, and reversible
        sys.stdout.buffer.write(text.encode("utf-8", errors="backslashreplace"))
        sys.stdout.flush()
    else:
        write_stdout(dump(df))  # the dump already shows such bytes as \xNN
