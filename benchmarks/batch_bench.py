"""The batch benchmarks of the suite (run.py's `batch`, `scaling`, `memory` and `plot`).

Every run is a whole command timed from the outside, on the same JSONL file of Nanning rows
from scenarios.py (the hand-written baseline's domain):

- the reference: `python benchmarks/handwritten_batch.py IN OUT` — read JSONL, baseline.decide,
  write JSONL, in one process;
- the subject: `policyrun evaluate --batch IN -o OUT [--workers N] [--dask]`.

Settings are interleaved within each round (reference, subject 1, subject 2, …, then again), so
every ratio compares runs made seconds apart under the same load; each figure is the median of
the per-round ratios, with min and max. The load average is printed and kept with each round.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
PLOT = RESULTS / "batch_scaling.png"
BENCH_HINT = ("the plot needs matplotlib: .venv/bin/pip install -e '.[bench]' "
              "(or pip install 'policyrun[bench]')")

sys.path.insert(0, str(HERE))

import baseline  # noqa: E402
import scenarios as gen  # noqa: E402


# --- inputs and commands -------------------------------------------------------------------

def write_rows(path: Path, n: int) -> Path:
    """n generated Nanning rows (with their `id`) as JSONL."""
    with open(path, "w", encoding="utf-8") as f:
        for s in gen.scenarios(n):
            f.write(json.dumps(s, ensure_ascii=False) + "\n")
    return path


def policyrun_command() -> list[str]:
    script = Path(sys.executable).with_name("policyrun")
    return [str(script)] if script.exists() else [sys.executable, "-c",
                                                  "from policyrun.cli import main; main()"]


def handwritten(source: Path, out: Path) -> list[str]:
    return [sys.executable, str(HERE / "handwritten_batch.py"), str(source), str(out)]


def policyrun_batch(source: Path, out: Path, workers: int = 1, dask: bool = False) -> list[str]:
    args = policyrun_command() + ["evaluate", "--batch", str(source), "-o", str(out),
                                  "--workers", str(workers)]
    return args + ["--dask"] if dask else args


SUMMARY = re.compile(r"^(\d+) rows: .*; [\d.]+ s, (\d+) rows/s", re.M)


def run(args: list[str]) -> float | None:
    """Run a command; for policyrun, return the seconds its own summary line reports (rows /
    rows per second): the batch itself, without interpreter start-up, policy loading and, for
    --dask, starting and stopping the LocalCluster."""
    r = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed (exit {r.returncode}):\n{r.stderr}")
    match = SUMMARY.search(r.stderr)
    return int(match[1]) / int(match[2]) if match and int(match[2]) else None


def load() -> float:
    return round(os.getloadavg()[0], 2)


# --- interleaved rounds ----------------------------------------------------------------------

def interleaved(settings: dict, rounds: int) -> dict:
    """Run each setting's command once per round, in order, for `rounds` rounds (the multi-way
    form of run.ratio_rounds: one round gives every pair of settings a ratio from runs made
    seconds apart). Returns {"times": {name: [s, …]}, "load": [load average after each round]}."""
    times = {name: [] for name in settings}
    cpu = {name: [] for name in settings}   # CPU seconds of the command's processes together
    inner = {name: [] for name in settings}  # the batch alone, from policyrun's summary line
    loads = []
    for i in range(rounds):
        line = []
        for name, args in settings.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            batch_s = run(args)
            times[name].append(time.perf_counter() - started)
            inner[name].append(batch_s if batch_s is not None else times[name][-1])
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            line.append(f"{name} {times[name][-1]:.2f} s")
        loads.append(load())
        print(f"  round {i + 1}/{rounds}: " + ", ".join(line) + f"; load {loads[-1]}", flush=True)
    return {"times": times, "cpu": cpu, "inner": inner, "load": loads}


def speedup(rounds: dict, base: str, subject: str, times: str = "times") -> dict:
    """Throughput of `subject` as a multiple of `base`'s, per round (base time / subject time):
    median, min, max, as run.ratio_rounds reports time ratios. `times="inner"`: the batch alone,
    as policyrun's summary line times it (start-up excluded)."""
    t = rounds[times]
    ratios = [b / s for b, s in zip(t[base], t[subject])]
    return {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios),
            "baseline_s": statistics.median(t[base]), "subject_s": statistics.median(t[subject]),
            "rounds": len(ratios)}


def rates(rounds: dict, rows: int) -> dict:
    """Rows per second of each setting: median, min, max over the rounds; and the CPU time
    per 1,000 rows of all its processes together (median), which other load on the machine
    inflates far less than wall-clock time: it shows what a pool costs in parent-side work."""
    out = {}
    for name, times in rounds["times"].items():
        r = [rows / t for t in times]
        out[name] = {"median": statistics.median(r), "min": min(r), "max": max(r),
                     "cpu_s_per_1000_rows": statistics.median(rounds["cpu"][name]) / rows * 1000,
                     "inner_median": rows / statistics.median(rounds["inner"][name])}
    return out


# --- checks before timing --------------------------------------------------------------------

def check_outputs(reference: Path, outputs: dict) -> None:
    """Every policyrun output wrote the same bytes, and agrees row by row with the hand-written
    loop on the fields the baseline computes."""
    first_name, first = next(iter(outputs.items()))
    data = first.read_bytes()
    for name, path in outputs.items():
        if path.read_bytes() != data:
            raise SystemExit(f"batch outputs differ: {first_name} and {name}")
    with open(reference, encoding="utf-8") as ref, open(first, encoding="utf-8") as ours:
        n = 0
        for a, b in zip(ref, ours, strict=True):
            expected, record = json.loads(a), json.loads(b)
            if record["id"] != expected.pop("id") or baseline.project(record) != expected:
                raise SystemExit(f"row {n + 1}: policyrun and the hand-written loop disagree:\n"
                                 f"{expected}\n{record}")
            n += 1
    print(f"  outputs checked: {n} rows, policyrun agrees with the hand-written loop; "
          f"{len(outputs)} policyrun settings wrote identical files")


def _prepare(tmp: Path, rows: int, settings: dict) -> dict:
    """Write the input, run every setting once (warms the file cache and the checked-policy
    cache), check the outputs; return the commands to time."""
    source = write_rows(tmp / "rows.jsonl", rows)
    commands = {}
    for name, make in settings.items():
        commands[name] = make(source, tmp / f"{name}.jsonl")
        run(commands[name])
    check_outputs(tmp / "handwritten.jsonl", {n: tmp / f"{n}.jsonl" for n in settings
                                              if n != "handwritten"})
    return commands


def _fixed_cost(tmp: Path) -> float:
    """Seconds for a one-row batch: start-up, policy loading and compiling, writing."""
    one = write_rows(tmp / "one.jsonl", 1)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        run(policyrun_batch(one, tmp / "one-out.jsonl"))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# --- the benchmarks --------------------------------------------------------------------------

def batch(rows: int, rounds: int) -> dict:
    """The issue's targets: one worker against the hand-written loop (≥ 0.25×), two workers
    against one (≥ 1.6×)."""
    settings = {"handwritten": handwritten, "workers_1": policyrun_batch,
                "workers_2": lambda s, o: policyrun_batch(s, o, workers=2)}
    before = load()
    print(f"batch: {rows:,} rows, {rounds} rounds; load {before} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        commands = _prepare(tmp, rows, settings)
        fixed = _fixed_cost(tmp)
        measured = interleaved(commands, rounds)
    out = {"rows": rows, "load_before": before, "load": measured["load"],
           "one_worker_vs_handwritten": speedup(measured, "handwritten", "workers_1"),
           "two_workers_vs_one": speedup(measured, "workers_1", "workers_2"),
           "rows_per_s": rates(measured, rows), "times_s": measured["times"],
           "cpu_s": measured["cpu"], "inner_s": measured["inner"], "fixed_cost_s": fixed,
           "two_workers_vs_one_inner": speedup(measured, "workers_1", "workers_2", "inner"), "targets": {"one_worker_vs_handwritten": 0.25, "two_workers_vs_one": 1.6}}
    out["met"] = {k: out[k]["median"] >= v for k, v in out["targets"].items()}
    for k, target in out["targets"].items():
        f = out[k]
        print(f"  {k}: {f['median']:.2f}× (min {f['min']:.2f}, max {f['max']:.2f}; target ≥ {target}×: "
              f"{'met' if out['met'][k] else 'NOT met'})")
    for name, f in out["rows_per_s"].items():
        print(f"  {name}: {f['median']:,.0f} rows/s, {f['cpu_s_per_1000_rows']:.2f} CPU s per 1,000 rows")
    print(f"  one-row batch (start-up, compile, write): {fixed:.2f} s; load during rounds "
          f"{min(measured['load'])}–{max(measured['load'])}")
    return out


def scaling(rows: int, rounds: int, workers=(1, 2, 3, 4), dask_workers=(1, 2)) -> dict:
    """Throughput against worker count: the process pool at each of `workers`, a Dask
    LocalCluster at each of `dask_workers` (start-up included), and the hand-written loop."""
    settings = {"handwritten": handwritten}
    for n in workers:
        settings[f"workers_{n}"] = lambda s, o, n=n: policyrun_batch(s, o, workers=n)
    if dask_workers and importlib.util.find_spec("distributed") is None:
        print("  Dask is not installed: no Dask points (.venv/bin/pip install -e '.[bench]')")
        dask_workers = ()
    for n in dask_workers:
        settings[f"dask_{n}"] = lambda s, o, n=n: policyrun_batch(s, o, workers=n, dask=True)
    print(f"scaling: {rows:,} rows, {rounds} rounds, settings {', '.join(settings)}; "
          f"load {load()} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        commands = _prepare(Path(tmp), rows, settings)
        measured = interleaved(commands, rounds)
    out = {"rows": rows, "load": measured["load"], "rows_per_s": rates(measured, rows),
           "times_s": measured["times"], "cpu_s": measured["cpu"], "inner_s": measured["inner"], "workers": list(workers), "dask_workers": list(dask_workers),
           "vs_one_worker": {name: speedup(measured, "workers_1", name) for name in settings
                             if name.startswith("workers_") and name != "workers_1"},
           "vs_handwritten": {name: speedup(measured, "handwritten", name) for name in settings
                              if name != "handwritten"}}
    out["inner_vs_one_worker"] = {name: speedup(measured, "workers_1", name, "inner")
                                  for name in out["vs_one_worker"]}
    if len(dask_workers) > 1:
        one = f"dask_{dask_workers[0]}"
        out["dask_vs_dask_1"] = {f"dask_{n}": speedup(measured, one, f"dask_{n}")
                                 for n in dask_workers[1:]}
        # without the LocalCluster's start and stop (a few seconds, whatever the rows)
        out["dask_inner_vs_dask_1"] = {f"dask_{n}": speedup(measured, one, f"dask_{n}", "inner")
                                       for n in dask_workers[1:]}
    for name, f in out["rows_per_s"].items():
        vs = out["vs_one_worker"].get(name) or out.get("dask_vs_dask_1", {}).get(name)
        inner = out["inner_vs_one_worker"].get(name) or out.get("dask_inner_vs_dask_1", {}).get(name)
        extra = (f"; {vs['median']:.2f}× (min {vs['min']:.2f}, max {vs['max']:.2f}) of "
                 + ("1 worker" if name.startswith("workers") else "dask_1")
                 + f", start-up excluded {inner['median']:.2f}×") if vs else ""
        print(f"  {name}: {f['median']:,.0f} rows/s (min {f['min']:,.0f}, max {f['max']:,.0f}), "
              f"{f['cpu_s_per_1000_rows']:.2f} CPU s per 1,000 rows{extra}")
    return out


# --- memory ----------------------------------------------------------------------------------

def _tree(root: int) -> list[int]:
    """root and all its descendants, from /proc."""
    children: dict = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def _status_kb(pid: int, field: bytes) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def measure_memory(args: list[str], interval: float = 0.05, pss_every: int = 20) -> dict:
    """Run `args`; every `interval` seconds sum VmRSS over its process tree (and every
    `pss_every` polls the proportional set size, PSS, which counts a page shared by several
    processes once). ru_maxrss (from wait4) is kept in the results but not reported: Linux starts
    a forked child's high-water mark at the forking process's, so it shows this driver's own size
    (over 100 MB after generating a large input), not the command's."""
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = {"rss_kb": 0, "pss_kb": 0, "processes": 0}
    samples = []   # (seconds, summed RSS in MB), at most one every 2 s
    done = threading.Event()
    started = time.perf_counter()

    def poll():
        polls = 0
        while not done.is_set():
            pids = _tree(proc.pid)
            rss = sum(_status_kb(p, b"VmRSS:") for p in pids)
            peak["rss_kb"] = max(peak["rss_kb"], rss)
            peak["processes"] = max(peak["processes"], len(pids))
            if polls % pss_every == 0:
                peak["pss_kb"] = max(peak["pss_kb"], sum(_pss_kb(p) for p in pids))
            now = time.perf_counter() - started
            if not samples or now - samples[-1][0] >= 2:
                samples.append((round(now, 1), round(rss / 1024, 1)))
            polls += 1
            done.wait(interval)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    stderr = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    done.set()
    poller.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed (exit {proc.returncode}):\n{stderr}")
    return {"seconds": seconds, "peak_tree_rss_mb": peak["rss_kb"] / 1024,
            "peak_tree_pss_mb": peak["pss_kb"] / 1024, "ru_maxrss_mb": usage.ru_maxrss / 1024,
            "processes": peak["processes"], "rss_mb_over_time": samples,
            "summary": stderr.strip().splitlines()[-1] if stderr.strip() else ""}


def memory(rows: int, workers=(1, 2)) -> dict:
    """Peak memory of `policyrun evaluate --batch` on `rows` rows of JSONL (target ≤ 300 MB)."""
    print(f"memory: {rows:,} rows, workers {list(workers)}; load {load()}", flush=True)
    out = {"rows": rows, "target_mb": 300}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        source = write_rows(tmp / "rows.jsonl", rows)
        out["input_mb"] = source.stat().st_size / 2**20
        print(f"  input written: {out['input_mb']:.0f} MB in {time.perf_counter() - started:.0f} s", flush=True)
        for n in workers:
            target = tmp / "out.jsonl"
            m = measure_memory(policyrun_batch(source, target, workers=n))
            m["output_mb"] = target.stat().st_size / 2**20
            m["load_after"] = load()
            m["met"] = m["peak_tree_rss_mb"] <= out["target_mb"]
            target.unlink()
            out[f"workers_{n}"] = m
            print(f"  {n} worker{'s' if n > 1 else ''}: peak RSS of the process tree "
                  f"{m['peak_tree_rss_mb']:.0f} MB (PSS {m['peak_tree_pss_mb']:.0f} MB, "
                  f"{m['processes']} process{'es' if m['processes'] != 1 else ''}), ru_maxrss {m['ru_maxrss_mb']:.0f} MB; "
                  f"{m['seconds']:.0f} s; load {m['load_after']} | {m['summary']}", flush=True)
    return out


# --- the plot --------------------------------------------------------------------------------

def plot(results: dict, path: Path = PLOT) -> dict:
    """Batch throughput against worker count, from the `scaling` results (PNG)."""
    try:
        import matplotlib
    except ImportError:
        print(BENCH_HINT)
        return {"skipped": BENCH_HINT}
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = results.get("scaling")
    if not s:
        return {"skipped": "no scaling results: run `benchmarks/run.py --only scaling plot`"}
    r = s["rows_per_s"]

    def series(prefix, counts):
        counts = [n for n in counts if f"{prefix}_{n}" in r]
        med = [r[f"{prefix}_{n}"]["median"] for n in counts]
        err = [[m - r[f"{prefix}_{n}"]["min"] for n, m in zip(counts, med)],
               [r[f"{prefix}_{n}"]["max"] - m for n, m in zip(counts, med)]]
        return counts, med, err

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    counts, med, err = series("workers", s["workers"])
    ax.errorbar(counts, med, yerr=err, marker="o", capsize=4,
                label="policyrun evaluate --batch --workers N")
    cores = os.cpu_count() or 1
    ax.plot(counts, [med[0] * min(n, cores) for n in counts], ":", color="grey",
            label=f"ideal: 1 worker × N, up to {cores} cores")
    if s.get("dask_workers"):
        dc, dm, de = series("dask", s["dask_workers"])
        ax.errorbar(dc, dm, yerr=de, marker="s", capsize=4, color="tab:orange",
                    label="… --dask --workers N (LocalCluster, start-up included)")
        if all("inner_median" in r[f"dask_{n}"] for n in dc):
            ax.plot(dc, [r[f"dask_{n}"]["inner_median"] for n in dc], "s--", mfc="none",
                    color="tab:orange", label="… the same, cluster start and stop excluded")
    hand = r["handwritten"]["median"]
    ax.axhline(hand, linestyle="--", color="black", label=f"hand-written loop, 1 process ({hand:,.0f} rows/s)")
    ax.axhline(hand * 0.25, linestyle="-.", color="red", linewidth=0.8,
               label="target for 1 worker: 0.25× the hand-written loop")
    ax.set_xlabel(f"worker processes (machine: {os.cpu_count()} cores)")
    ax.set_ylabel("rows per second (whole command)")
    ax.set_xticks(sorted(set(s["workers"]) | set(s.get("dask_workers", []))))
    ax.set_ylim(bottom=0)
    loads = s["load"]
    ax.set_title(f"Batch throughput, {s['rows']:,} Nanning rows JSONL→JSONL\n"
                 f"median of {len(loads)} interleaved rounds (bars: min–max); "
                 f"load average {min(loads):.1f}–{max(loads):.1f}", fontsize=10)
    handles, labels = ax.get_legend_handles_labels()
    first = ("policyrun", "… --dask", "… the same", "hand-written", "target", "ideal")
    order = sorted(range(len(labels)), key=lambda i: next(
        (k for k, p in enumerate(first) if labels[i].startswith(p)), len(first)))
    ax.legend([handles[i] for i in order], [labels[i] for i in order], fontsize=8, loc="center right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    print(f"  plot written: {path.relative_to(ROOT)}")
    return {"png": str(path.relative_to(ROOT))}


# --- the README table ------------------------------------------------------------------------

def markdown(results: dict) -> str:
    """The batch rows of benchmarks/README.md's table, from the results (printed by run.py at
    the end of a run that measured any of them, to paste over the old rows)."""
    rows = []

    def fig(f, unit="×"):
        return f"**{f['median']:.2f}{unit}** | {f['min']:.2f}–{f['max']:.2f}{unit}"

    def loads(values):
        return f"{min(values):.1f}–{max(values):.1f}"

    b = results.get("batch")
    if b and "one_worker_vs_handwritten" in b:
        r = b["rows_per_s"]
        rows.append(f"| batch JSONL→JSONL, 1 worker, throughput vs the hand-written loop ({b['rows']:,} rows; "
                    f"{r['workers_1']['median']:,.0f} vs {r['handwritten']['median']:,.0f} rows/s) | ≥ 0.25× | "
                    f"{fig(b['one_worker_vs_handwritten'])} | {loads(b['load'])} |")
        rows.append(f"| batch, `--workers 2` vs 1 worker | ≥ 1.6× | {fig(b['two_workers_vs_one'])} | "
                    f"{loads(b['load'])} |")
    s = results.get("scaling")
    if s and "rows_per_s" in s:
        for name, f in s.get("dask_vs_dask_1", {}).items():
            rows.append(f"| batch, `--dask --workers {name.split('_')[1]}` vs `--dask --workers 1` "
                        f"(LocalCluster, {s['rows']:,} rows, start-up included) | — | {fig(f)} | "
                        f"{loads(s['load'])} |")
            inner = s.get("dask_inner_vs_dask_1", {}).get(name)
            if inner:
                rows.append(f"| the same, the LocalCluster's start and stop excluded | — | {fig(inner)} | "
                            f"{loads(s['load'])} |")
        for name, f in s.get("vs_one_worker", {}).items():
            if name != "workers_2":
                rows.append(f"| batch, `--workers {name.split('_')[1]}` vs 1 worker ({s['rows']:,} rows) | — | "
                            f"{fig(f)} | {loads(s['load'])} |")
    m = results.get("memory")
    if m and "rows" in m:
        for key in sorted(k for k in m if k.startswith("workers_")):
            w = m[key]
            n = key.split("_")[1]
            rows.append(f"| peak RSS, {m['rows']:,}-row JSONL batch, {n} worker{'s' if n != '1' else ''} "
                        f"(summed over {w['processes']} process{'es' if w['processes'] != 1 else ''}; "
                        f"PSS {w['peak_tree_pss_mb']:.0f} MB) | ≤ 300 MB | **{w['peak_tree_rss_mb']:.0f} MB** | "
                        f"(one run, {w['seconds']:.0f} s) | {w['load_after']:.1f} |")
    if not rows:
        return ""
    return "\n".join(["| figure | target | median | min–max | load average |", "|---|---|---|---|---|", *rows])
