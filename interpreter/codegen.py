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
copied (provenance.marks expands it once per decision); constants skip the undetermined checks;
`d + n months` calls the date arithmetic directly.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from .dsl import ast
from . import compile as closures
from . import dates
from .builtin_functions import BUILTINS, div, max_of, min_of, round_quotient
from .codegen_expr import ExpressionWriter
from .compiled import CompiledOffer, CompiledPolicy, CompiledRoute, default_readings, input_paths, trace_entry
from .codegen_runtime import RUNTIME_ERRORS, Keyed, NOT_YET, Unique, fail, no_match, range_of
from .values import Duration, Undetermined, Window


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


class _Generator(ExpressionWriter):
    """Definitions, routes and fields -> generated functions (the expressions in them: codegen_expr)."""

    def __init__(self, checked):
        self.checked = checked
        self.ns = {"U": Undetermined, "Duration": Duration, "Window": Window, "date": date, "Decimal": Decimal,
                   "_fail": fail, "_ERRORS": RUNTIME_ERRORS, "_div": div, "_nomatch": no_match,
                   "_range": range_of, "_Keyed": Keyed, "_EMPTY": {}, "_NOT": NOT_YET,
                   "_add_months": dates.add_months, "_add_days": dates.add_days,
                   "_max_of": max_of, "_min_of": min_of, "_round_quotient": round_quotient}
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
        params = [py_name(p.name) for p in b.decl.params]
        scope = dict(self._super_scope(b), **{p.name: py_name(p.name) for p in b.decl.params})
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
            params = [py_name(k) for k in decl.keys]
            setup, body = self.function_body(lambda: self._entry_expr(entry, b.name, decl.keys))
            self.emit(f"def {fn}(ctx, {', '.join(params)}):", *("    " + line for line in setup),
                      *self._guard(body, "    "), "    return v", "")
            closed = self._closed(entry.value.expr, frozenset(decl.keys))
            entries.append(f"({self.const(entry.key)}, {fn}, {closed})")
        marks = self.const((b.rule,) if b.rule else ())
        self.emit(f"{name} = _Keyed({self.const(b.name)}, [{', '.join(entries)}], {marks})", "")

    def _entry_expr(self, entry, name, keys):
        body = self.expr(entry.value.expr, {k: py_name(k) for k in keys})
        assumed = [p.text for p in entry.value.provenance if p.kind == "assumed"]
        if not assumed:
            return body
        values = "".join(py_name(k) + ", " for k in keys)
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


def py_name(name: str) -> str:
    """A policy parameter's name in generated code: prefixed, so that it can be neither a Python
    keyword nor one of the generator's own names."""
    return "v_" + name
