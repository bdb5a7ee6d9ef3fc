"""The benchmark suite: every figure is a ratio to a baseline timed in the same process.

    .venv/bin/python benchmarks/run.py [--quick] [--only NAME …]

Before timing anything it checks on ≥ 10,000 generated scenarios that policyrun and the
hand-written baseline (benchmarks/baseline.py) give identical outputs, and refuses to report
figures otherwise. Each ratio is the median of ≥ 7 interleaved rounds (baseline, subject,
baseline, subject, …), with min and max. Results go to benchmarks/results/results.json.
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller inputs (a smoke run, not for reporting)")
    ap.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), help="run only these")
    args = ap.parse_args()
    eq = equivalence(10000)
    print(f"equivalence: {eq['scenarios']} scenarios, {eq['mismatches']} mismatches")
    if eq["mismatches"]:
        print("refusing to report figures: policyrun and the baseline disagree, e.g.", eq["first"][0])
        return 1
    results = {"equivalence": eq, "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
               "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    for name in args.only or BENCHMARKS:
        results[name] = BENCHMARKS[name](args.quick)
        print(name, json.dumps(results[name], indent=1))
    out = HERE / "results" / ("quick.json" if args.quick else "results.json")
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
