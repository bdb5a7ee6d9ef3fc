"""The benchmark suite: every figure is a ratio to a baseline timed in the same process.

    .venv/bin/python benchmarks/run.py [--quick] [--only NAME …] [--all]

Before timing anything it checks on ≥ 10,000 generated scenarios that policyrun and the
hand-written baseline (benchmarks/baseline.py) give identical outputs, and refuses to report
figures otherwise. Each ratio is the median of ≥ 7 interleaved rounds (baseline, subject,
baseline, subject, …), with min and max. Results go to benchmarks/results/results.json.

The batch benchmarks (batch_bench.py: `batch`, `scaling`, `memory`, `plot`) time whole commands
on a JSONL file; `memory` (a 1,000,000-row batch) runs only when named or with --all.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import baseline  # noqa: E402
import scenarios as gen  # noqa: E402

ROUNDS = 7


def ratio_rounds(baseline_fn, subject_fn, rounds=ROUNDS):
    """Interleaved rounds; returns per-round subject/baseline time ratios and the raw times."""
    ratios, base_times, subj_times = [], [], []
    for _ in range(rounds):
        b = _timed(baseline_fn)
        s = _timed(subject_fn)
        base_times.append(b)
        subj_times.append(s)
        ratios.append(s / b)
    return {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios),
            "baseline_s": statistics.median(base_times), "subject_s": statistics.median(subj_times),
            "rounds": rounds}


def _timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def equivalence(n):
    import policyrun
    policies = policyrun.load()
    bad = []
    for s in gen.scenarios(n):
        s = {k: v for k, v in s.items() if k != "id"}
        if baseline.decide(s) != baseline.project(policies.evaluate(s)):
            bad.append(s)
    return {"scenarios": n, "mismatches": len(bad), "first": bad[:3]}


def single(n):
    """One scenario through the Python API, policies loaded once."""
    import policyrun
    policies = policyrun.load()
    docs = [{k: v for k, v in s.items() if k != "id"} for s in gen.scenarios(n)]
    policies.evaluate(docs[0])

    def base():
        for d in docs:
            baseline.decide(d)

    def off():
        for d in docs:
            policies.evaluate(d)

    def on():
        for d in docs:
            policies.evaluate(d, explain=True)

    result = {"vs_baseline": ratio_rounds(base, off), "tracing_on_vs_off": ratio_rounds(off, on)}
    result["per_evaluation_us"] = result["vs_baseline"]["subject_s"] / n * 1e6
    result["baseline_per_evaluation_us"] = result["vs_baseline"]["baseline_s"] / n * 1e6
    return result


def parse_check():
    """Parse + check of a ~200-line policy against a raw Lark LALR parse of the same file."""
    import lark
    from policyrun.check import check
    from policyrun.dsl import parse as parse_mod
    from policyrun.dsl.diagnostics import Source
    from policyrun.load import PolicyLoader
    from policyrun.scenario import FIELD_TYPES

    loader = PolicyLoader()
    path = loader.directory / "national.policy"
    text = path.read_text(encoding="utf-8")
    grammar = (Path(parse_mod.__file__).parent / "grammar.lark").read_text(encoding="utf-8")
    raw = lark.Lark(grammar, parser="lalr", start=["module", "decls"], propagate_positions=True,
                    maybe_placeholders=True)

    def base():
        for _ in range(20):
            raw.parse(text, start="module")

    def ours():
        for _ in range(20):
            module = parse_mod.parse(Source(str(path), text))
            check([(module, Source(str(path), text))], FIELD_TYPES)

    out = ratio_rounds(base, ours)
    out["lines"] = text.count("\n")
    return out


def cold_start():
    """`policyrun evaluate example.json` as a fresh process against `python -c pass`."""
    exe = Path(sys.executable)
    script = exe.with_name("policyrun")
    example = ROOT / "examples" / "nanning-outside-concentrated.json"
    run = lambda args: subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    run([str(script), "evaluate", str(example)])   # warm the file cache and the grammar cache
    return ratio_rounds(lambda: run([str(exe), "-c", "pass"]),
                        lambda: run([str(script), "evaluate", str(example)]), rounds=11)


BENCHMARKS = {"single": lambda q: single(300 if q else 2000), "parse_check": lambda q: parse_check(),
              "cold_start": lambda q: cold_start()}

# The batch benchmarks (batch_bench.py): whole commands timed from the outside, JSONL to JSONL.
# `batch` holds the two targets, `scaling` feeds the plot and the Dask figure, `memory`
# (long: a 1,000,000-row file) runs only when named or with --all, `plot` draws the PNG from
# the `scaling` results (the ones just measured, else those in the results file).
import batch_bench  # noqa: E402

RESULTS: dict = {}     # this run's results merged over the results file's, for `plot`
OPTS = argparse.Namespace(rows=None, scaling_rows=None, memory_rows=None, rounds=None)
LONG = {"memory"}      # not in a run without --only or --all


def _rounds(quick):
    return OPTS.rounds or (3 if quick else ROUNDS)


BENCHMARKS.update({
    "batch": lambda q: batch_bench.batch(OPTS.rows or (3000 if q else 40000), _rounds(q)),
    "scaling": lambda q: batch_bench.scaling(OPTS.scaling_rows or (3000 if q else 20000), _rounds(q)),
    "memory": lambda q: batch_bench.memory(OPTS.memory_rows or (50000 if q else 1_000_000)),
    "plot": lambda q: batch_bench.plot(RESULTS,
                                       batch_bench.PLOT.with_name("quick.png") if q else batch_bench.PLOT),
})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller inputs (a smoke run, not for reporting)")
    ap.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), help="run only these")
    ap.add_argument("--all", action="store_true", help="also the long ones: " + ", ".join(sorted(LONG)))
    ap.add_argument("--rows", type=int, help="rows for `batch` (default 40,000)")
    ap.add_argument("--scaling-rows", type=int, help="rows for `scaling` (default 20,000)")
    ap.add_argument("--memory-rows", type=int, help="rows for `memory` (default 1,000,000)")
    ap.add_argument("--rounds", type=int, help=f"rounds for `batch` and `scaling` (default {ROUNDS})")
    args = ap.parse_args(namespace=OPTS)
    eq = equivalence(10000)
    print(f"equivalence: {eq['scenarios']} scenarios, {eq['mismatches']} mismatches")
    if eq["mismatches"]:
        print("refusing to report figures: policyrun and the baseline disagree, e.g.", eq["first"][0])
        return 1
    results = {"equivalence": eq, "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
               "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    out = HERE / "results" / ("quick.json" if args.quick else "results.json")
    # the figures of benchmarks not run this time are kept from the file
    RESULTS.update(json.loads(out.read_text(encoding="utf-8")) if out.exists() else {})
    RESULTS.update(results)
    names = args.only or [n for n in BENCHMARKS if args.all or n not in LONG]
    for name in names:
        RESULTS[name] = BENCHMARKS[name](args.quick)
        RESULTS[name]["when"] = time.strftime("%Y-%m-%d %H:%M:%S")
        print(name, json.dumps(RESULTS[name], indent=1))
        out.write_text(json.dumps(RESULTS, indent=2) + "\n", encoding="utf-8")
    if "scaling" in names and "plot" not in names:
        batch_bench.plot(RESULTS, batch_bench.PLOT.with_name("quick.png") if args.quick else batch_bench.PLOT)
    out.write_text(json.dumps(RESULTS, indent=2) + "\n", encoding="utf-8")
    if set(names) & {"batch", "scaling", "memory"}:
        print("\nbatch figures for benchmarks/README.md:\n" + batch_bench.markdown(RESULTS))
    print(f"written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
