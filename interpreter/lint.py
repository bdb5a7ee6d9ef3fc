"""lint(policy, module, source) -> warnings: mistakes that are legal but almost never meant.

Run by `policyrun check` on a policy that checked without errors. Each warning is about what the
checked file itself declares (a parent's declarations are linted when the parent is checked),
and each is conservative: when unsure, say nothing.

  W001  a parameter or input that no expression uses
  W002  a rule with definitions, none of them used, and no route: it can never apply
  W003  an ambiguity that no `reading(…)` consults
  W004  a keyed parameter looked up with a constant key it has no entry for, or a year that one
        of the file's windows (standards) gives a value for and a standard (window) has no
        entry for at all (within `years` the checker requires entries; this is outside it)
  W005  two routes that apply under the same condition and grant the same years differently
"""
from __future__ import annotations

import attrs

from .dsl import ast
from .dsl.diagnostics import Diagnostic
from .lint_refs import References, collect, dotted, inline

# Definitions the evaluator calls by name (evaluate._questions), used even if no expression does.
ENGINE_FUNCTIONS = ("covered_on", "critical_illness_cap")
RESULT_FIELDS = ("start", "end", "amount", "waiting", "repair")


def lint(policy, module: ast.Module, source, used_elsewhere: References | None = None) -> list:
    """Warnings for `module` (the last of `policy`'s chain, read from `source`). `used_elsewhere`:
    what the policies extending this one use (a root policy declares inputs for them)."""
    refs = collect(policy)
    elsewhere = used_elsewhere or References()
    linter = _Linter(policy, module, source, refs, elsewhere)
    linter.unused_bindings()
    linter.dead_rules()
    linter.unconsulted_ambiguities()
    linter.lookups_without_value()
    linter.window_standard_gaps()
    linter.overlapping_routes()
    return sorted(linter.warnings, key=lambda d: d.sort_key)


class _Linter:
    def __init__(self, policy, module, source, refs, elsewhere):
        self.policy, self.module, self.source = policy, module, source
        self.refs, self.elsewhere = refs, elsewhere
        self.warnings: list[Diagnostic] = []

    def warn(self, code, message, node, help=None):
        self.warnings.append(Diagnostic(code, message, self.source, node.span, help=help, severity="warning"))

    def own(self, binding) -> bool:
        return binding.source is self.source

    def used(self, name, by_others_than=None) -> bool:
        return self.refs.uses(name, by_others_than) or name in self.elsewhere.names

    # ---- W001
    def unused_bindings(self):
        for name, b in self.policy.bindings.items():
            if b.kind in ("input", "param") and self.own(b) and not self.used(name):
                what = "input" if b.kind == "input" else "parameter"
                self.warn("W001", f"{what} `{name}` is never used in `{self.policy.name}` or the policies extending it",
                          b.decl, help="remove it, or use it in a rule")

    # ---- W002
    def dead_rules(self):
        for decl in self.module.decls:
            if not isinstance(decl, ast.RuleDecl) or any(isinstance(i, ast.RouteDecl) for i in decl.body):
                continue
            names = [i.name for i in decl.body if isinstance(i, (ast.LetDecl, ast.DefDecl, ast.ParamDecl))]
            if not names or decl.id in self.refs.rule_ids or decl.id in self.elsewhere.rule_ids:
                continue   # a rule only cited (by `by`, `else`) applies through what cites it
            live = [n for n in names if n in ENGINE_FUNCTIONS or self.used(n, by_others_than=n)]
            if not live:
                self.warn("W002", f"rule `{decl.id}` can never apply: none of its definitions "
                          f"({', '.join(f'`{n}`' for n in names)}) is used and it has no route", decl,
                          help="use one of its definitions, give it a route, or remove it")

    # ---- W003
    def unconsulted_ambiguities(self):
        for decl in self.module.decls:
            if isinstance(decl, ast.AmbiguityDecl) and decl.id not in self.refs.readings \
                    and decl.id not in self.elsewhere.readings:
                self.warn("W003", f"ambiguity `{decl.id}` is never consulted", decl,
                          help=f"read it with `match reading({decl.id}) {{ … }}` where it matters, or remove it")

    # ---- W004
    def lookups_without_value(self):
        for node, source in self.refs.lookups:
            if source is not self.source:
                continue
            name = node.obj.name if isinstance(node.obj, ast.Name) else dotted(node.obj)
            b = self.policy.bindings.get(name)
            if b is None or b.kind != "param" or not b.decl.keys:
                continue
            key = [k.value for k in node.keys if isinstance(k, ast.Literal) and k.kind in ("int", "text")]
            if len(key) == len(node.keys) == len(b.decl.keys) and _entry(b.decl, tuple(key)) is None:
                shown = ", ".join(str(k) for k in key)
                self.warn("W004", f"no value of `{name}` for `{shown}`: this lookup is always undetermined",
                          node, help=f"add an entry for {shown} to `{name}`, or look up a key it has")

    def window_standard_gaps(self):
        """A year one of the file's windows (or standards) names, that a standard (or window) of
        the policy has no entry for at all. Within the `years` span the checker already requires
        an entry for every year; an entry that says `undetermined "why"` is deliberate."""
        params = [b for b in self.policy.bindings.values() if b.kind == "param" and b.decl.keys[:1] == ("year",)]
        windows = [b.decl for b in params if _type(b.decl) == "window"]
        standards = [b.decl for b in params if _type(b.decl) == "money"]
        for have_list, lack_list in ((windows, standards), (standards, windows)):
            for have in have_list:
                if self.own(self.policy.bindings[have.name]):
                    for lack in lack_list:
                        self._gap(have, lack)

    def _gap(self, have, lack):
        for entry in have.entries:
            first = entry.key[0]
            if first.kind not in ("int", "range") or isinstance(entry.value.expr, ast.Undetermined):
                continue
            low, high = (first.value, first.value) if first.kind == "int" else first.value
            years = [y for y in range(low, high + 1) if _state(lack, y) is None]
            if years:
                shown = _years(years)
                what = "window" if _type(have) == "window" else "standard"
                self.warn("W004", f"no value of `{lack.name}` for `{shown}`, though the {what} `{have.name}` has one",
                          entry, help=f"give `{lack.name}` an entry for {shown} (a value, `assumed`, or "
                                      f"`undetermined \"<why>\"`)")

    # ---- W005
    def overlapping_routes(self):
        offers = [o for route in self.policy.routes for o in _offers(route)]
        reported = set()
        for i, a in enumerate(offers):
            for b in offers[i + 1:]:
                if a.route is b.route or not (a.route.source is self.source or b.route.source is self.source):
                    continue
                if not _same_condition(a.when, b.when) or a.fields.get("years") != b.fields.get("years"):
                    continue
                differ = [f for f in RESULT_FIELDS if a.fields.get(f) != b.fields.get(f)]
                pair = (a.route.decl.name, b.route.decl.name)
                if differ and pair not in reported:
                    reported.add(pair)
                    mine = a if a.route.source is self.source else b
                    other = b if mine is a else a
                    self.warn("W005", f"routes `{mine.route.decl.name}` and `{other.route.decl.name}` can both apply at once "
                              f"and grant the same years with a different "
                              f"{', '.join(f'`{f}`' for f in differ)}", mine.route.decl,
                              help="make their `when` conditions exclusive, or give them the same results")


@attrs.frozen
class _Offer:
    route: object              # check.RouteInfo
    when: tuple                # the conditions that must all hold, lets inlined
    fields: dict               # field name -> expression, lets inlined


def _offers(route) -> list:
    """Each way the route grants coverage, with route and offer `let`s written out in place."""
    items = route.decl.items
    lets = {i.name: i.expr for i in items if isinstance(i, ast.LetDecl)}
    # A `require` is part of the condition under which the route grants anything.
    when = tuple(inline(i.expr, lets) for i in items if isinstance(i, (ast.WhenClause, ast.RequireClause)))
    fields = {i.name: inline(i.expr, lets) for i in items if isinstance(i, ast.Field)}
    offers = [i for i in items if isinstance(i, ast.OfferDecl)]
    if not offers:
        return [_Offer(route, when, fields)]
    out = []
    for offer in offers:
        scope = dict(lets, **{i.name: i.expr for i in offer.items if isinstance(i, ast.LetDecl)})
        extra = (inline(offer.when, scope),) if offer.when is not None else ()
        own = {i.name: inline(i.expr, scope) for i in offer.items if isinstance(i, ast.Field)}
        out.append(_Offer(route, when + extra, dict(fields, **own)))
    return out


_TRUE = ast.Literal(True, "bool")


def _same_condition(a: tuple, b: tuple) -> bool:
    """Syntactically the same conditions, or one of them always true."""
    a = tuple(c for c in a if c != _TRUE)
    b = tuple(c for c in b if c != _TRUE)
    return not a or not b or a == b


def _years(years) -> str:
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(map(str, years))


def _type(decl) -> str:
    return decl.type.name if decl.type.arg is None else ""


def _entry(decl, key):
    """The entry a lookup of `key` finds (an exact key first, as compile.py looks it up), or None."""
    exact = [e for e in decl.entries if all(p.kind in ("int", "name") for p in e.key)]
    for entry in exact + [e for e in decl.entries if e not in exact]:
        if len(entry.key) == len(key) and all(_covers(p, k) for p, k in zip(entry.key, key)):
            return entry
    return None


def _covers(part, value) -> bool:
    """Does a key part (`2025`, `2026..2030`, `*`, `adult`) cover `value`?"""
    if part.kind == "range":
        return isinstance(value, int) and part.value[0] <= value <= part.value[1]
    return part.kind == "any" or part.value == value


def _part(p):
    return p.value


def _state(decl, year) -> str | None:
    """`value` if some entry for `year` has one, `undetermined` if every entry for the year is
    explicitly undetermined, None if no entry covers it."""
    rests = {tuple(_part(p) for p in e.key[1:]) for e in decl.entries}
    found = [_entry(decl, (year,) + rest) for rest in rests]
    found = [e for e in found if e is not None]
    if not found:
        return None
    if all(isinstance(e.value.expr, ast.Undetermined) for e in found):
        return "undetermined"
    return "value"

