"""Run the `example` blocks of policy files (`policyrun test`).

An example is a scenario (`given`, scenario contract paths) and the decision fields expected of
it (`expect`, decision paths). It runs with the policy its file declares; `jurisdiction` defaults
to that policy's name. Expected values compare with the decision's JSON after normalising:

- a number or decimal string equals an amount string when they are equal as decimals (`780`
  matches `"780"`, `38.454` matches `"38.454"`); a date equals its ISO string; a list equals a
  list item by item; `[]` also matches an empty object (`readings: []`);
- `reasons[0].rule`, `alternatives[0].coverage.start`, `amount_due.by_year.2024`: ordinary paths;
- on a list of objects, `.KEY` (or the plural `.KEYs`) is the list of each object's KEY:
  `reasons.rules: [ID, …]` is the list of the reasons' rule IDs, `undetermined.fields` the
  fields left undetermined;
- `.includes` after a list is a subset test: `decided_by.includes: [ID]` holds when ID is among
  the decision's rules, whatever else is there; `decided_by: [...]` is the exact list.
"""
from __future__ import annotations

import time
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import attrs

from .load import bundled_directory

MISSING = object()   # an expected path the decision does not have


@attrs.frozen
class Mismatch:
    path: str
    expected: object
    actual: object
    line: int | None = None   # of the `expect` line, where an editor should jump


@attrs.frozen
class ExampleResult:
    file: str
    line: int
    policy: str
    name: str
    rules: tuple                  # the rule IDs the example says it is about
    mismatches: tuple = ()
    error: str | None = None      # the scenario was invalid or the policy failed on it
    decision: dict | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.error is None and not self.mismatches


@attrs.frozen
class FileRun:
    """The examples of one policy file, and what a coverage report needs to know of it."""
    file: str
    policy: str
    module: object               # the file's ast.Module
    source: object
    results: tuple
    collector: object = None     # a coverage.Collector when run with coverage


# ---- finding and running files --------------------------------------------------------------

def policy_files(paths) -> list:
    """Policy files named, and the `.policy` files of each directory named (not recursive)."""
    found = []
    for p in map(Path, paths):
        found.extend(sorted(p.glob("*.policy")) if p.is_dir() else [p])
    return list(dict.fromkeys(found))


def run_file(path, policy_dir=None, coverage: bool = False) -> FileRun:
    """Check and compile one file (with the policies it extends) and run its examples.
    Raises PolicyError if the file or a policy it extends is invalid."""
    from .check import check
    from .checkfiles import file_chain
    from .compile import compile_policy
    from .coverage import Collector
    from .scenario import FIELD_TYPES

    path = Path(path)
    chain = file_chain(path, policy_dir)
    module, source = chain[-1]
    checked = check(chain, FIELD_TYPES)
    collector = Collector() if coverage else None
    policy = compile_policy(checked, coverage=collector)
    results = tuple(run_example(policy, decl, src) for decl, src in checked.examples)
    return FileRun(source.path, checked.name, module, source, results, collector)


def run_example(policy, decl, source) -> ExampleResult:
    from .evaluate import evaluate
    from .scenario import ScenarioError, parse_scenario
    from .values import EvaluationError

    line = source.position(decl.span.start)[0] if decl.span else 0
    result = ExampleResult(source.path, line, policy.name, decl.name, tuple(decl.rules))
    began = time.perf_counter()
    try:
        data = scenario_data(decl.given, policy.name)
        if data.get("jurisdiction") != policy.name:
            raise ScenarioError("jurisdiction", f"the examples of this file run with policy `{policy.name}`")
        scenario = parse_scenario(data)
        _check_choices(policy.checked, scenario)
        decision = evaluate(policy, scenario)
    except ScenarioError as err:
        return attrs.evolve(result, error=f"given {err}", seconds=time.perf_counter() - began)
    except EvaluationError as err:
        where = err.source.path + ":" + str(err.source.position(err.span.start)[0]) if err.source and err.span else ""
        return attrs.evolve(result, error=f"the policy failed: [{err.code}] {err.message}"
                            + (f" ({where})" if where else ""), seconds=time.perf_counter() - began)
    mismatches = [attrs.evolve(m, line=source.position(span.start)[0]) if span else m
                  for m, span in compare(decl.expect, decision, with_spans=True)]
    return attrs.evolve(result, mismatches=tuple(mismatches), decision=decision,
                        seconds=time.perf_counter() - began)


def _check_choices(checked, scenario):
    """Readings and parameters must name what the policy declares (as the API requires)."""
    from .scenario import ScenarioError
    for amb_id, option in scenario.readings.items():
        amb = checked.ambiguities.get(amb_id)
        if amb is None or option not in [o.name for o in amb.options]:
            raise ScenarioError(f"readings.{amb_id}", f"`{option}` is not an option the policy declares")
    for name in scenario.parameters:
        b = checked.bindings.get(name)
        if b is None or b.kind != "param" or b.decl.keys:
            raise ScenarioError(f"parameters.{name}", "not a scalar parameter of the policy")


# ---- given: DataFields -> scenario data ------------------------------------------------------

def scenario_data(given, jurisdiction: str) -> dict:
    """The scenario as the contract's JSON data, built from the `given` paths."""
    root: dict = {"jurisdiction": jurisdiction}
    for field in given:
        _put(root, field.path, _as_json(field.value))
    return root


def _put(root, parts, value):
    """Set `value` at `parts`; a number part indexes a list (`history.employee_months[0].from`)."""
    node = root
    for part, after in zip(parts, parts[1:]):
        empty = [] if isinstance(after, int) else {}
        if isinstance(part, int):
            while len(node) <= part:
                node.append(None)
            if node[part] is None:
                node[part] = empty
            node = node[part]
        else:
            node = node.setdefault(part, empty)
    last = parts[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value


def _as_json(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_as_json(v) for v in value]
    return value   # int, Decimal (the contract reads money as an exact decimal), str, bool, None


# ---- expect: compare with the decision -------------------------------------------------------

def show_path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + part
    return out


def compare(expect, decision, with_spans: bool = False) -> list:
    """The expected fields the decision does not have: [Mismatch], or [(Mismatch, the field's span)]."""
    mismatches = []
    for field in expect:
        parts, want = field.path, field.value
        if parts[-1] == "includes":
            have = lookup(decision, parts[:-1])
            ok = isinstance(have, list) and isinstance(want, tuple) and all(
                any(same(w, h) for h in have) for w in want)
        else:
            have = lookup(decision, parts)
            ok = have is not MISSING and same(want, have)
        if not ok:
            mismatch = Mismatch(show_path(parts), want, have)
            mismatches.append((mismatch, field.span) if with_spans else mismatch)
    return mismatches


def lookup(value, parts):
    for part in parts:
        if isinstance(part, int):
            value = value[part] if isinstance(value, list) and -len(value) <= part < len(value) else MISSING
        elif isinstance(value, dict):
            value = value.get(part, MISSING)
        elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
            key = part if not value or part in value[0] or not part.endswith("s") else part[:-1]
            value = [v.get(key, MISSING) for v in value]
            if MISSING in value:
                return MISSING
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def same(want, have) -> bool:
    """Does an example's value equal the decision's JSON value (see the module docstring)?"""
    if want is None or isinstance(want, bool) or isinstance(have, bool):
        return want is have
    if isinstance(want, (int, Decimal)):
        return _decimal(have) is not None and _decimal(have) == want
    if isinstance(want, date):
        return have == want.isoformat()
    if isinstance(want, str):
        if have == want:
            return True
        return _decimal(want) is not None and _decimal(want) == _decimal(have)
    if isinstance(want, tuple):
        if want == () and have == {}:
            return True
        return isinstance(have, list) and len(have) == len(want) and all(map(same, want, have))
    return False


def _decimal(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str):
        try:
            d = Decimal(value)
        except InvalidOperation:
            return None
        return d if d.is_finite() else None
    return None


def show(value) -> str:
    """A value as in JSON (amounts, dates and words as strings), for messages."""
    import json
    if value is MISSING:
        return "nothing (the decision has no such field)"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, date):
        return f'"{value.isoformat()}"'
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def failure_lines(result: ExampleResult) -> list:
    """`FILE:LINE: example "NAME": PATH expected X, got Y`, one line per failing path (LINE: the
    failing `expect` line)."""
    if result.error:
        return [f'{result.file}:{result.line}: example "{result.name}": {result.error}']
    return [f'{result.file}:{m.line or result.line}: example "{result.name}": {m.path} expected {show(m.expected)}, '
            f"got {show(m.actual)}" for m in result.mismatches]


def default_paths() -> list:
    return [bundled_directory()]


# ---- JUnit XML ---------------------------------------------------------------------------------

def junit_xml(runs):
    """One testsuite per policy file, one testcase per example (classname = the policy name)."""
    from xml.etree import ElementTree as ET
    suites = ET.Element("testsuites", name="policyrun test")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for run in runs:
        results = run.results
        counts = {"tests": len(results), "failures": sum(bool(r.mismatches) and not r.error for r in results),
                  "errors": sum(r.error is not None for r in results)}
        suite = ET.SubElement(suites, "testsuite", name=run.file, tests=str(counts["tests"]),
                              failures=str(counts["failures"]), errors=str(counts["errors"]), skipped="0",
                              time=f"{sum(r.seconds for r in results):.6f}")
        for r in results:
            case = ET.SubElement(suite, "testcase", name=r.name, classname=r.policy, file=r.file,
                                 line=str(r.line), time=f"{r.seconds:.6f}")
            lines = failure_lines(r)
            if r.error:
                ET.SubElement(case, "error", message=r.error).text = "\n".join(lines)
            elif r.mismatches:
                message = "; ".join(f"{m.path} expected {show(m.expected)}, got {show(m.actual)}" for m in r.mismatches)
                ET.SubElement(case, "failure", message=message).text = "\n".join(lines)
        for k in totals:
            totals[k] += counts[k]
    for k, v in totals.items():
        suites.set(k, str(v))
    return ET.ElementTree(suites)

