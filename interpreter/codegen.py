"""generate(checked) -> CompiledPolicy: the fast backend. Every definition, route clause and field
becomes a generated Python function, and every expression one Python expression in it.

The semantics are exactly those of compile.py's closures (tests/test_backends.py holds the two
together): an undetermined operand makes a strict operation undetermined — written inline as
`(t if (t := x).__class__ is U else …)` — `and`/`or` are three-valued, and every named definition
is memoized per evaluation with the provenance marks it depends on, and a rule's definition adds
the same `--explain` trace entry when it is computed. The closure backend remains the one used for
coverage builds, invariants and one-off CLI evaluations (it builds quicker).

What keeps it fast: a zero-argument definition used twice in one function is called once there
(`function_body`); a memoized value's provenance is kept by reference (its frozen trail), not
copied (evaluate.marks expands it once per decision); constants skip the undetermined checks;
`d + n months` calls the date arithmetic directly.
"""
from __future__ import annotations

import keyword
from datetime import date
from decimal import Decimal

from .dsl import ast
from .names import dotted as dotted_name
from . import compile as closures
from . import dates
from .builtin_functions import BUILTINS, div, max_of, min_of
from .compiled import CompiledOffer, CompiledPolicy, CompiledRoute, default_readings, input_paths, trace_entry
from .codegen_runtime import RUNTIME_ERRORS, Keyed, NOT_YET, Unique, fail, no_match, range_of
from .values import Duration, Undetermined, Window

# built-in functions of one date or year argument (a plain name here), as Python expressions
_INLINE = {"first_of_month": "date({0}.year, {0}.month, 1)", "year_start": "date({0}, 1, 1)",
           "year_end": "date({0}, 12, 31)"}
_OPS = {"+": "+", "-": "-", "*": "*", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!=",
        "in": "in", "not_in": "not in"}


def generate(checked) -> CompiledPolicy:
    gen = _Generator(checked)
    routes = [gen.route(r) for r in checked.routes]
    defaults = {}
    for name, (field, source) in checked.defaults.items():
        gen.at(source, "defaults")
        defaults[name] = gen.field_fn(field, {}, per_year=name == "amount")
    functions = {n: gen.binding_ref(b) for n, b in checked.bindings.items() if b.kind == "def"}
    namespace = gen.finish()
    resolve = lambda ref: namespace[ref] if isinstance(ref, str) else ref
    routes = tuple(CompiledRoute(r.name, r.rule, resolve(r.when), tuple((resolve(f), rule, msg) for f, rule, msg in r.requires),
                                 tuple(CompiledOffer(o.rule, resolve(o.when), o.assumed, {k: resolve(v) for k, v in o.fields.items()})
                                       for o in r.offers),
                                 {k: resolve(v) for k, v in r.fields.items()}, r.source, r.span) for r in routes)
    return CompiledPolicy(checked, routes, {k: resolve(v) for k, v in defaults.items()},
                          input_paths(checked), {k: namespace[v] for k, v in functions.items()},
                          default_readings(checked), closures.compile_invariants(checked))


class _Generator:
    def __init__(self, checked):
        self.checked = checked
        self.ns = {"U": Undetermined, "Duration": Duration, "Window": Window, "date": date, "Decimal": Decimal,
                   "_fail": fail, "_ERRORS": RUNTIME_ERRORS, "_div": div, "_nomatch": no_match,
                   "_range": range_of, "_Keyed": Keyed, "_EMPTY": {}, "_NOT": NOT_YET,
                   "_add_months": dates.add_months, "_add_days": dates.add_days,
                   "_max_of": max_of, "_min_of": min_of}
        for name, fn in BUILTINS.items():
            self.ns["B_" + name] = fn
        self.lines: list[str] = []
        self.names: dict = {}          # (binding name, id) -> generated function name
        self.pending: list = []
        self.counter = 0
        self.source, self.current = None, None
        self.safe: set = set()         # generated expressions that can never be undetermined
        self.frames: list = []         # per generated function: {zero-argument call: uses}

    # ---- bookkeeping
    def fresh(self, prefix="_t") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def const(self, value) -> str:
        name = self.fresh("K")
        self.ns[name] = value
        return name

    def at(self, source, current):
        self.source, self.current = source, current

    def emit(self, *lines):
        self.lines.extend(lines)

    def finish(self) -> dict:
        while self.pending:
            b, name = self.pending.pop()
            saved = self.source, self.current
            self.at(b.source, b.name)
            getattr(self, "_gen_" + b.kind)(b, name)
            self.source, self.current = saved
        exec(compile("\n".join(self.lines) + "\n", f"<policy {self.checked.name}>", "exec"), self.ns)
        return self.ns

    def binding_ref(self, b) -> str:
        key = (b.name, id(b))
        if key not in self.names:
            self.names[key] = self.fresh({"let": "L", "def": "D", "param": "P", "input": "I"}[b.kind] + "_")
            self.pending.append((b, self.names[key]))
        return self.names[key]

    def _guard(self, body_expr, indent="        "):
        """Statements evaluating `body_expr` into `v`, turning a Python error into an EvaluationError."""
        src, span = self.const(self.source), self.const(getattr(self._node, "span", None))
        return [f"{indent}try:", f"{indent}    v = {body_expr}",
                f"{indent}except _ERRORS as err:", f"{indent}    raise _fail(err, {src}, {span}) from None"]

    def _memo(self, name, params, key_expr, marks, body, binding=None):
        """A memoized definition: the same protocol as compiled.force(). `body` is a
        (setup lines, expression) pair from `function_body`; a rule's `binding` is traced."""
        setup, body_expr = body
        entry = trace_entry(self.checked, binding) if binding is not None else None
        trace = [] if entry is None else [
            "        if ctx.trace is not None:",
            f"            ctx.trace.append({self.const(entry)}(v, ({''.join(p + ', ' for p in params)})))"]
        self.emit(f"def {name}(ctx{''.join(', ' + p for p in params)}):",
                  f"    key = {key_expr}",
                  "    hit = ctx.memo.get(key)",
                  "    if hit is None:",
                  "        saved = ctx.trail",
                  f"        ctx.trail = t = [{', '.join(marks)}]",
                  *("        " + line for line in setup),
                  *self._guard(body_expr),
                  "        p = t[0] if len(t) == 1 else tuple(t)",   # compiled.frozen, inline
                  "        ctx.memo[key] = (v, p)",
                  "        ctx.trail = saved",
                  *trace,
                  "        if p:",
                  "            saved.append(p)",
                  "        return v",
                  "    if hit[1]:",
                  "        ctx.trail.append(hit[1])",
                  "    return hit[0]", "")

    def _marks(self, b):
        return [self.const(b.rule)] if b.rule else []

    # ---- per-function reuse of zero-argument definitions
    def function_body(self, build):
        """Generate one function's body expression with `build()`; a memoized zero-argument
        definition it uses more than once is called once and kept in a local (`c_…`). Exact: the
        first call already added its provenance to the trail, which is the same list for the
        whole body (a memoized callee saves and restores it). Returns (setup lines, expression)."""
        setup, (expr,) = self.function_body_parts(lambda: (build(),))
        return setup, expr

    def function_body_parts(self, build):
        """function_body for a function made of several expressions (None: absent)."""
        self.frames.append({})
        try:
            parts = build()
        finally:
            uses = self.frames.pop()
        setup = []
        for ref, n in uses.items():
            mark, call = f"\0{ref}\0", f"{ref}(ctx)"
            if n > 1:
                local = "c_" + ref
                setup.append(f"{local} = _NOT")
                call = f"({local} if {local} is not _NOT else ({local} := {call}))"
            parts = tuple(p if p is None else p.replace(mark, call) for p in parts)
        return setup, parts

    def call0(self, ref) -> str:
        """A call of a zero-argument definition (see function_body)."""
        if not self.frames:
            return f"{ref}(ctx)"
        frame = self.frames[-1]
        frame[ref] = frame.get(ref, 0) + 1
        return f"\0{ref}\0"

    # ---- named definitions
    def _gen_input(self, b, name):
        self.emit(f"def {name}(ctx):", f"    return ctx.values[{self.const(b.decl.path)}]", "")

    def _gen_let(self, b, name):
        self._node = b.decl
        body = self.function_body(lambda: self.expr(b.decl.expr, self._super_scope(b)))
        self._memo(name, [], self.const(Unique()), self._marks(b), body, b)

    def _gen_def(self, b, name):
        self._node = b.decl
        params = [_py(p.name) for p in b.decl.params]
        scope = dict(self._super_scope(b), **{p.name: _py(p.name) for p in b.decl.params})
        body = self.function_body(lambda: self.expr(b.decl.expr, scope))
        key = f"({self.const(Unique())}{''.join(', ' + p for p in params)})"
        self._memo(name, params, key, self._marks(b), body, b)

    def _super_scope(self, b):
        return {"super": ("parent", b.parent)} if b.parent is not None else {}

    def _gen_param(self, b, name):
        decl = b.decl
        if not decl.keys:
            self._node = decl
            body = self.function_body(lambda: self._entry_expr(decl.entries[0], b.name, ()))
            inner = name + "_value"
            self._memo(inner, [], self.const(Unique()), self._marks(b), body)
            override = self.const(b.name)
            self.emit(f"def {name}(ctx):", f"    if {override} in ctx.overrides:",
                      f"        return ctx.overrides[{override}]", f"    return {inner}(ctx)", "")
            return
        entries = []
        for entry in decl.entries:
            self._node = entry
            fn = self.fresh("E_")
            params = [_py(k) for k in decl.keys]
            setup, body = self.function_body(lambda: self._entry_expr(entry, b.name, decl.keys))
            self.emit(f"def {fn}(ctx, {', '.join(params)}):", *("    " + line for line in setup),
                      *self._guard(body, "    "), "    return v", "")
            closed = self._closed(entry.value.expr, frozenset(decl.keys))
            entries.append(f"({self.const(entry.key)}, {fn}, {closed})")
        marks = self.const((b.rule,) if b.rule else ())
        self.emit(f"{name} = _Keyed({self.const(b.name)}, [{', '.join(entries)}], {marks})", "")

    def _closed(self, e, bound) -> bool:
        """Whether expression `e` reads nothing but the names `bound` and constants (no input,
        definition, parameter or reading), so that its value and provenance are the same in every
        evaluation. Conservative: anything else is not closed."""
        closed = self._closed
        if isinstance(e, (ast.Literal, ast.Undetermined, ast.RuleRef)):
            return True
        if isinstance(e, ast.Name):
            return e.name in bound
        if isinstance(e, ast.Call):
            if e.func == "assume":
                return closed(e.args[0], bound)
            return e.func in BUILTINS and e.func not in self.checked.bindings and all(closed(a, bound) for a in e.args)
        if isinstance(e, ast.Comprehension):
            inner = bound | {e.var}
            return closed(e.iterable, bound) and closed(e.item, inner) and (e.cond is None or closed(e.cond, inner))
        if isinstance(e, ast.Block):
            for let in e.lets:
                if not closed(let.expr, bound):
                    return False
                bound = bound | {let.name}
            return closed(e.expr, bound)
        parts = {ast.Unary: ("operand",), ast.Binary: ("left", "right"), ast.Duration: ("amount",),
                 ast.RangeExpr: ("low", "high"), ast.IfExpr: ("cond", "then", "else_")}.get(type(e))
        if parts is not None:
            return all(closed(getattr(e, part), bound) for part in parts)
        if isinstance(e, ast.ListExpr):
            return all(closed(item, bound) for item in e.items)
        if isinstance(e, ast.MatchExpr):
            return closed(e.subject, bound) and all(closed(arm.expr, bound) for arm in e.arms)
        return False   # an attribute (an input's field), an index (a parameter table), …

    def _entry_expr(self, entry, name, keys):
        body = self.expr(entry.value.expr, {k: _py(k) for k in keys})
        assumed = [p.text for p in entry.value.provenance if p.kind == "assumed"]
        if not assumed:
            return body
        values = "".join(_py(k) + ", " for k in keys)
        what = (f"({self.const(name)} + '[' + ', '.join(str(x) for x in ({values})) + ']')" if keys
                else self.const(name))
        return f"(ctx.trail.append(('assumed', {what}, {self.const(assumed[0])})) or {body})"

    # ---- routes
    def route(self, info):
        decl = info.decl
        self.at(info.source, f"route {decl.name}")
        self._node = decl
        scope = self._local_lets(decl.items, ("route", decl.name), {})
        when = next((self.clause_fn(i.expr, scope) for i in decl.items if isinstance(i, ast.WhenClause)), None)
        requires = tuple((self.clause_fn(i.expr, scope), i.rule, i.message)
                         for i in decl.items if isinstance(i, ast.RequireClause))
        offers = []
        for n, offer in enumerate(i for i in decl.items if isinstance(i, ast.OfferDecl)):
            inner = self._local_lets(offer.items, ("offer", decl.name, n), scope)
            offers.append(CompiledOffer(offer.by, self.clause_fn(offer.when, inner) if offer.when is not None else None,
                                        offer.assumed, self._fields(offer.items, inner)))
        return CompiledRoute(decl.name, info.rule, when, requires, tuple(offers), self._fields(decl.items, scope),
                             info.source, decl.span)

    def _fields(self, items, scope):
        return {i.name: self.field_fn(i, scope, i.name == "amount") for i in items if isinstance(i, ast.Field)}

    def field_fn(self, field, scope, per_year=False):
        self._node = field
        return self.clause_fn(field.expr, scope, per_year)

    def clause_fn(self, expr, scope, per_year=False):
        name = self.fresh("F_")
        if per_year:
            scope = dict(scope, year="v_year")
        setup, body = self.function_body(lambda: self.expr(expr, scope))
        head = ['    v_year = env.get("year")'] if per_year else []
        self.emit(f"def {name}(ctx, env):", *head, *("    " + line for line in setup),
                  *self._guard(body, "    "), "    return v", "")
        return name

    def _local_lets(self, items, prefix, scope):
        scope = dict(scope)
        lets = [i for i in items if isinstance(i, ast.LetDecl)]
        names = {let.name: self.fresh("RL_") for let in lets}
        for let in lets:
            scope[let.name] = ("slot", names[let.name])
        for let in lets:
            self._node = let
            self._memo(names[let.name], [], self.const(Unique()), [],
                       self.function_body(lambda: self.expr(let.expr, scope)))
        return scope

    # ---- expressions: each returns Python source for one expression
    def expr(self, e, scope) -> str:
        return getattr(self, "_e_" + type(e).__name__.lower())(e, scope)

    def strict(self, parts, build):
        """Evaluate `parts` left to right; the first undetermined one is the result."""
        temps = [p if p in self.safe else self.fresh() for p in parts]
        body = build(*temps)
        for t, p in reversed(list(zip(temps, parts))):
            if t is not p:
                body = f"({t} if ({t} := {p}).__class__ is U else {body})"
        return body

    def safe_const(self, value) -> str:
        name = self.const(value)
        self.safe.add(name)
        return name

    def _e_literal(self, e, scope):
        if e.value is None or isinstance(e.value, (bool, int)):
            self.safe.add(repr(e.value))
            return repr(e.value)
        return self.safe_const(e.value)

    def _e_undetermined(self, e, scope):
        return self.const(Undetermined(e.reason))

    def _e_ruleref(self, e, scope):
        return repr(e.id)

    def _e_name(self, e, scope):
        kind = scope.get(e.name)
        if isinstance(kind, str):
            return kind
        if isinstance(kind, tuple) and kind[0] == "slot":
            return self.call0(kind[1])
        if isinstance(kind, tuple) and kind[0] == "parent":
            return self.call0(self.binding_ref(kind[1]))
        b = self.checked.bindings[e.name]
        if b.kind == "input":
            return f"ctx.values[{self.const(b.decl.path)}]"
        return self.param_ref(b)

    def _e_attr(self, e, scope):
        dotted = dotted_name(e)
        b = self.checked.bindings.get(dotted) if dotted else None
        if b is not None and b.kind == "param":
            return self.param_ref(b)
        attr = f".{e.name}" if e.name.isidentifier() and not keyword.iskeyword(e.name) else None
        return self.strict([self.expr(e.obj, scope)],
                           lambda o: f"{o}{attr}" if attr else f"getattr({o}, {e.name!r})")

    def param_ref(self, b) -> str:
        """A named value: a call of its generated function, except that a scalar parameter whose
        value is a plain literal is written in place (its override and its rule mark kept)."""
        decl = b.decl
        if b.kind != "param" or decl.keys or not isinstance(decl.entries[0].value.expr, ast.Literal) \
                or any(p.kind == "assumed" for p in decl.entries[0].value.provenance):
            return self.call0(self.binding_ref(b))
        value, name = self.expr(decl.entries[0].value.expr, {}), self.const(b.name)
        if b.rule:
            value = f"(ctx.trail.append({self.const(b.rule)}) or {value})"   # append() is None
        return f"(ctx.overrides[{name}] if {name} in ctx.overrides else {value})"

    def _e_index(self, e, scope):
        name = e.obj.name if isinstance(e.obj, ast.Name) else dotted_name(e.obj)
        b = self.checked.bindings[name]
        ref = self.binding_ref(b)
        return self.strict([self.expr(k, scope) for k in e.keys], lambda *ks: f"{ref}(ctx, {', '.join(ks)})")

    def _e_call(self, e, scope):
        if e.func == "reading":
            return self._reading(e.args[0].id)
        if e.func == "assume":
            mark = self.const(("assumed", self.current or "value", e.args[1].value))
            return f"(ctx.trail.append({mark}) or {self.expr(e.args[0], scope)})"
        args = [self.expr(a, scope) for a in e.args]
        if e.func == "super":
            return f"{self.binding_ref(scope['super'][1])}(ctx{''.join(', ' + a for a in args)})"
        if e.func in self.checked.bindings:
            return f"{self.binding_ref(self.checked.bindings[e.func])}(ctx{''.join(', ' + a for a in args)})"
        if e.func in ("is_null", "coalesce", "is_undetermined"):
            return f"B_{e.func}({', '.join(args)})"
        if e.func in ("min", "max") and len(args) > 1:   # scalars, each checked by `strict`
            return self.strict(args, lambda *ts: f"{e.func}({', '.join(ts)})")
        if e.func in ("min", "max"):   # one list
            return self.strict(args, lambda t: f"_{e.func}_of({t})")
        if e.func in _INLINE:   # a one-line date function, written in place of the call
            return self.strict(args, lambda t: _INLINE[e.func].format(t))
        return self.strict(args, lambda *ts: f"B_{e.func}({', '.join(ts)})")

    def _reading(self, amb_id):
        amb = self.checked.ambiguities[amb_id]
        default = next((o.name for o in amb.options if o.default), amb.options[0].name)
        fn = self.fresh("R_")
        self.emit(f"def {fn}(ctx):", f"    o = ctx.readings.get({amb_id!r}, {default!r})",
                  f"    ctx.trail.append(('reading', {amb_id!r}, o))", "    return o", "")
        return f"{fn}(ctx)"

    def _e_unary(self, e, scope):
        op = "not " if e.op == "not" else "-"
        return self.strict([self.expr(e.operand, scope)], lambda a: f"({op}{a})")

    def _e_binary(self, e, scope):
        left, right = self.expr(e.left, scope), self.expr(e.right, scope)
        if e.op in ("and", "or"):
            stop = "False" if e.op == "and" else "True"
            a, b = self.fresh(), self.fresh()
            return (f"({stop} if ({a} := {left}) is {stop} else ({stop} if ({b} := {right}) is {stop} else "
                    f"({a} if {a}.__class__ is U else ({b} if {b}.__class__ is U else {'not ' + stop}))))")
        if e.op == "/":
            return self.strict([left, right], lambda a, b: f"_div({a}, {b})")
        if e.op in ("+", "-") and isinstance(e.right, ast.Duration):   # date ± n months|days (checked)
            fn, sign = f"_add_{e.right.unit}", "-" if e.op == "-" else ""
            return self.strict([left, self.expr(e.right.amount, scope)], lambda a, n: f"{fn}({a}, {sign}{n})")
        op = _OPS[e.op]
        return self.strict([left, right], lambda a, b: f"({a} {op} {b})")

    def _e_duration(self, e, scope):
        if isinstance(e.amount, ast.Literal) and isinstance(e.amount.value, int):
            return self.safe_const(Duration(e.unit, e.amount.value))
        return self.strict([self.expr(e.amount, scope)], lambda n: f"Duration({e.unit!r}, {n})")

    def _e_rangeexpr(self, e, scope):
        return self.strict([self.expr(e.low, scope), self.expr(e.high, scope)], lambda a, b: f"_range({a}, {b})")

    def _e_listexpr(self, e, scope):
        return "(" + "".join(self.expr(i, scope) + ", " for i in e.items) + ")"

    def _e_comprehension(self, e, scope):
        """A generated loop function: the iterable and the condition are strict, items are not."""
        fn = self.fresh("C_")
        free = sorted({v for v in scope.values() if isinstance(v, str)})
        var = self.fresh("v_")
        inner = dict(scope, **{e.var: var})
        setup, (it, cond, item) = self.function_body_parts(lambda: (
            self._iterable(e.iterable, scope), self.expr(e.cond, inner) if e.cond is not None else None,
            self.expr(e.item, inner)))
        body = [f"def {fn}(ctx{''.join(', ' + f for f in free)}):", *("    " + line for line in setup),
                f"    seq = {it}",
                "    if seq.__class__ is U:", "        return seq", "    out = []", f"    for {var} in seq:"]
        if cond is not None:
            body += [f"        c = {cond}", "        if c.__class__ is U:", "            return c",
                     "        if not c:", "            continue"]
        body += [f"        out.append({item})", "    return tuple(out)", ""]
        self.emit(*body)
        return f"{fn}(ctx{''.join(', ' + f for f in free)})"

    def _iterable(self, e, scope):
        """A comprehension's iterable: `a .. b` of integers is iterated as a Python range, never
        built as the tuple the value `a .. b` is."""
        if not isinstance(e, ast.RangeExpr):
            return self.expr(e, scope)
        return self.strict([self.expr(e.low, scope), self.expr(e.high, scope)],
                           lambda a, b: f"(range({a}, {b} + 1) if {a}.__class__ is int else _range({a}, {b}))")

    def _e_ifexpr(self, e, scope):
        then, other = self.expr(e.then, scope), self.expr(e.else_, scope)
        return self.strict([self.expr(e.cond, scope)], lambda c: f"({then} if {c} else {other})")

    def _e_matchexpr(self, e, scope):
        span = self.const(e.span)
        src = self.const(self.source)

        def build(s):
            out = f"_nomatch({s}, {src}, {span})"
            for arm in reversed(e.arms):
                body = self.expr(arm.expr, scope)
                if arm.pattern is None:
                    out = body
                else:
                    value = arm.pattern.name if isinstance(arm.pattern, ast.Name) else arm.pattern.value
                    out = f"({body} if {s} == {self.const(value)} else {out})"
            return out
        return self.strict([self.expr(e.subject, scope)], build)

    def _e_block(self, e, scope):
        inner, parts = dict(scope), []
        for let in e.lets:
            value = self.expr(let.expr, inner)
            inner[let.name] = name = self.fresh("v_")
            parts.append(f"({name} := {value})")
        return "(" + "".join(p + ", " for p in parts) + self.expr(e.expr, inner) + ")[-1]"


def _py(name: str) -> str:
    return "v_" + name
