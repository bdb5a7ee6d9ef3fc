"""evaluate(policy, scenario) -> decision: run the compiled routes on one scenario. Pure; no I/O.

Every route whose `when` holds is tried: a failing `require` closes it with a reason; each of its
offers whose `when` holds is a lawful way to enrol. The application as asked is accepted when an
offer covers exactly the coverage years asked (or, when none are asked, the first offer); when
refused, the other offers are its alternatives.
"""
from __future__ import annotations

from datetime import date

from . import dates, wording
from .compiled import Ctx
from .decision import empty, money
from .provenance import merge_provenance, provenance
from .trace import explain_trace
from .values import EvaluationError, Undetermined

NO_APPLICATION = Undetermined(wording.NO_APPLICATION())
_EMPTY: dict = {}


class _Plan:
    """One way a route can grant: the route with one of its offers (or none), with its fields
    merged over the policy's defaults once per policy, not per evaluation."""
    __slots__ = ("route", "offer", "rule", "fields", "years", "other")

    def __init__(self, policy, route, offer):
        self.route, self.offer = route, offer
        self.rule = offer.rule if offer is not None and offer.rule else route.rule
        own = {**route.fields, **(offer.fields if offer is not None else {})}
        self.years = own.get("years") or _NO_YEARS
        self.fields = {**_DEFAULTS, **policy.defaults, **own}
        self.other = tuple((name[6:], fn) for name, fn in self.fields.items() if name.startswith("other_"))


def _routes(policy):
    """((route, its plans), …) in the policy's order, built once per policy."""
    routes = policy.prepared.get("routes")
    if routes is None:
        routes = policy.prepared["routes"] = tuple(
            (route, tuple(_Plan(policy, route, o) for o in route.offers or (None,))) for route in policy.routes)
    return routes


def _inputs(policy, scenario) -> dict:
    """The scenario's input values, with every input the policy reads and the scenario lacks
    (an application's fields when there is none) undetermined."""
    missing = policy.prepared.get("missing")
    if missing is None:
        missing = policy.prepared["missing"] = dict.fromkeys(policy.input_paths.values(), NO_APPLICATION)
    values = scenario.values
    if missing.keys() <= values.keys():   # the usual case: nothing to add (the evaluation only reads values)
        return values
    return {**missing, **values}


class _Candidate:
    """An offer whose conditions hold in this evaluation, with the provenance that got it there."""
    __slots__ = ("plan", "trail", "years")

    def __init__(self, plan, trail):
        self.plan, self.trail, self.years = plan, trail, None

    @property
    def route(self):
        return self.plan.route

    @property
    def offer_rule(self):
        return self.plan.rule


def evaluate(policy, scenario, explain: bool = False) -> dict:
    values = _inputs(policy, scenario)
    readings = {**policy.default_readings, **scenario.readings} if scenario.readings else policy.default_readings
    ctx = Ctx(values, readings, scenario.parameters, trace=explain)
    decision = empty(policy.name)
    if scenario.has_application:
        _decide(policy, ctx, scenario, decision)
    else:
        ctx.trail = []
        decision["channel"] = _output(decision, "channel", _field(policy, None, None, "channel")(ctx, {}))
        provenance(decision, ctx.trail)
    if scenario.covered_on or scenario.cap_years:
        _questions(policy, ctx, scenario, decision)
    if explain:
        decision["trace"] = explain_trace(ctx.trace, policy)
    return decision


def _decide(policy, ctx, scenario, decision):
    candidates, reasons, unknown, consulted = [], [], [], []
    for route, plans in _routes(policy):
        _try_route(ctx, route, plans, candidates, reasons, unknown)
        consulted.append(tuple(ctx.trail))   # as it is now: a candidate's trail grows below
    asked = scenario.values.get("application.coverage_years") or ()
    if len(asked) > 1 or asked.__class__ is not tuple:
        asked = tuple(sorted(set(asked)))
    for c in candidates:
        ctx.trail = c.trail
        years = c.plan.years(ctx, _EMPTY)
        if years.__class__ is not Undetermined:
            # `[paid.year]` without a payment date: the list holds an undetermined year
            years = _first_undetermined(years) or (
                years if len(years) < 2 and years.__class__ is tuple else tuple(sorted(set(years))))
        c.years = years
        c.trail = tuple(ctx.trail)
        consulted.append(c.trail)
    candidates = _within_span(policy, candidates, unknown, asked)
    span = policy.checked.years
    if span and asked and (asked[0] < span[0] or asked[-1] > span[1]):   # `asked` is sorted
        unknown.append(wording.ASKED_OUTSIDE_SPAN(policy=policy.name, low=span[0], high=span[1], asked=_list(asked)))
    matches = [c for c in candidates if not asked or c.years == asked]
    if matches:
        chosen = matches[0]
        if len(matches) > 1:
            _check_conflict(policy, ctx, chosen, matches[1:])
        _assemble(policy, ctx, chosen, scenario, decision)
        decision["accepted"] = True
        return
    if not candidates and not reasons and not unknown:   # no rule grants it, and none refuses it
        unknown.append(wording.NO_ROUTE(policy=policy.name))
    for c in candidates:
        reasons.append({"rule": c.offer_rule,
                        "message": wording.OTHER_YEARS(route=c.route.name, got=_list(c.years), asked=_list(asked))})
    if unknown:
        decision["accepted"] = None
        decision["undetermined"] += [{"field": "accepted", "why": why} for why in unknown]
    else:
        decision["accepted"] = False
    decision["reasons"] = reasons
    provenance(decision, consulted)
    decision["decided_by"] = list(dict.fromkeys(r["rule"] for r in reasons))
    ctx.trail = []
    for c in candidates:
        alt = _assemble(policy, ctx, c, scenario)
        alt["accepted"] = True
        decision["alternatives"].append(alt)


def _try_route(ctx, route, plans, candidates, reasons, unknown):
    ctx.trail = []
    tracing = ctx.trace is not None
    if route.when is not None:
        ok = route.when(ctx, _EMPTY)
        if tracing:
            ctx.trace.append({"step": "when", "route": route.name, "rule": route.rule, "result": ok})
        if ok.__class__ is Undetermined:
            unknown.append(wording.ROUTE_OPEN(route=route.name, reason=ok.reason))
            return
        if not ok:
            return
    if route.rule:
        ctx.trail.append(route.rule)
    for test, rule, message in route.requires:
        ok = test(ctx, _EMPTY)
        if tracing:
            ctx.trace.append({"step": "require", "route": route.name, "rule": rule, "result": ok, "message": message})
        if ok.__class__ is Undetermined:
            unknown.append(wording.RULE_OPEN(rule=rule, reason=ok.reason))
            return
        if not ok:
            reasons.append({"rule": rule, "message": message})
            return
    base = ctx.trail
    found = False
    for plan in plans:
        offer = plan.offer
        ctx.trail = list(base)
        if offer is not None:
            if offer.rule:
                ctx.trail.append(offer.rule)
            if offer.when is not None:
                ok = offer.when(ctx, _EMPTY)
                if ok.__class__ is Undetermined:
                    unknown.append(wording.OFFER_OPEN(route=route.name, rule=offer.rule or route.rule, reason=ok.reason))
                    continue
                if not ok:
                    continue
            if offer.assumed:
                ctx.trail.append(("assumed", f"route {route.name}", offer.assumed))
        found = True
        candidates.append(_Candidate(plan, ctx.trail))
    if not found:
        unknown.append(wording.OFFERS_MISS(route=route.name, rule=route.rule))


def _within_span(policy, candidates, unknown, asked):
    """An offer for a coverage year outside the policy's `years` span is not answered by it: it
    leaves the decision undetermined only if it could have been the one asked for."""
    low, high = policy.checked.years or (-10**9, 10**9)
    kept = []
    for c in candidates:
        years = c.years
        if years.__class__ is Undetermined:
            unknown.append(wording.ROUTE_OPEN(route=c.route.name, reason=years.reason))
            continue
        if not years or (low <= years[0] and years[-1] <= high):   # sorted: all inside the span
            kept.append(c)
            continue
        outside = [y for y in c.years if not low <= y <= high]
        if outside and asked and c.years != asked:
            continue
        if outside:
            unknown.append(wording.OUTSIDE_SPAN(route=c.route.name, got=_list(outside), policy=policy.name,
                                                low=low, high=high))
        else:
            kept.append(c)
    return kept


def _first_undetermined(values):
    for v in values:
        if v.__class__ is Undetermined:
            return v
    return None


def _list(years):
    return ", ".join(str(y) for y in years) or "none"


def _field(policy, route_fields, offer_fields, name):
    for fields in (offer_fields, route_fields, policy.defaults):
        if fields and name in fields:
            return fields[name]
    return _DEFAULTS.get(name)


def _assemble(policy, ctx, c, scenario, out=None) -> dict:
    """The decision for one offer: amounts, coverage, waiting months, channel, provenance
    (written into `out`, an empty decision, when given)."""
    ctx.trail = list(c.trail)
    if out is None:
        out = empty(policy.name)
    plan = c.plan
    out["route"] = plan.route.name
    fields = plan.fields
    years = c.years
    if years.__class__ is Undetermined:
        out["undetermined"].append({"field": "coverage.years", "why": years.reason})
        years = ()
    amount = fields["amount"]
    by_year = {}
    for y in years:   # loops, not comprehensions, here: each comprehension is one more call
        by_year[y] = amount(ctx, {"year": y})
    repair = fields["repair"](ctx, _EMPTY)
    other = {}
    for name, fn in plan.other:
        v = fn(ctx, _EMPTY)
        if v is not None:   # `null`: nothing owed under that code
            other[name] = v
    # the total: the first undetermined part (years, repair, other, in that order), else the sum
    total = (_first_undetermined(by_year.values()) or _first_undetermined((repair,))
             or _first_undetermined(other.values()) or sum(other.values(), sum(by_year.values()) + repair))
    due_total = _output(out, "amount_due.total", total, money)   # the total's `undetermined` entry first
    due_by_year = {}
    for y, v in by_year.items():
        due_by_year[str(y)] = _money_at(out, "amount_due.by_year.", y, v)
    out["amount_due"] = {
        "total": due_total,
        "by_year": due_by_year,
        "repair": _money_at(out, "amount_due.", "repair", repair),
        "other": {k: _money_at(out, "amount_due.other.", k, v) for k, v in other.items()} if other else {},
    }
    if years:
        start, end = fields.get("start"), fields.get("end")
        out["coverage"] = _coverage(out, years, start and start(ctx, _EMPTY), end and end(ctx, _EMPTY))
    waiting = fields["waiting"](ctx, _EMPTY)
    out["waiting_months"] = waiting if waiting.__class__ is int else _output(out, "waiting_months", waiting)
    out["channel"] = _output(out, "channel", fields["channel"](ctx, _EMPTY))
    provenance(out, ctx.trail)
    return out


def _coverage(out, years, start, end):
    if not years:
        return None
    start = date(years[0], 1, 1) if start is None else start
    end = date(years[-1], 12, 31) if end is None else end   # CONV-7
    if start.__class__ is not Undetermined and end.__class__ is not Undetermined and start > end:
        start = Undetermined(wording.START_AFTER_END(start=start.isoformat(), end=end.isoformat()))
    first = start.isoformat() if start.__class__ is date else _output(out, "coverage.start", start, date.isoformat)
    last = end.isoformat() if end.__class__ is date else _output(out, "coverage.end", end, date.isoformat)
    by_year = {}
    for y in years:
        # each year's part of the coverage: [start, end] within 1 January…31 December of y
        s = None if first is None else (first if start.year >= y else f"{y:04d}-01-01")
        e = None if last is None else (last if end.year <= y else f"{y:04d}-12-31")
        if s is not None and e is not None and s > e:   # ISO dates order as text
            s = e = None
        by_year[str(y)] = {"start": s, "end": e}
    return {"start": first, "end": last, "years": list(years), "by_year": by_year}


def _output(out, field, value, fmt=None):
    if value.__class__ is Undetermined:
        out["undetermined"].append({"field": field, "why": value.reason})
        return None
    if value is None or fmt is None:
        return value
    return fmt(value)


def _money_at(out, prefix, key, value):
    """`_output(out, prefix + key, value, money)`, without building the field's name unless it is needed."""
    if value.__class__ is int:
        return str(value)
    return _output(out, f"{prefix}{key}", value, money)


def _check_conflict(policy, ctx, chosen, others):
    """Two routes that both grant the request with different results are a policy error."""
    first = None
    for other in others:
        if other.route is chosen.route or other.years != chosen.years:
            continue
        first = first or _summary(_assemble(policy, ctx, chosen, None))
        if _summary(_assemble(policy, ctx, other, None)) != first:
            raise EvaluationError("E004", f"rules `{chosen.offer_rule}` (route `{chosen.route.name}`) and "
                                  f"`{other.offer_rule}` (route `{other.route.name}`) both apply with different results",
                                  chosen.route.span, chosen.route.source)


def _summary(d):
    return (d["amount_due"], d["coverage"], d["waiting_months"])


def _questions(policy, ctx, scenario, decision):
    """`covered_on` dates and `cap_years`: from the coverage bought, or from the policy's own
    `def covered_on(d: date, bought: list[int])` and `def critical_illness_cap(y: int, bought: list[int])`,
    which receive the coverage years this decision buys."""
    cov = decision["coverage"] if decision["accepted"] else None
    ctx.trail = []
    covered = policy.functions.get("covered_on")
    for d in scenario.covered_on:
        answer = _covered_by_decision(cov, d)
        if answer is None:
            answer = covered(ctx, d, tuple(cov["years"]) if cov else ()) if covered else Undetermined(wording.NO_ANSWER(question="covered_on"))
        decision["covered_on"][d.isoformat()] = _output(decision, f"covered_on.{d.isoformat()}", answer)
    cap = policy.functions.get("critical_illness_cap")
    bought = tuple(cov["years"]) if cov else ()
    for y in scenario.cap_years:
        value = cap(ctx, y, bought) if cap else Undetermined(wording.NO_ANSWER(question="critical_illness_cap"))
        decision["critical_illness_cap"][str(y)] = _output(decision, f"critical_illness_cap.{y}", value, money)
    merge_provenance(decision, ctx.trail)


def _covered_by_decision(cov, d):
    if not cov or not cov["start"] or not cov["end"]:
        return None
    start, end = date.fromisoformat(cov["start"]), date.fromisoformat(cov["end"])
    if start <= d <= end:
        return True
    if dates.year_start(cov["years"][0]) <= d < start:
        return False   # inside a year bought, before benefits start (a waiting period)
    return None


def _NO_YEARS(ctx, env):
    return Undetermined(wording.NO_YEARS())


_DEFAULTS = {
    "repair": lambda ctx, env: 0,
    "waiting": lambda ctx, env: 0,
    "channel": lambda ctx, env: Undetermined(wording.NO_CHANNEL()),
    "amount": lambda ctx, env: Undetermined(wording.NO_AMOUNT()),
}


def check_invariants(policy, scenario, decision) -> list:
    """The policy's invariants that this scenario's decision breaks: [(InvariantDecl, why)]."""
    from .values import DecisionView
    ctx = Ctx(_inputs(policy, scenario), dict(policy.default_readings, **scenario.readings), scenario.parameters)
    env = {"decision": DecisionView(decision)}
    broken = []
    for decl, _source, when, holds in policy.invariants:
        try:
            if when is not None and when(ctx, env) is not True:
                continue
            result = holds(ctx, env)
        except EvaluationError as err:
            broken.append((decl, f"[{err.code}] {err.message}"))
            continue
        if result is not True:
            why = result.reason if isinstance(result, Undetermined) else "it does not hold"
            broken.append((decl, why))
    return broken
