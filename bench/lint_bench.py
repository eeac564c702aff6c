"""Lint speed: `stagesmith lint` (one process for the whole corpus) against hadolint.

Two figures for stagesmith: the whole CLI run as a subprocess (interpreter and command
start-up included) and the linting alone inside this process.

hadolint is measured as users run it: once per file (pre-commit, editor, CI loops), and once
with every file as arguments. The corpus is the parser's Dockerfile corpus plus the lint
fixtures, replicated to ``--files`` files in a temporary directory. Every measurement is taken
``--repeat`` times and the fastest counts: the machine is shared, so the two one-process runs
(stagesmith's, and hadolint's with all files as arguments) alternate, and the load average
before and after goes into the JSON. Prints and saves JSON.

The copies are identical files, so a linter that remembered results by content (a cache
across files or runs) would be measured doing less than it does on a real repository:
stagesmith keeps what it works out about a file (the shell reading of its RUN lines, its
stage graph) for that file only.

    python bench/lint_bench.py [--files 300] [--output bench/results/lint_bench.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peers import peer_binary  # noqa: E402

SOURCES = [ROOT / "tests" / "fixtures" / "dockerfiles", ROOT / "tests" / "lint" / "fixtures"]


def corpus() -> list[Path]:
    files: list[Path] = []
    for base in SOURCES:
        if base.is_dir():
            files += sorted(
                p
                for p in base.rglob("*")
                if p.is_file() and ("Dockerfile" in p.name or "Containerfile" in p.name)
            )
    return files


def replicate(files: list[Path], count: int, into: Path) -> list[Path]:
    out: list[Path] = []
    for i in range(count):
        src = files[i % len(files)]
        dest = into / f"{i:04d}" / "Dockerfile"
        dest.parent.mkdir(parents=True)
        shutil.copyfile(src, dest)
        out.append(dest)
    return out


#: Both linters run from the temporary directory (no project config of this repository).
CWD: Path | None = None


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=CWD
    )
    return time.perf_counter() - start, proc.returncode


def bytecode_env(cache: Path) -> dict[str, str]:
    """The environment for the stagesmith runs: a bytecode cache of their own (in the
    temporary directory, written by the warm-up run), as an installed package has one.
    Without it (``PYTHONDONTWRITEBYTECODE=1``, common in containers and CI images) every run
    recompiles every module and the figure measures the compiler, not the linter."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def lint_in_process(paths: list[Path]) -> float:
    """Read, parse, lint and render JSON inside this process: the linter without the CLI's
    interpreter and command start-up (what an editor integration or a long-lived process pays).
    """
    from stagesmith.lint.config import LintSettings
    from stagesmith.lint.formats import render
    from stagesmith.lint.runner import lint_paths

    start = time.perf_counter()
    render(lint_paths([str(p) for p in paths], LintSettings()), "json")
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument(
        "--repeat", type=int, default=3, help="runs of each measurement; the fastest counts"
    )
    ap.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "lint_bench.json")
    args = ap.parse_args()
    hadolint = peer_binary("hadolint")
    stagesmith = [sys.executable, "-m", "stagesmith"]
    files = corpus()
    if not files:
        print("no corpus found", file=sys.stderr)
        return 2
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="lint-bench-") as tmp:
        work = Path(tmp)
        global CWD
        CWD = work
        corpus_dir = work / "corpus"
        paths = replicate(files, args.files, corpus_dir)
        env = bytecode_env(work / "pycache")
        # warm the page cache and Python's bytecode cache once, outside the timings
        timed([*stagesmith, "lint", "-f", "json", str(paths[0])], env)
        # the two one-process runs alternate, so a burst of load on the shared machine
        # slows both rather than only whichever ran during it
        runs = []
        all_args_runs = []
        for _ in range(args.repeat):
            runs.append(timed([*stagesmith, "lint", "-f", "json", str(corpus_dir)], env))
            if hadolint is not None:
                all_args_runs.append(timed([hadolint, "--no-fail", *map(str, paths)])[0])
        ours, ours_rc = min(runs)
        # how one `stagesmith lint FILE` compares with one `hadolint FILE` (start-up included)
        one = paths[0]
        ours_one = min(
            timed([*stagesmith, "lint", "-f", "json", str(one)], env)[0]
            for _ in range(max(args.repeat, 5))
        )
        in_process = min(lint_in_process(paths) for _ in range(args.repeat))
        # the interpreter alone (site, .pth files): the floor of every stagesmith run
        bare = min(
            timed([sys.executable, "-c", "pass"], env)[0] for _ in range(max(args.repeat, 5))
        )
        result: dict[str, object] = {
            "benchmark": "lint",
            "files": len(paths),
            "distinct_files": len(files),
            "stagesmith_one_process_s": round(ours, 3),
            "stagesmith_exit": ours_rc,
            "repeat": args.repeat,
            "stagesmith_in_process_s": round(in_process, 3),
            "stagesmith_one_file_s": round(ours_one, 3),
            "python_bare_start_s": round(bare, 3),
        }
        if hadolint is None:
            result["hadolint"] = "not installed"
        else:
            version = subprocess.run([hadolint, "--version"], capture_output=True, text=True)
            per_file = min(
                sum(timed([hadolint, "--no-fail", str(p)])[0] for p in paths)
                for _ in range(args.repeat)
            )
            hadolint_one = min(
                timed([hadolint, "--no-fail", str(one)])[0] for _ in range(max(args.repeat, 5))
            )
            all_args = min(all_args_runs)
            result.update(
                {
                    "hadolint_version": version.stdout.strip(),
                    "hadolint_per_file_s": round(per_file, 3),
                    "hadolint_all_args_s": round(all_args, 3),
                    "hadolint_one_file_s": round(hadolint_one, 3),
                    "ratio_vs_hadolint_per_file": round(per_file / ours, 2),
                    "ratio_vs_hadolint_all_args": round(all_args / ours, 2),
                    "ratio_in_process_vs_hadolint_per_file": round(per_file / in_process, 2),
                    "ratio_in_process_vs_hadolint_all_args": round(all_args / in_process, 2),
                }
            )
    result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    text = json.dumps(result, indent=2)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
