"""verify(policy): search for scenarios whose decision breaks one of the policy's invariants.

Scenarios are generated with hypothesis from the policy's own `input` declarations (each one's
contract path and type), plus the coverage years asked (which the evaluator reads itself) and
the policy's ambiguities as readings. A scenario the contract rejects is discarded; every other
one is evaluated and its decision checked against the invariants of the file. On a violation
hypothesis shrinks the scenario to a minimal one. The search is seeded: the same policy and
example count always try the same scenarios, so CI is stable.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from random import Random

import attrs

from .evaluate import check_invariants, evaluate
from .scenario import ENUMS, FIELD_TYPES, ScenarioError, parse_scenario
from .values import EvaluationError
from . import types as T

SEED = 20250101   # the same scenarios on every run, so that CI is stable

# Ranges for generated values, by contract path (then by type).
BIRTH = (date(1930, 1, 1), date(2026, 12, 31))
APPLICATION = (date(2023, 1, 1), date(2031, 12, 31))
YEARS = (2018, 2031)
INT_RANGES = {"application.repair_years": (0, 6), "resident.residence_permit_points": (0, 200)}
ASKED_YEARS = "application.coverage_years"   # read by the evaluator even when no input names it
# Nullable fields whose `null` differs from leaving them out (scenario.md: paid_on defaults to
# registered_on, but an explicit null means "not paid yet").
NULL_IS_A_VALUE = {"application.paid_on"}


class MissingHypothesis(RuntimeError):
    """hypothesis (the `test` extra) is not installed."""


@attrs.frozen
class Violation:
    scenario: dict             # the minimal scenario (contract JSON data)
    decision: dict | None      # its decision, None when evaluation failed
    broken: tuple              # of (InvariantDecl, Source, why)


@attrs.frozen
class Report:
    policy: str
    invariants: int
    tried: int                 # valid scenarios evaluated; on a violation, up to the first one found
    violation: Violation | None


def verify_policy(policy, examples: int = 200) -> Report:
    """Try `examples` generated scenarios against the invariants of `policy` (a CompiledPolicy)."""
    if not policy.invariants:
        return Report(policy.name, 0, 0, None)
    try:
        from hypothesis import HealthCheck, assume, find, settings
        from hypothesis.errors import NoSuchExample, Unsatisfiable
    except ImportError as err:
        raise MissingHypothesis("`policyrun verify` needs hypothesis: pip install 'policyrun[test]'") from err

    tried, found_at = 0, None

    def breaks(doc) -> bool:
        nonlocal tried, found_at
        try:
            scenario = parse_scenario(doc)
        except ScenarioError:
            assume(False)
        tried += 1
        broken = bool(_broken(policy, scenario)[1])
        if broken and found_at is None:
            found_at = tried
        return broken

    config = settings(max_examples=examples, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck))
    try:
        # A fixed seed rather than `derandomize=True`, with which (hypothesis 6.170) `find`
        # returned scenarios it had not shrunk.
        doc = find(scenarios(policy), breaks, settings=config, random=Random(SEED))
    except (NoSuchExample, Unsatisfiable):
        return Report(policy.name, len(policy.invariants), tried, None)
    decision, broken = _broken(policy, parse_scenario(doc))
    return Report(policy.name, len(policy.invariants), found_at, Violation(doc, decision, tuple(broken)))


def _broken(policy, scenario):
    """(decision, [(InvariantDecl, Source, why)]); a run-time failure breaks every invariant's
    premise, so it is reported against all of them."""
    try:
        decision = evaluate(policy, scenario)
    except EvaluationError as err:
        why = f"the policy failed on this scenario: [{err.code}] {err.message}"
        return None, [(decl, source, why) for decl, source, _, _ in policy.invariants]
    except Exception as err:   # an interpreter bug: still worth a minimal scenario
        why = f"the interpreter crashed on this scenario: {type(err).__name__}: {err}"
        return None, [(decl, source, why) for decl, source, _, _ in policy.invariants]
    broken = []
    for invariant in policy.invariants:
        # One at a time, so that an invariant that cannot be evaluated (`decision.no_such_field`)
        # is reported as itself rather than stopping the others.
        decl, source = invariant[:2]
        try:
            broken += [(decl, source, why) for _, why in
                       check_invariants(attrs.evolve(policy, invariants=(invariant,)), scenario, decision)]
        except Exception as err:
            broken.append((decl, source, f"the invariant cannot be evaluated: {type(err).__name__}: {err}"))
    return decision, broken


# ---- generating scenarios from the input declarations ------------------------------------

def input_fields(policy) -> dict:
    """{contract path: type} of every input the policy (and what it extends) declares."""
    out = {}
    for binding in policy.checked.bindings.values():
        if binding.kind == "input":
            out[binding.decl.path] = T.from_ref(binding.decl.type)
    return out


def scenarios(policy):
    """A hypothesis strategy of scenario documents (dicts) for `policy`."""
    from hypothesis import strategies as st

    fields = input_fields(policy)
    if any(path.startswith("application.") for path in fields):
        fields.setdefault(ASKED_YEARS, FIELD_TYPES[ASKED_YEARS])
    # Built once: each draws a function of the application day (building strategies inside
    # every draw costs hypothesis more than evaluating the scenario).
    makers = [(path, _value(st, path, fields[path])) for path in sorted(fields)]
    readings = [(a.id, st.sampled_from([o.name for o in sorted(a.options, key=lambda o: not o.default)]))
                for a in policy.checked.ambiguities.values()]
    defaults = {a.id: next((o.name for o in a.options if o.default), a.options[0].name)
                for a in policy.checked.ambiguities.values()}
    anchors = st.dates(*APPLICATION)
    if policy.checked.years:
        # Half of the days fall where the policy answers: its coverage years and the year before
        # (a concentrated period runs in the year before the coverage year).
        low = max(APPLICATION[0], date(policy.checked.years[0] - 1, 1, 1))
        high = min(APPLICATION[1], date(policy.checked.years[1], 12, 31))
        if low <= high:
            anchors = st.one_of(st.dates(low, high), anchors)
    literals = sorted(d for d in _date_literals(policy.checked) if APPLICATION[0] <= d <= APPLICATION[1])
    if literals:
        # A third of the days are within a week of a date the policy names (a window's edge, a
        # deadline): where off-by-one mistakes live.
        near = st.tuples(st.sampled_from(literals), st.integers(-7, 7)).map(
            lambda t: _clamp(t[0] + timedelta(days=t[1]), APPLICATION))
        anchors = st.one_of(anchors, near)

    @st.composite
    def scenario(draw):
        # Everything is drawn around one application day, so that newborn windows, concentrated
        # periods and break years are met often rather than by chance.
        anchor = draw(anchors)
        with_application = draw(st.integers(0, 9)) < 9   # mostly with an application
        doc = {"jurisdiction": policy.name}
        for path, maker in makers:
            value = draw(maker)(anchor)
            if path.startswith("application.") and not with_application:
                continue
            if path not in NULL_IS_A_VALUE and _is_default(path, value):
                continue   # left out, so that the counterexample stays short
            _put(doc, path, value)
        _complete(doc, anchor, with_application)
        chosen = {amb: draw(options) for amb, options in readings}   # shrinks to the default
        chosen = {amb: option for amb, option in chosen.items() if option != defaults[amb]}
        if chosen:
            doc["readings"] = chosen
        return doc

    return scenario()


def _date_literals(checked) -> set:
    """Every date written in the policy's expressions (and those of the policies it extends)."""
    from .dsl import ast
    from .lint_refs import walk
    nodes = []
    for binding in checked.bindings.values():
        while binding is not None:   # an overridden definition may still be reached by `super`
            nodes.append(binding.decl)
            binding = binding.parent
    nodes += [route.decl for route in checked.routes] + [decl for decl, _ in checked.invariants]
    return {n.value for node in nodes for n in walk(node) if isinstance(n, ast.Literal) and n.kind == "date"}


def _const(value):
    return lambda anchor: value


def _value(st, path, kind):
    """A strategy of functions from the application day to a JSON value of type `kind`."""
    if kind.endswith("?"):
        base, null = _value(st, path, kind[:-1]), st.just(_const(None))
        return st.one_of(base, null) if path in NULL_IS_A_VALUE else st.one_of(null, base)
    if kind.startswith("list["):
        return _list(st, path, kind[5:-1])
    if kind == "date":
        return _date(st, path)
    if kind == "int":
        return st.integers(*INT_RANGES.get(path, (0, 10))).map(_const)
    if kind == "bool":
        return st.booleans().map(_const)
    if kind == "text":
        return (st.sampled_from(ENUMS[path]) if path in ENUMS else st.text(max_size=6)).map(_const)
    if kind == "money":
        return st.decimals(0, 5000, places=2).map(str).map(_const)
    raise ValueError(f"no generator for `{kind}` ({path})")


def _date(st, path):
    def shifted(bounds):
        return lambda n: lambda anchor: _clamp(anchor + timedelta(days=n), bounds).isoformat()
    if path == "resident.birth_date":
        # Often a newborn (0–100 days before the application) or an infant (0–400), else anyone.
        infant = st.one_of(st.integers(-100, 0), st.integers(-400, 0)).map(shifted(BIRTH))
        anyone = st.dates(*BIRTH).map(date.isoformat).map(_const)
        return st.one_of(anyone, infant, anyone)   # shrinks towards an adult (the first)
    if path.startswith("application."):
        # The day itself, or a little before or after (payment after registration, or late).
        return st.one_of(st.just(0), st.integers(-30, 120)).map(shifted(APPLICATION))
    return st.integers(-400, 400).map(shifted((date(1900, 1, 1), date(2199, 12, 31))))


def _list(st, path, item):
    if path == ASKED_YEARS:
        near = st.lists(st.integers(-1, 1), min_size=1, max_size=2, unique=True).map(
            lambda offsets: lambda anchor: [anchor.year + k for k in offsets])
        anywhere = st.lists(st.integers(*YEARS), min_size=1, max_size=3, unique=True).map(_const)
        # Mostly none asked (the default route's years), else years near the application's.
        none = st.just(_const([]))
        return st.one_of(none, none, none, near, anywhere)
    if item == "int":
        # Years held: often one unbroken run (insured until some year, then a break), else any.
        run = st.tuples(st.integers(*YEARS), st.integers(0, 10)).map(
            lambda r: [y for y in range(r[0], r[0] + r[1]) if y <= YEARS[1]])
        scattered = st.lists(st.integers(*YEARS), max_size=8, unique=True).map(sorted)
        return st.one_of(run, scattered).map(_const)
    if item == "text":
        items = st.sampled_from(ENUMS[path]) if path in ENUMS else st.text(max_size=6)
        return st.lists(items, max_size=3, unique=True).map(_const)
    if item == "month_span":
        return st.lists(_month_span(st), max_size=3).map(_const)
    if item == "date":
        return st.lists(_date(st, path), max_size=3).map(
            lambda makers: lambda anchor: sorted({m(anchor) for m in makers}))
    raise ValueError(f"no generator for `list[{item}]` ({path})")


def _month_span(st):
    def span(start_and_length):
        (year, month), length = start_and_length
        end = year * 12 + month - 1 + length
        return {"from": f"{year:04d}-{month:02d}", "to": f"{end // 12:04d}-{end % 12 + 1:02d}"}
    start = st.tuples(st.integers(*YEARS), st.integers(1, 12))
    return st.tuples(start, st.integers(0, 48)).map(span)


def _is_default(path, value) -> bool:
    """Is `value` what the contract assumes when the field is left out?"""
    global _DEFAULTS
    if _DEFAULTS is None:
        # The defaults, as the contract's own parser fills them in for a minimal scenario.
        _DEFAULTS = parse_scenario({"jurisdiction": "-", "resident": {"birth_date": "2000-01-01"},
                                    "application": {"registered_on": "2025-01-01"}}).values
    default = _DEFAULTS.get(path, None)
    return value == default or (isinstance(value, list) and tuple(value) == default)


_DEFAULTS = None


def _clamp(d, bounds):
    return min(max(d, bounds[0]), bounds[1])


def _put(doc, path, value):
    *parents, key = path.split(".")
    node = doc
    for part in parents:
        node = node.setdefault(part, {})
    node[key] = value


def _complete(doc, anchor, with_application):
    """Fill what the contract requires whatever the policy declares: a birth date, and a day of
    registration (or payment) in an application."""
    doc.setdefault("resident", {}).setdefault("birth_date", _clamp(anchor, BIRTH).isoformat())
    if with_application:
        application = doc.setdefault("application", {})
        if application.get("registered_on") is None and application.get("paid_on") is None:
            application["registered_on"] = anchor.isoformat()


# ---- files --------------------------------------------------------------------------------

def load_file(path: Path, policy_dir=None):
    """Parse, check and compile one policy file with the policies it extends."""
    from .check import check
    from .checkfiles import file_chain
    from .compile import compile_policy
    return compile_policy(check(file_chain(Path(path), policy_dir), FIELD_TYPES))


# ---- reports ------------------------------------------------------------------------------

def render_report(path, report: Report) -> str:
    """The summary line of one file and, on a violation, each broken invariant and the minimal
    counterexample as JSON (evaluate it with `policyrun evaluate` to see the whole decision)."""
    import json
    n = report.invariants
    head = f"{path}: {n} invariant{'s' if n != 1 else ''}"
    if n == 0:
        return head + ", nothing to verify"
    if report.violation is None:
        return head + f", {report.tried} examples: ok"
    lines = [head + f": VIOLATED (found at example {report.tried}, then shrunk)"]
    for decl, source, why in report.violation.broken:
        line, col = source.position(decl.span.start)
        lines += [f"invariant violated: \"{decl.name}\"" + (f" (for {', '.join(decl.rules)})" if decl.rules else ""),
                  f" --> {source.path}:{line}:{col}", f"  = why: {why}"]
    if report.violation.decision is not None:
        lines.append("  = decision: " + _summary(report.violation.decision))
    lines += ["counterexample:", json.dumps(report.violation.scenario, ensure_ascii=False, indent=2)]
    return "\n".join(lines)


def _summary(d) -> str:
    cov = d.get("coverage")
    total = (d.get("amount_due") or {}).get("total")
    parts = [f"accepted={_json(d['accepted'])}", f"route={_json(d['route'])}",
             f"coverage={_span(cov)}",
             f"waiting_months={_json(d['waiting_months'])}", f"total={_json(total)}"]
    if d.get("reasons"):
        parts.append("reasons=" + ",".join(r["rule"] or "?" for r in d["reasons"]))
    return " ".join(parts)


def _span(coverage) -> str:
    """`start..end [years]`, the dates bare; a missing date or coverage is `null`, as in JSON."""
    if coverage is None:
        return "null"
    start, end = (coverage.get(k) or "null" for k in ("start", "end"))
    return f"{start}..{end} {_json(coverage.get('years', []))}"


def _json(value):
    import json
    return json.dumps(value, ensure_ascii=False)
