"""The checks of declarations, for check.py: `ExprChecker` has one entry point per kind of
declaration (a binding, a route and its fields, an example, an invariant) and checks what
they refer to (sources C009, rules C003, types C014), the quote of a citation (C016), a
parameter table's keys (C017; reversed ranges C018 and rows whose meaning depends on their
order C025, in check_tables.py), the provenance of its values (C013) and that it has a value
for every coverage year (C004).
Their expressions are typed by typecheck_expr.py.
"""
from __future__ import annotations

from .dsl import ast
from . import types as T
from .check_tables import check_rows
from .typecheck_expr import ExprTyper

_SCENARIO_TOP = {"jurisdiction", "as_of", "resident", "history", "application", "readings", "parameters",
                 "covered_on", "cap_years"}
_DECISION_TOP = {"jurisdiction", "accepted", "route", "reasons", "amount_due", "coverage", "waiting_months",
                 "channel", "covered_on", "critical_illness_cap", "decided_by", "readings", "assumed",
                 "undetermined", "alternatives"}


class ExprChecker(ExprTyper):
    """Checks declarations one at a time; `diagnostics` collects what every call found."""

    # ---- entry points (one per kind of declaration)
    def source_ref(self, name, source, node):
        if name not in self.policy.sources:
            self.error("C009", f"unknown source `{name}`", node, source=source,
                       help="declare it with `source " + name + ' "title" …` at the top of the file')

    def citation(self, name, quote, node, source):
        """`from <name> "<quote>"` (`node`), of a rule or of a value: the quote is what a reader
        checks the policy against, so it may not be left out (the grammar allows it) or blank."""
        self.source_ref(name, source, node)
        if quote is None or not quote.strip():
            problem = "no quote" if quote is None else "a blank quote"
            self.error("C016", f"this citation of `{name}` has {problem}", node, source=source,
                       help=f'quote the words of the source it rests on: `from {name} "<exact quote>"`')

    def binding(self, b):
        self._source = b.source
        self._binding = b
        if b.kind == "param":
            self._param(b.decl)
        elif b.kind == "let":
            self.let_type(b.name)
        elif b.kind == "def":
            for p in b.decl.params:
                self._type_ref(p.type)
            self.def_type(b.name)
        elif b.kind == "input":
            self._type_ref(b.decl.type)

    def route(self, route):
        self._source = route.source
        self._binding = None
        self._rule_ref(route.decl.by, route.decl) if route.decl.by else None
        scope = self._lets(route.decl.items, {})
        for item in route.decl.items:
            if isinstance(item, ast.WhenClause):
                self.expect(item.expr, scope, "bool")
            elif isinstance(item, ast.RequireClause):
                self.expect(item.expr, scope, "bool")
                self._rule_ref(item.rule, item)
            elif isinstance(item, ast.Field):
                self.field(item, route.source, scope)
            elif isinstance(item, ast.OfferDecl):
                self._offer(item, scope)

    def field(self, field, source, scope):
        from .check import ROUTE_FIELDS
        self._source = source
        if field.name not in ROUTE_FIELDS and not field.name.startswith("other_"):
            return   # an unknown field is reported once (C020), not type-checked too
        want = ROUTE_FIELDS.get(field.name, "money")
        if field.name == "amount":
            scope = dict(scope, year="int")
        self.expect(field.expr, scope, want)

    def example(self, decl, source):
        self._source, self._binding = source, None
        for rule in decl.rules:
            self._rule_ref(rule, decl)
        for field in decl.given:
            if field.path[0] not in _SCENARIO_TOP:
                self.error("C022", f"`{'.'.join(map(str, field.path))}` is not a scenario field", field,
                           help="use a contract path such as `resident.birth_date` or `application.paid_on`")
        for field in decl.expect:
            if field.path[0] not in _DECISION_TOP:
                self.error("C022", f"`{'.'.join(map(str, field.path))}` is not a decision field", field,
                           help="use a decision path such as `accepted`, `coverage.start` or `reasons[0].rule`")

    def invariant(self, decl, source):
        self._source, self._binding = source, None
        for rule in decl.rules:
            self._rule_ref(rule, decl)
        scope = {"decision": "any"}
        if decl.when is not None:
            self.expect(decl.when, scope, "bool")
        self.expect(decl.holds, scope, "bool")

    # ---- declarations
    def _offer(self, offer, scope):
        if offer.by:
            self._rule_ref(offer.by, offer)
        scope = self._lets(offer.items, scope)
        if offer.when is not None:
            self.expect(offer.when, scope, "bool")
        for item in offer.items:
            if isinstance(item, ast.Field):
                self.field(item, self._source, scope)

    def _param(self, decl):
        declared = T.from_ref(decl.type)
        self._type_ref(decl.type)
        for entry in decl.entries:
            if len(entry.key) != len(decl.keys):
                self.error("C017", f"`{decl.name}` is keyed by {len(decl.keys)} value(s) "
                           f"({', '.join(decl.keys) or 'none'}), this entry gives {len(entry.key)}", entry)
            scope = {name: ("text" if i > 0 else "int") for i, name in enumerate(decl.keys)}
            self.expect(entry.value.expr, scope, declared)
            self._provenance(entry, decl)
        check_rows(decl, self._source, self.error)
        self._years_covered(decl)

    def _provenance(self, entry, decl):
        kinds = [p.kind for p in entry.value.provenance]
        for p in entry.value.provenance:
            if p.kind == "from":
                self.citation(p.source, p.text, p, self._source)
        undetermined = isinstance(entry.value.expr, ast.Undetermined)
        # `assume(value, "why")` is the assumption written in the expression: the decision lists it
        assumed = isinstance(entry.value.expr, ast.Call) and entry.value.expr.func == "assume"
        # A value computed from other definitions carries their provenance; a constant needs its own.
        derived = _references_definitions(entry.value.expr, set(decl.keys))
        if not (undetermined or assumed or derived) and "from" not in kinds and "assumed" not in kinds:
            self.error("C013", f"a value of `{decl.name}` has no provenance", entry,
                       help='add `from <source> "<quote>"`, or `assumed "<why>"`')

    def _years_covered(self, decl):
        years = self.policy.years
        if not decl.keys or decl.keys[0] != "year" or years is None:
            return
        groups: dict[tuple, list] = {}
        for entry in decl.entries:
            groups.setdefault(tuple(k.value for k in entry.key[1:]), []).append(entry.key[0])
        for rest, parts in groups.items():
            missing = [y for y in range(years[0], years[1] + 1) if not any(_key_covers(p, y) for p in parts)]
            if missing:
                label = " ".join(str(x) for x in rest)
                shown = ", ".join(f"`{y}`" for y in missing)
                self.error("C004", f"no value of `{decl.name}`{' ' + label if label else ''} for coverage "
                           f"year{'s' if len(missing) > 1 else ''} {shown} in `{self.policy.name}`", decl,
                           help=self._missing_years_help(decl, missing))

    def _missing_years_help(self, decl, missing):
        b = self._binding
        owner = self.policy.rules.get(b.rule) if b is not None and b.rule else None
        if owner is not None and owner.module != self.policy.name:   # the table is an extended policy's
            return (f"`{decl.name}` comes from rule `{b.rule}` of `{owner.module}`: give `{self.policy.name}` "
                    f"its values in `rule <ID> overrides {b.rule} {{ parameter {decl.name} … }}`, or end its "
                    f"`years` before {missing[0]}")
        return f'add a {missing[0]} value, mark it `assumed "<why>"`, or make it `undetermined "<why>"`'

    def _type_ref(self, ref):
        if not T.valid(T.from_ref(ref)):
            self.error("C014", f"unknown type `{T.from_ref(ref)}`", ref,
                       help="use int, money, bool, text, date, window, month_span or list[T]")

    def _rule_ref(self, rule_id, node):
        if rule_id not in self.policy.rules:
            self.error("C003", f"unknown rule `{rule_id}`", node, help="declare it with `rule " + rule_id + " { … }`")

def _references_definitions(expr, local_names) -> bool:
    """Does an expression use a named definition (anything but literals, built-ins and keys)?"""
    import attrs
    if isinstance(expr, ast.Name):
        return expr.name not in local_names
    if isinstance(expr, ast.Index):
        return True
    if isinstance(expr, ast.Call) and expr.func not in T.BUILTINS:
        return True
    if not attrs.has(type(expr)):
        return False
    for field in attrs.fields(type(expr)):
        value = getattr(expr, field.name)
        items = value if isinstance(value, tuple) else (value,)
        if any(attrs.has(type(v)) and _references_definitions(v, local_names) for v in items):
            return True
    return False


def _key_covers(part, year):
    if part.kind == "int":
        return part.value == year
    if part.kind == "range":
        return part.value[0] <= year <= part.value[1]
    return part.kind == "any"
