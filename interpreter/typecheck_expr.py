"""Light type inference over expressions: `ExprTyper.infer(expr, scope)` gives an expression's
type, resolving names (inputs, parameters, lets, defs, built-ins) and reporting what does not
fit (C001 unknown names, C005 readings, C006 match arms, C007 type mismatches, C008 calls,
C024 text codes the scenario contract does not allow). `super` has the type of the definition
it stands for: the overridden `let`'s value, or a call of the overridden `def`.

Types are strings (see types.py). Inference is forgiving: an unknown type (`any`) never causes
an error, so the checker reports only mistakes it is sure of. typecheck.py builds the checks
of whole declarations on top of this.
"""
from __future__ import annotations

import difflib

from .dsl import ast
from .names import dotted as dotted_name
from .dsl.diagnostics import Diagnostic
from .scenario import ENUMS
from . import types as T

_ARITH = {
    ("int", "+", "int"): "int", ("int", "-", "int"): "int", ("int", "*", "int"): "int",
    ("date", "+", "months"): "date", ("date", "-", "months"): "date",
    ("date", "+", "days"): "date", ("date", "-", "days"): "date",
}
_ORDERED = {"int", "money", "date", "text"}


class ExprTyper:
    """Infers and checks the types of expressions, collecting diagnostics. `_source` and
    `_binding` are where the expression at hand stands (set by the declaration checks)."""

    def __init__(self, policy):
        self.policy = policy
        self.diagnostics: list[Diagnostic] = []
        self._let_types: dict[int, str] = {}   # id(binding) -> type
        self._source = None
        self._binding = None

    def error(self, code, message, node, help=None, source=None):
        self.diagnostics.append(Diagnostic(code, message, source or self._source,
                                           getattr(node, "span", None), help=help))

    def _lets(self, items, scope):
        """`scope` with the `let`s among `items` added; each may use the others, in any order."""
        scope = dict(scope)
        for item in items:
            if isinstance(item, ast.LetDecl):
                scope[item.name] = "any"
        for item in items:
            if isinstance(item, ast.LetDecl):
                scope[item.name] = self.infer(item.expr, scope)
        return scope

    # ---- expressions
    def expect(self, expr, scope, want):
        got = self.infer(expr, scope)
        if not T.compatible(got, want) and not (got == "null" and want.endswith("?")):
            self.error("C007", f"expected `{want}`, found `{got}`", expr)
        return got

    def let_type(self, name):
        return self._binding_type(self.policy.bindings[name])

    def def_type(self, name):
        return self._binding_type(self.policy.bindings[name])

    def _binding_type(self, b):
        """The type of a let's or def's expression, inferred once where it is declared. `b` may
        also be an overridden binding, reachable only as `super` (hence keyed by identity)."""
        key = id(b)
        if key not in self._let_types:
            self._let_types[key] = "any"      # a guard against cycles
            scope = {p.name: T.from_ref(p.type) for p in b.decl.params} if b.kind == "def" else {}
            saved = self._source, self._binding
            self._source, self._binding = b.source, b
            self._let_types[key] = self.infer(b.decl.expr, scope)
            self._source, self._binding = saved
        return self._let_types[key]

    def infer(self, e, scope) -> str:
        # One method per node class, named after it: ast.IfExpr is typed by `_ifexpr`.
        method = getattr(self, "_" + type(e).__name__.lower())
        return method(e, scope)

    def _literal(self, e, scope):
        return {"decimal": "money"}.get(e.kind, e.kind)

    def _undetermined(self, e, scope):
        return "any"

    def _name(self, e, scope):
        if e.name in scope:
            return scope[e.name]
        if e.name == "super":
            parent = self._overridden(e, "let")
            return self._binding_type(parent) if parent else "any"
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
            return self._def_call(e, b, scope)
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

    def _def_call(self, e, b, scope, help=None):
        """A call of the def `b` (by its name, or as `super`): its arguments, then its result."""
        params = b.decl.params
        if len(e.args) != len(params):
            self.error("C008", f"`{e.func}` takes {len(params)} argument(s), {len(e.args)} given", e, help=help)
        for arg, p in zip(e.args, params):
            self.expect(arg, scope, T.from_ref(p.type))
        return self._binding_type(b)

    def _super_call(self, e, scope):
        parent = self._overridden(e, "def")
        if parent is None:
            for a in e.args:
                self.infer(a, scope)
            return "any"
        return self._def_call(e, parent, scope, help=f"`super` calls the overridden `{_signature(parent)}`")

    def _overridden(self, e, use):
        """The binding `super` stands for at `e`, or None (reported) where it stands for none.
        `use` is how it is used: "let" for a bare `super` (a value), "def" for `super(…)`."""
        b = self._binding
        if b is None or b.parent is None or b.kind not in ("let", "def"):
            self.error("C001", "`super` is only available in a definition that overrides another", e,
                       help="`super` is the `let` or `def` of the same name in a rule this rule overrides "
                            "(`rule <ID> overrides <ID>`)")
            return None
        if b.kind == "def" and use == "let":
            self.error("C001", f"`super` is only a value in a `let`; in `def {b.name}` it must be called", e,
                       help=f"call the overridden definition: `super({', '.join(p.name for p in b.decl.params)})`")
            return None
        if b.kind == "let" and use == "def":
            self.error("C001", f"`super` is only callable in a `def`; in `let {b.name}` it is a value", e,
                       help="use the overridden value as `super`, without arguments")
            return None
        return b.parent

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
        if e.op in ("in", "not_in", "==", "!="):
            self._codes_tested(e, left, right, scope)
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

    def _codes_tested(self, e, left, right, scope):
        """C024: a text literal tested against an input for which the scenario contract lists the
        allowed codes (`hukou == "x"`, `"x" in statuses`, `hukou in ["x", "y"]`) but not this one:
        the test is always false (or true), a typo or a code the contract spells otherwise."""
        if e.op in ("==", "!="):
            tests = [(e.left, left, (e.right,)), (e.right, right, (e.left,))]
        else:
            items = e.right.items if isinstance(e.right, ast.ListExpr) else ()
            tests = [(e.right, T.element(right), (e.left,)), (e.left, left, items)]
        for coded, kind, values in tests:
            if T.strip(kind) == "text":
                self._literals_are_codes(values, coded, scope)

    def _literals_are_codes(self, values, coded, scope):
        """Each text literal among `values` must be a code of what `coded` reads, if the contract
        lists its codes."""
        path = self._coded_input(coded, scope)
        if path is None:
            return
        allowed = ENUMS[path]
        for v in values:
            if isinstance(v, ast.Literal) and v.kind == "text" and v.value not in allowed:
                close = difflib.get_close_matches(v.value, allowed, n=1)
                self.error("C024", f'`"{v.value}"` is not a code of `{coded.name}`', v,
                           help=(f"did you mean `{close[0]}`? " if close else "")
                           + f"the scenario contract's codes for `{path}`: " + ", ".join(allowed))

    def _coded_input(self, e, scope, seen=()):
        """The contract path of the input `e` names, directly or through `let`s that name it, if
        the contract lists that field's codes; else None. (Names only: a code list is not part of
        a type, so a value computed from the input is not followed.)"""
        if not isinstance(e, ast.Name) or e.name in scope or e.name in seen:
            return None
        b = self.policy.bindings.get(e.name)
        if b is not None and b.kind == "input":
            return b.decl.path if b.decl.path in ENUMS else None
        if b is not None and b.kind == "let":
            return self._coded_input(b.decl.expr, {}, seen + (e.name,))
        return None

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
            elif T.strip(subject) == "text":
                self._literals_are_codes((arm.pattern,), e.subject, scope)
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


def _signature(b) -> str:
    """`name(p: type, …)` of a def binding, for help lines."""
    return f"{b.name}(" + ", ".join(f"{p.name}: {T.from_ref(p.type)}" for p in b.decl.params) + ")"
