"""The expressions of the closure backend (compile.py): each becomes a Python closure
`f(ctx, env)`; a strict operation whose operand is undetermined is undetermined, and `and`/`or`
are three-valued (`_kleene`). `ClosureWriter` is mixed into compile.py's compiler, which provides
the named definitions it refers to (`binding_fn`, `def_fn`), `checked`, `coverage`, `source` and
`current`.
"""
from __future__ import annotations

import operator
from datetime import date

from .builtin_functions import BUILTINS, div, is_rounded_quotient, round_quotient
from .dsl import ast
from .names import dotted as dotted_name
from . import dates
from .values import Duration, EvaluationError, Undetermined, Window

_EMPTY: dict = {}
_U = Undetermined


class ClosureWriter:
    """Policy expressions -> closures."""

    def expr(self, e, scope, per_year=False):
        if per_year:
            scope = dict(scope, year="local")
        return getattr(self, "_e_" + type(e).__name__.lower())(e, scope)

    def _e_literal(self, e, scope):
        v = e.value
        return lambda ctx, env: v

    def _e_undetermined(self, e, scope):
        v = Undetermined(e.reason)
        return lambda ctx, env: v

    def _e_ruleref(self, e, scope):
        v = e.id
        return lambda ctx, env: v

    def _e_name(self, e, scope):
        name = e.name
        kind = scope.get(name)
        if kind == "local":
            return lambda ctx, env: env[name]
        if isinstance(kind, tuple) and kind[0] == "slot":
            cell = kind[1]
            return lambda ctx, env: cell[0](ctx)
        if isinstance(kind, tuple) and kind[0] == "parent":
            fn = self.binding_fn(kind[1].name, kind[1])
            return lambda ctx, env: fn(ctx)
        fn = self.binding_fn(name)
        return lambda ctx, env: fn(ctx)

    def _e_attr(self, e, scope):
        dotted = dotted_name(e)
        b = self.checked.bindings.get(dotted) if dotted else None
        if b is not None and b.kind == "param":
            fn = self.binding_fn(dotted)
            return lambda ctx, env: fn(ctx)
        obj, name, span, src = self.expr(e.obj, scope), e.name, e.span, self.source

        def attr(ctx, env):
            v = obj(ctx, env)
            if v.__class__ is _U:
                return v
            if v is None:
                raise EvaluationError("E001", f"`.{name}` of a null value", span, src)
            return getattr(v, name)
        return attr

    def _e_index(self, e, scope):
        name = e.obj.name if isinstance(e.obj, ast.Name) else dotted_name(e.obj)
        b = self.checked.bindings.get(name) if name and name not in scope else None
        if b is None or b.kind != "param":
            return self._index_value(e, scope)
        lookup = self.binding_fn(name)
        keys = [self.expr(k, scope) for k in e.keys]

        def index(ctx, env):
            key = tuple(k(ctx, env) for k in keys)
            for k in key:
                if k.__class__ is _U:
                    return k
            return lookup(ctx, *key)
        return index

    def _index_value(self, e, scope):
        """Indexing a value (a decision field in an invariant): `by_year[2025]`, `reasons[0]`."""
        obj, key, span, src = self.expr(e.obj, scope), self.expr(e.keys[0], scope), e.span, self.source

        def index(ctx, env):
            v, k = obj(ctx, env), key(ctx, env)
            if v.__class__ is _U:
                return v
            try:
                return v[k]
            except (KeyError, IndexError, TypeError) as err:
                raise EvaluationError("E005", f"no item `{k}` here ({err.__class__.__name__})", span, src) from None
        return index

    def _e_call(self, e, scope):
        if is_rounded_quotient(e):   # round(a / b, n): the exact quotient, which `/` alone leaves undetermined
            q = e.args[0]
            return self._builtin(e, [self.expr(x, scope) for x in (q.left, q.right, e.args[1])], round_quotient)
        args = [self.expr(a, scope) for a in e.args]
        if e.func == "reading":
            return self._reading(e.args[0].id)
        if e.func == "assume":
            return self._assume(args[0], e.args[1].value)
        if e.func == "super":
            parent = scope["super"][1]
            fn = self.binding_fn(parent.name, parent)
        elif e.func in self.checked.bindings:
            fn = self.binding_fn(e.func)
        else:
            return self._builtin(e, args)
        if len(args) == 1:
            a0 = args[0]
            return lambda ctx, env: fn(ctx, a0(ctx, env))
        return lambda ctx, env: fn(ctx, *[a(ctx, env) for a in args])

    def _reading(self, amb_id):
        amb = self.checked.ambiguities[amb_id]
        default = next((o.name for o in amb.options if o.default), amb.options[0].name)

        def reading(ctx, env):
            option = ctx.readings.get(amb_id, default)
            ctx.trail.append(("reading", amb_id, option))
            return option
        return reading

    def _assume(self, value, why):
        """`assume(value, "why")`: the value rests on an assumption the decision must report."""
        mark = ("assumed", self.current or "value", why)

        def assume(ctx, env):
            ctx.trail.append(mark)
            return value(ctx, env)
        return assume

    def _builtin(self, e, args, fn=None):
        fn, span, src = fn or BUILTINS[e.func], e.span, self.source
        lenient = e.func in ("is_null", "coalesce", "is_undetermined")

        def call(ctx, env):
            values = [a(ctx, env) for a in args]
            if not lenient:
                for v in values:
                    if v.__class__ is _U:
                        return v
            try:
                return fn(*values)
            except (TypeError, ValueError, ArithmeticError) as err:
                raise EvaluationError("E002", f"`{e.func}` failed: {err}", span, src) from None
        return call

    def _e_unary(self, e, scope):
        operand = self.expr(e.operand, scope)
        if e.op == "not":
            return lambda ctx, env: (lambda v: v if v.__class__ is _U else not v)(operand(ctx, env))
        return lambda ctx, env: (lambda v: v if v.__class__ is _U else -v)(operand(ctx, env))

    def _e_binary(self, e, scope):
        left, right = self.expr(e.left, scope), self.expr(e.right, scope)
        if e.op in ("and", "or"):
            return _kleene(e.op, left, right)
        op, span, sym, src = _OPS[e.op], e.span, e.op, self.source

        def binary(ctx, env):
            a = left(ctx, env)
            if a.__class__ is _U:
                return a
            b = right(ctx, env)
            if b.__class__ is _U:
                return b
            try:
                return op(a, b)
            except (TypeError, ArithmeticError, ValueError, OverflowError) as err:
                raise EvaluationError("E002", f"cannot apply `{sym}` to `{a!r}` and `{b!r}`: {err}", span, src) from None
        return binary

    def _e_duration(self, e, scope):
        amount, unit = self.expr(e.amount, scope), e.unit
        return lambda ctx, env: (lambda n: n if n.__class__ is _U else Duration(unit, n))(amount(ctx, env))

    def _e_rangeexpr(self, e, scope):
        low, high = self.expr(e.low, scope), self.expr(e.high, scope)

        def rng(ctx, env):
            a, b = low(ctx, env), high(ctx, env)
            if a.__class__ is _U:
                return a
            if b.__class__ is _U:
                return b
            return Window(a, b) if isinstance(a, date) else tuple(range(a, b + 1))
        return rng

    def _e_listexpr(self, e, scope):
        items = [self.expr(i, scope) for i in e.items]
        return lambda ctx, env: tuple(i(ctx, env) for i in items)

    def _e_comprehension(self, e, scope):
        inner = dict(scope, **{e.var: "local"})
        item, iterable, var = self.expr(e.item, inner), self.expr(e.iterable, scope), e.var
        cond = self.expr(e.cond, inner) if e.cond is not None else None

        def comprehension(ctx, env):
            seq = iterable(ctx, env)
            if seq.__class__ is _U:
                return seq
            out = []
            for x in seq:
                local = dict(env)
                local[var] = x
                if cond is not None:
                    c = cond(ctx, local)
                    if c.__class__ is _U:
                        return c
                    if not c:
                        continue
                out.append(item(ctx, local))
            return tuple(out)
        return comprehension

    def _e_ifexpr(self, e, scope):
        cond, then, other = self.expr(e.cond, scope), self.expr(e.then, scope), self.expr(e.else_, scope)
        if self.coverage is not None:   # coverage build: record which arm runs
            then, other = (self.coverage.probe(self.source, e, "then", then),
                           self.coverage.probe(self.source, e, "else", other))

        def if_(ctx, env):
            c = cond(ctx, env)
            if c.__class__ is _U:
                return c
            return then(ctx, env) if c else other(ctx, env)
        return if_

    def _e_matchexpr(self, e, scope):
        subject = self.expr(e.subject, scope)
        arms = [(None if a.pattern is None else
                 a.pattern.name if isinstance(a.pattern, ast.Name) else a.pattern.value,
                 a.pattern is None, self.expr(a.expr, scope)) for a in e.arms]
        if self.coverage is not None:   # coverage build: record which arm runs
            arms = [(p, w, self.coverage.probe(self.source, a, None, body)) for (p, w, body), a in zip(arms, e.arms)]
        span, src = e.span, self.source

        def match(ctx, env):
            v = subject(ctx, env)
            if v.__class__ is _U:
                return v
            for pattern, wildcard, body in arms:
                if wildcard or pattern == v:
                    return body(ctx, env)
            raise EvaluationError("E003", f"no arm of this match handles `{v}`", span, src)
        return match

    def _e_block(self, e, scope):
        inner = dict(scope)
        lets = []
        for let in e.lets:
            lets.append((let.name, self.expr(let.expr, inner)))
            inner[let.name] = "local"
        body = self.expr(e.expr, inner)

        def block(ctx, env):
            local = dict(env)
            for name, fn in lets:
                local[name] = fn(ctx, local)
            return body(ctx, local)
        return block


def _kleene(op, left, right):
    """Three-valued and/or: an undetermined side decides only when the other side cannot."""
    stop = op == "or"   # `true or …` is true; `false and …` is false

    def logic(ctx, env):
        a = left(ctx, env)
        if a is stop:
            return a
        b = right(ctx, env)
        if b is stop:
            return b
        if a.__class__ is _U:
            return a
        if b.__class__ is _U:
            return b
        return not stop
    return logic


def _add(a, b):
    if isinstance(b, Duration):
        return dates.add_months(a, b.n) if b.unit == "months" else dates.add_days(a, b.n)
    return a + b


def _sub(a, b):
    if isinstance(b, Duration):
        return dates.add_months(a, -b.n) if b.unit == "months" else dates.add_days(a, -b.n)
    return a - b


def _in(a, b):
    return a in b


_OPS = {"+": _add, "-": _sub, "*": operator.mul, "/": div, "==": operator.eq, "!=": operator.ne,
        "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "in": _in, "not_in": lambda a, b: a not in b}
