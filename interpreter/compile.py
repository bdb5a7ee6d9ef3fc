"""compile(checked) -> CompiledPolicy: every expression becomes a Python closure `f(ctx, env)`.

Evaluation never walks the AST. Each named definition is memoized per evaluation together with
the provenance marks (rules, readings, assumptions) that its value depends on, so a decision can
say which rules decided each output however often a value is reused.
"""
from __future__ import annotations

from .compile_expr import ClosureWriter
from .compiled import (CompiledOffer, CompiledPolicy, CompiledRoute, default_readings, force, input_paths,
                       trace_entry)
from .dsl import ast
from . import wording
from .values import Undetermined

_EMPTY: dict = {}


def compile_policy(checked, coverage=None) -> CompiledPolicy:
    """`coverage`: a coverage.Collector for a coverage build (`policyrun test --coverage`), whose
    closures record the branches they run; None (the normal build) adds nothing to any closure."""
    c = _Compiler(checked, coverage)
    routes = tuple(c.route(r) for r in checked.routes)
    defaults = {}
    for name, (f, source) in checked.defaults.items():
        c.source, c.current = source, "defaults"
        defaults[name] = c.expr(f.expr, {}, f.name == "amount")
    functions = {n: c.def_fn(n) for n, b in checked.bindings.items() if b.kind == "def"}
    return CompiledPolicy(checked, routes, defaults, input_paths(checked), functions,
                          default_readings(checked), compile_invariants(checked, c))


def compile_invariants(checked, compiler=None) -> tuple:
    """(InvariantDecl, Source, when, holds) closures; `decision` is bound to a DecisionView."""
    c = compiler or _Compiler(checked)
    invariants = []
    for decl, source in checked.invariants:
        c.source, c.current = source, f"invariant {decl.name}"
        scope = {"decision": "local"}
        when = c.expr(decl.when, scope) if decl.when is not None else None
        invariants.append((decl, source, when, c.expr(decl.holds, scope)))
    return tuple(invariants)


class _Compiler(ClosureWriter):
    """Definitions, routes and fields -> closures (the expressions in them: compile_expr)."""

    def __init__(self, checked, coverage=None):
        self.checked = checked
        self.coverage = coverage           # a coverage.Collector in a coverage build, else None
        self.cells: dict[str, list] = {}   # binding name -> [fn]; filled on first use (allows cycles)
        self.source = None                 # the file of the expression being compiled (for errors)
        self.current = None                # the definition being compiled (names assumptions)

    # ---- named definitions
    def binding_fn(self, name, binding=None):
        key = name if binding is None else (name, id(binding))
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = [None]
            b = binding or self.checked.bindings[name]
            saved = self.source, self.current
            self.source, self.current = b.source, b.name
            cell[0] = getattr(self, "_" + b.kind)(b)
            self.source, self.current = saved
        if cell[0] is not None:
            return cell[0]
        return lambda *a: cell[0](*a)    # a recursive definition still being compiled

    def def_fn(self, name):
        return self.binding_fn(name)

    def _marks(self, b):
        return (b.rule,) if b.rule else ()

    def _label(self, b, args=()):
        entry = trace_entry(self.checked, b)
        return None if entry is None else (lambda value: entry(value, args))

    def _input(self, b):
        path = b.decl.path
        return lambda ctx: ctx.values[path]

    def _let(self, b):
        body = self.expr(b.decl.expr, self._super_scope(b))
        marks, label, key = self._marks(b), self._label(b), ("let", b.name, b.rule)
        return lambda ctx: force(ctx, key, lambda: body(ctx, _EMPTY), marks, label)

    def _def(self, b):
        names = [p.name for p in b.decl.params]
        body = self.expr(b.decl.expr, dict(self._super_scope(b), **{n: "local" for n in names}))
        marks, name, rule = self._marks(b), b.name, b.rule

        def call(ctx, *args):
            label = self._label(b, args) if ctx.trace is not None else None
            return force(ctx, ("def", name, rule, args), lambda: body(ctx, dict(zip(names, args))), marks, label)
        return call

    def _super_scope(self, b):
        return {"super": ("parent", b.parent)} if b.parent is not None else {}

    def _param(self, b):
        decl, marks, name = b.decl, self._marks(b), b.name
        if not decl.keys:
            entry = decl.entries[0]
            value = self._entry_value(entry, name, ())

            def scalar(ctx):
                if name in ctx.overrides:
                    return ctx.overrides[name]
                return force(ctx, ("param", name), lambda: value(ctx, _EMPTY), marks)
            return scalar
        exact, ranged = {}, []
        for entry in decl.entries:
            fn = self._entry_value(entry, name, decl.keys)
            parts = entry.key
            rest = tuple(p.value for p in parts[1:])
            first = parts[0]
            if first.kind == "int":
                exact.setdefault((first.value,) + rest, fn)
            else:
                ranged.append((first, rest, fn))
        keys = decl.keys

        def lookup(ctx, *key):
            fn = exact.get(key)
            if fn is None:
                for first, rest, candidate in ranged:
                    if rest == key[1:] and (first.kind == "any" or first.value[0] <= key[0] <= first.value[1]):
                        fn = candidate
                        break
            if fn is None:
                return Undetermined(wording.NO_VALUE(name=name, key=", ".join(map(str, key))))
            return force(ctx, ("param", name, key), lambda: fn(ctx, dict(zip(keys, key))), marks)
        return lookup

    def _entry_value(self, entry, name, keys):
        body = self.expr(entry.value.expr, {k: "local" for k in keys})
        assumed = [p.text for p in entry.value.provenance if p.kind == "assumed"]
        if not assumed:
            return body

        def with_mark(ctx, env):
            key = ", ".join(str(env[k]) for k in keys)
            ctx.trail.append(("assumed", f"{name}[{key}]" if key else name, assumed[0]))
            return body(ctx, env)
        return with_mark

    # ---- routes
    def route(self, info):
        decl = info.decl
        self.source, self.current = info.source, f"route {decl.name}"
        scope = self._local_lets(decl.items, ("route", decl.name), {})
        when = next((self.expr(i.expr, scope) for i in decl.items if isinstance(i, ast.WhenClause)), None)
        requires = tuple((self.expr(i.expr, scope), i.rule, i.message)
                         for i in decl.items if isinstance(i, ast.RequireClause))
        offers = tuple(self._offer(o, n, decl.name, scope)
                       for n, o in enumerate(i for i in decl.items if isinstance(i, ast.OfferDecl)))
        fields = self._fields(decl.items, scope)
        if self.coverage is not None:   # coverage build: record which requires and offers run
            requires, offers, fields = self.coverage.instrument_route(self.source, decl, requires, offers, fields)
        return CompiledRoute(decl.name, info.rule, when, requires, offers, fields,
                             info.source, decl.span)

    def _offer(self, offer, n, route, scope):
        scope = self._local_lets(offer.items, ("offer", route, n), scope)
        when = self.expr(offer.when, scope) if offer.when is not None else None
        return CompiledOffer(offer.by, when, offer.assumed, self._fields(offer.items, scope))

    def _fields(self, items, scope):
        return {i.name: self.expr(i.expr, scope, i.name == "amount") for i in items if isinstance(i, ast.Field)}

    def _local_lets(self, items, prefix, scope):
        """Route and offer lets: memoized per evaluation, visible to every clause of the block."""
        scope = dict(scope)
        cells = {}
        for item in items:
            if isinstance(item, ast.LetDecl):
                cells[item.name] = cell = [None]
                scope[item.name] = ("slot", cell)
        for item in items:
            if isinstance(item, ast.LetDecl):
                body, key = self.expr(item.expr, scope), prefix + (item.name,)
                cells[item.name][0] = (lambda body, key: lambda ctx: force(ctx, key, lambda: body(ctx, _EMPTY), ()))(body, key)
        return scope
