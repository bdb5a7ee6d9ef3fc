"""Name resolution and light type inference over expressions, for check.py.

Types are strings (see types.py). Inference is forgiving: an unknown type (`any`) never causes
an error, so the checker reports only mistakes it is sure of.
"""
from __future__ import annotations

from .dsl import ast
from .names import dotted as dotted_name
from .dsl.diagnostics import Diagnostic
from . import types as T

_ARITH = {
    ("int", "+", "int"): "int", ("int", "-", "int"): "int", ("int", "*", "int"): "int",
    ("date", "+", "months"): "date", ("date", "-", "months"): "date",
    ("date", "+", "days"): "date", ("date", "-", "days"): "date",
}
_ORDERED = {"int", "money", "date", "text"}


_SCENARIO_TOP = {"jurisdiction", "as_of", "resident", "history", "application", "readings", "parameters",
                 "covered_on", "cap_years"}
_DECISION_TOP = {"jurisdiction", "accepted", "route", "reasons", "amount_due", "coverage", "waiting_months",
                 "channel", "covered_on", "critical_illness_cap", "decided_by", "readings", "assumed",
                 "undetermined", "alternatives"}


class ExprChecker:
    def __init__(self, policy):
        self.policy = policy
        self.diagnostics: list[Diagnostic] = []
        self._let_types: dict[str, str] = {}
        self._source = None

    # ---- entry points (one per kind of declaration)
    def error(self, code, message, node, help=None, source=None):
        self.diagnostics.append(Diagnostic(code, message, source or self._source,
                                           getattr(node, "span", None), help=help))

    def source_ref(self, name, source, node):
        if name not in self.policy.sources:
            self.error("C009", f"unknown source `{name}`", node, source=source,
                       help="declare it with `source " + name + ' "title" …` at the top of the file')

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

    def _lets(self, items, scope):
        scope = dict(scope)
        for item in items:
            if isinstance(item, ast.LetDecl):
                scope[item.name] = "any"
        for item in items:
            if isinstance(item, ast.LetDecl):
                scope[item.name] = self.infer(item.expr, scope)
        return scope

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
        self._years_covered(decl)

    def _provenance(self, entry, decl):
        kinds = [p.kind for p in entry.value.provenance]
        for p in entry.value.provenance:
            if p.kind == "from":
                self.source_ref(p.source, self._source, p)
        undetermined = isinstance(entry.value.expr, ast.Undetermined)
        # A value computed from other definitions carries their provenance; a constant needs its own.
        derived = _references_definitions(entry.value.expr, set(decl.keys))
        if not undetermined and not derived and "from" not in kinds and "assumed" not in kinds:
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
            for year in range(years[0], years[1] + 1):
                if not any(_key_covers(p, year) for p in parts):
                    label = " ".join(str(x) for x in rest)
                    self.error("C004", f"no value of `{decl.name}`{' ' + label if label else ''} for coverage year "
                               f"`{year}` in `{self.policy.name}`", decl,
                               help=f'add a {year} value, mark it `assumed "<why>"`, or make it `undetermined "<why>"`')

    def _type_ref(self, ref):
        if not T.valid(T.from_ref(ref)):
            self.error("C014", f"unknown type `{T.from_ref(ref)}`", ref,
                       help="use int, money, bool, text, date, window, month_span or list[T]")

    def _rule_ref(self, rule_id, node):
        if rule_id not in self.policy.rules:
            self.error("C003", f"unknown rule `{rule_id}`", node, help="declare it with `rule " + rule_id + " { … }`")

    # ---- expressions
    def expect(self, expr, scope, want):
        got = self.infer(expr, scope)
        if not T.compatible(got, want) and not (got == "null" and want.endswith("?")):
            self.error("C007", f"expected `{want}`, found `{got}`", expr)
        return got

    def let_type(self, name):
        if name not in self._let_types:
            self._let_types[name] = "any"      # a guard against cycles
            b = self.policy.bindings[name]
            saved = self._source, getattr(self, "_binding", None)
            self._source, self._binding = b.source, b
            self._let_types[name] = self.infer(b.decl.expr, {})
            self._source, self._binding = saved
        return self._let_types[name]

    def def_type(self, name):
        key = "def " + name
        if key not in self._let_types:
            self._let_types[key] = "any"
            b = self.policy.bindings[name]
            saved = self._source, getattr(self, "_binding", None)
            self._source, self._binding = b.source, b
            self._let_types[key] = self.infer(b.decl.expr, {p.name: T.from_ref(p.type) for p in b.decl.params})
            self._source, self._binding = saved
        return self._let_types[key]

    def infer(self, e, scope) -> str:
        method = getattr(self, "_" + type(e).__name__.lower())
        return method(e, scope)

    def _literal(self, e, scope):
        return {"decimal": "money"}.get(e.kind, e.kind)

    def _undetermined(self, e, scope):
        return "any"

    def _name(self, e, scope):
        if e.name in scope:
            return scope[e.name]
        if e.name == "super" and getattr(self, "_binding", None) and self._binding.parent:
            return "any"
        b = self.policy.bindings.get(e.name)
        if b is None or b.kind == "def":
            self.error("C001", f"unknown name `{e.name}`", e, help=self._suggest(e.name))
            return "any"
        if b.kind == "input":
            return T.from_ref(b.decl.type)
        if b.kind == "param":
            if b.decl.keys:
                self.error("C017", f"`{e.name}` is keyed by {', '.join(b.decl.keys)}", e,
                           help=f"look a value up with `{e.name}[…]`")
            return T.from_ref(b.decl.type)
        return self.let_type(e.name)

    def _suggest(self, name):
        import difflib
        names = list(self.policy.bindings) + list(T.BUILTINS)
        close = difflib.get_close_matches(name, names, n=1)
        return f"did you mean `{close[0]}`?" if close else None

    def _ruleref(self, e, scope):
        return "rule_id"

    def _attr(self, e, scope):
        dotted = dotted_name(e)
        if dotted and dotted in self.policy.bindings and self.policy.bindings[dotted].kind == "param":
            return T.from_ref(self.policy.bindings[dotted].decl.type)
        obj = T.strip(self.infer(e.obj, scope))
        if obj in T.ATTRIBUTES:
            if e.name not in T.ATTRIBUTES[obj]:
                self.error("C007", f"`{obj}` has no attribute `{e.name}`", e,
                           help="use " + ", ".join(T.ATTRIBUTES[obj]))
                return "any"
            return T.ATTRIBUTES[obj][e.name]
        if T.known(obj):
            self.error("C007", f"`{obj}` has no attribute `{e.name}`", e)
        return "any"

    def _index(self, e, scope):
        name = e.obj.name if isinstance(e.obj, ast.Name) else dotted_name(e.obj)
        b = self.policy.bindings.get(name) if name else None
        if b is None or b.kind != "param":
            if not T.known(self.infer(e.obj, scope)):   # e.g. `decision.amount_due.by_year[2025]`
                for key in e.keys:
                    self.infer(key, scope)
                return "any"
            self.error("C007", "only a keyed parameter or a decision field can be indexed", e)
            return "any"
        if len(e.keys) != len(b.decl.keys):
            self.error("C017", f"`{name}` is keyed by {len(b.decl.keys)} value(s) "
                       f"({', '.join(b.decl.keys) or 'none'}), not {len(e.keys)}", e)
        for i, key in enumerate(e.keys):
            self.expect(key, scope, "int" if i == 0 and b.decl.keys[:1] == ("year",) else "any")
        return T.from_ref(b.decl.type)

    def _call(self, e, scope):
        if e.func == "super":
            return self._super_call(e, scope)
        b = self.policy.bindings.get(e.func)
        if b is not None and b.kind == "def":
            params = b.decl.params
            if len(e.args) != len(params):
                self.error("C008", f"`{e.func}` takes {len(params)} argument(s), {len(e.args)} given", e)
            for arg, p in zip(e.args, params):
                self.expect(arg, scope, T.from_ref(p.type))
            return self.def_type(e.func)
        if e.func not in T.BUILTINS:
            self.error("C001", f"unknown function `{e.func}`", e, help=self._suggest(e.func))
            return "any"
        if e.func == "reading":
            return self._reading(e)
        if e.func == "assume":
            if len(e.args) != 2 or not (isinstance(e.args[1], ast.Literal) and e.args[1].kind == "text"):
                self.error("C008", '`assume` takes a value and a reason: `assume(value, "why")`', e)
                return "any"
            return self.infer(e.args[0], scope)
        params, result = T.BUILTINS[e.func]
        if params is not None and len(e.args) != len(params):
            self.error("C008", f"`{e.func}` takes {len(params)} argument(s), {len(e.args)} given", e)
        arg_types = [self.expect(a, scope, p) if params else self.infer(a, scope)
                     for a, p in zip(e.args, params or [None] * len(e.args))]
        if result == "arg0":
            if len(arg_types) == 1 and T.strip(arg_types[0]).startswith("list["):
                return T.element(arg_types[0])
            return arg_types[0] if arg_types else "any"
        if result == "elem0":
            return T.element(arg_types[0]) if arg_types else "any"
        return result

    def _super_call(self, e, scope):
        b = getattr(self, "_binding", None)
        if b is None or b.parent is None or b.parent.kind != "def":
            self.error("C001", "`super` is only available in a definition that overrides another", e)
        for a in e.args:
            self.infer(a, scope)
        return "any"

    def _reading(self, e):
        if len(e.args) != 1 or not isinstance(e.args[0], ast.RuleRef):
            self.error("C005", "`reading` takes one declared ambiguity ID: `reading(<ID>)`", e)
            return "any"
        amb = e.args[0].id
        if amb not in self.policy.ambiguities:
            self.error("C005", f"unknown ambiguity `{amb}`", e.args[0],
                       help='declare it with `ambiguity ' + amb + ' "question" { option … }`')
            return "any"
        return "option:" + amb

    def _unary(self, e, scope):
        if e.op == "not":
            self.expect(e.operand, scope, "bool")
            return "bool"
        t = self.infer(e.operand, scope)
        if T.known(t) and T.strip(t) not in T.NUMERIC:
            self.error("C007", f"cannot negate `{t}`", e)
        return t

    def _binary(self, e, scope):
        if e.op in ("and", "or"):
            self.expect(e.left, scope, "bool")
            self.expect(e.right, scope, "bool")
            return "bool"
        left, right = self.infer(e.left, scope), self.infer(e.right, scope)
        if e.op in ("in", "not_in"):
            return self._membership(e, left, right)
        if e.op in ("==", "!="):
            if T.known(left) and T.known(right) and not (T.compatible(left, right) or T.compatible(right, left)):
                self.error("C007", f"cannot compare `{left}` with `{right}`", e)
            return "bool"
        if e.op in ("<", "<=", ">", ">="):
            ok = (T.strip(left) in _ORDERED and T.strip(right) in _ORDERED
                  and (T.compatible(left, right) or T.compatible(right, left)))
            if T.known(left) and T.known(right) and not ok:
                self.error("C007", f"cannot order `{left}` and `{right}`", e)
            return "bool"
        return self._arith(e, T.strip(left), T.strip(right))

    def _membership(self, e, left, right):
        right = T.strip(right)
        if right == "window":
            if not T.compatible(left, "date"):
                self.error("C007", f"only a date can be in a window, found `{left}`", e)
        elif right.startswith("list["):
            if not T.compatible(left, T.element(right)) and not T.compatible(T.element(right), left):
                self.error("C007", f"a `{left}` cannot be in a `{right}`", e)
        elif T.known(right):
            self.error("C007", f"`in` needs a list or a window, found `{right}`", e)
        return "bool"

    def _arith(self, e, left, right):
        if not (T.known(left) and T.known(right)):
            return left if T.known(left) and e.op in "+-" and left == "date" else (
                "money" if "money" in (left, right) else "any")
        if e.op == "+" and left.startswith("list[") and right.startswith("list["):
            return left if T.compatible(right, left) else f"list[{T.join(T.element(left), T.element(right))}]"
        if (left, e.op, right) in _ARITH:
            return _ARITH[(left, e.op, right)]
        if left in T.NUMERIC and right in T.NUMERIC:
            return "money"
        self.error("C007", f"cannot apply `{e.op}` to `{left}` and `{right}`", e,
                   help="add months with `d + n months` (clamped to the month end, CONV-2) or days with `d + n days`"
                   if left == "date" else None)
        return "any"

    def _duration(self, e, scope):
        self.expect(e.amount, scope, "int")
        return e.unit

    def _rangeexpr(self, e, scope):
        low, high = self.infer(e.low, scope), self.infer(e.high, scope)
        if T.strip(low) == "date" or T.strip(high) == "date":
            self.expect(e.low, scope, "date")
            self.expect(e.high, scope, "date")
            return "window"
        return "list[int]"

    def _listexpr(self, e, scope):
        t = "any"
        for item in e.items:
            t = T.join(t, self.infer(item, scope)) if t != "any" else self.infer(item, scope)
        return f"list[{t}]"

    def _comprehension(self, e, scope):
        it = self.infer(e.iterable, scope)
        inner = dict(scope, **{e.var: T.element(it)})
        if e.cond is not None:
            self.expect(e.cond, inner, "bool")
        return f"list[{self.infer(e.item, inner)}]"

    def _ifexpr(self, e, scope):
        self.expect(e.cond, scope, "bool")
        return T.join(self.infer(e.then, scope), self.infer(e.else_, scope))

    def _matchexpr(self, e, scope):
        subject = self.infer(e.subject, scope)
        options = None
        if subject.startswith("option:"):
            amb = self.policy.ambiguities[subject[7:]]
            options = [o.name for o in amb.options]
        seen, result, wildcard = [], "any", False
        for arm in e.arms:
            if arm.pattern is None:
                wildcard = True
            elif options is not None:
                name = getattr(arm.pattern, "name", None)
                if name not in options:
                    self.error("C006", f"`{subject[7:]}` has no option `{name or arm.pattern.value}`", arm.pattern,
                               help="its options are: " + ", ".join(options))
                seen.append(name)
            t = self.infer(arm.expr, scope)
            result = t if result == "any" else T.join(result, t)
        if options is not None and not wildcard:
            missing = [o for o in options if o not in seen]
            if missing:
                self.error("C006", f"this match on `{subject[7:]}` does not handle option "
                           + ", ".join(f"`{m}`" for m in missing), e, help="add an arm for each option")
        return result

    def _block(self, e, scope):
        return self.infer(e.expr, self._lets(e.lets, scope))


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


