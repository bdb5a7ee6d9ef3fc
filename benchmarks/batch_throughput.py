"""Batch throughput: `policyrun evaluate --batch` on generated rows, at 1 and 2 workers (and
optionally on a local Dask cluster), each run a whole process timed from the outside.

    .venv/bin/python benchmarks/batch_throughput.py [--rows 100000] [--dask] [--rounds 1]

Rows come from tests/generated_scenarios.py (national, Harbin, Nanning; seed 6; 2% invalid).
Prints, per setting, wall-clock rows/s (startup and policy compilation included) and the CPU
seconds the run used (its processes together), checks that every setting wrote the same bytes,
and prints the load average: on a shared machine, figures taken under load are not comparable.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from generated_scenarios import generate  # noqa: E402


def policyrun() -> list[str]:
    script = Path(sys.executable).with_name("policyrun")
    return [str(script)] if script.exists() else [sys.executable, "-m", "policyrun.cli"]


def timed(args: list[str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child processes, stderr) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{r.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, r.stderr.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--dask", action="store_true", help="also time --dask --workers 2")
    opts = parser.parse_args()
    settings = [("1 worker", []), ("2 workers", ["--workers", "2"])]
    if opts.dask:
        settings.append(("dask, 2 workers", ["--dask", "--workers", "2"]))
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "rows.jsonl"
        with source.open("w", encoding="utf-8") as f:
            for s in generate(opts.rows):
                f.write(json.dumps(s, ensure_ascii=False) + "\n")
        outputs = {}
        print(f"{opts.rows:,} rows; load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for round_ in range(opts.rounds):
            for name, extra in settings:
                out = Path(tmp) / f"out-{len(outputs)}.jsonl"
                wall, cpu, summary = timed(policyrun() + ["evaluate", "--batch", str(source), "-o", str(out)] + extra)
                outputs[out] = out.read_bytes()
                print(f"{name:>16}: {opts.rows / wall:7.0f} rows/s wall ({wall:6.1f} s), "
                      f"{cpu:6.1f} CPU s; load {os.getloadavg()[0]:.1f} | {summary}")
        same = len(set(outputs.values())) == 1
        print("outputs identical:", same)
        if not same:
            sys.exit(1)


if __name__ == "__main__":
    main()
