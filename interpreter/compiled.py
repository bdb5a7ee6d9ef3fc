"""The compiled form of a policy, the same from both backends (compile.py's closures and
codegen.py's generated code), and the state of one evaluation: inputs, readings, overrides, the
per-evaluation memo and the provenance trail (`force` is the memo protocol both follow).
"""
from __future__ import annotations

import attrs


class Ctx:
    """The state of one evaluation: inputs, readings, overrides, memo and the provenance trail."""
    __slots__ = ("values", "readings", "overrides", "memo", "trail", "trace")

    def __init__(self, values, readings, overrides, trace=False):
        self.values, self.readings, self.overrides = values, readings, overrides
        self.memo: dict = {}
        # provenance: marks in the order met — a rule ID (str), ("reading", ID, option) or
        # ("assumed", what, why) — and, by reference, the frozen trails (tuples, see `frozen`) of
        # the memoized values used; provenance.marks() expands them when a decision is built
        self.trail: list = []
        self.trace = [] if trace else None


@attrs.frozen
class CompiledOffer:
    rule: str | None
    when: object
    assumed: str | None
    fields: dict


@attrs.frozen
class CompiledRoute:
    name: str
    rule: str | None
    when: object
    requires: tuple          # of (fn, rule, message)
    offers: tuple            # of CompiledOffer; empty = the route itself is the one offer
    fields: dict
    source: object = None    # where the route is declared (for run-time errors)
    span: object = None


@attrs.frozen
class CompiledPolicy:
    checked: object
    routes: tuple
    defaults: dict
    input_paths: dict        # input name -> contract path
    functions: dict          # name -> fn(ctx, *args) for the policy's own defs
    default_readings: dict   # ambiguity ID -> default option
    invariants: tuple = ()   # of (InvariantDecl, Source, when fn or None, holds fn)
    prepared: dict = attrs.field(factory=dict, eq=False, repr=False)   # evaluate's per-policy cache

    @property
    def name(self):
        return self.checked.name


def input_paths(checked) -> dict:
    """Input name -> its scenario contract path."""
    return {n: b.decl.path for n, b in checked.bindings.items() if b.kind == "input"}


def default_readings(checked) -> dict:
    """Ambiguity ID -> its default option (the one marked `default`, else the first)."""
    return {a.id: next((o.name for o in a.options if o.default), a.options[0].name)
            for a in checked.ambiguities.values()}


def trace_entry(checked, b):
    """For a rule's `let`/`def`: entry(value, args) -> the raw trace entry recorded when it is
    computed (see trace.py); None for a definition outside any rule (not traced)."""
    if not b.rule:
        return None
    rule = checked.rules.get(b.rule)
    cite = rule.decl.cites[0] if rule and rule.decl.cites else None

    def entry(value, args=()):
        out = {"rule": b.rule, "name": b.name, "value": value}
        if args:
            out["args"] = list(args)
        if cite:
            out["source"] = {"source": cite.source, "quote": cite.quote}
        return out
    return entry


def frozen(trail: list):
    """A memoized value's trail as kept in the memo: one element as itself, more as a tuple
    (hashable, so that provenance.marks() can reuse the expansion of a trail seen before)."""
    return trail[0] if len(trail) == 1 else tuple(trail)


def force(ctx, key, thunk, marks, label=None):
    """Evaluate `thunk` once per evaluation; add what it depends on to the caller's trail."""
    hit = ctx.memo.get(key)
    if hit is None:
        saved = ctx.trail
        ctx.trail = list(marks)
        value = thunk()
        hit = (value, frozen(ctx.trail))
        ctx.trail = saved
        ctx.memo[key] = hit
        if ctx.trace is not None and label is not None:
            ctx.trace.append(label(value))
    if hit[1]:
        ctx.trail.append(hit[1])
    return hit[0]
