"""The expressions of codegen.py's generated code: each policy expression becomes one Python
expression (source text), with the closures' semantics (compile.py): a strict operation whose
operand is undetermined is undetermined — `(t if (t := x).__class__ is U else …)` — and `and`/`or`
are three-valued. `ExpressionWriter` is mixed into codegen's generator, which provides the
bookkeeping it uses (`fresh`, `const`, `emit`, `call0`, `binding_ref`, `function_body_parts`).
"""
from __future__ import annotations

import keyword

from .builtin_functions import BUILTINS, is_rounded_quotient
from .dsl import ast
from .names import dotted as dotted_name
from .values import Duration, Undetermined

# built-in functions of one date or year argument (a plain name here), as Python expressions
_INLINE = {"first_of_month": "date({0}.year, {0}.month, 1)", "year_start": "date({0}, 1, 1)",
           "year_end": "date({0}, 12, 31)"}
_OPS = {"+": "+", "-": "-", "*": "*", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!=",
        "in": "in", "not_in": "not in"}


class ExpressionWriter:
    """Policy expressions -> Python source; the generator's `checked`, `safe` (expressions that
    can never be undetermined), `source` and `current` are read here."""

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
        if is_rounded_quotient(e):   # round(a / b, n): the exact quotient, which `/` alone leaves undetermined
            parts = [self.expr(x, scope) for x in (e.args[0].left, e.args[0].right, e.args[1])]
            return self.strict(parts, lambda a, b, n: f"_round_quotient({a}, {b}, {n})")
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
