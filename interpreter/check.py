"""check(modules) -> CheckedPolicy: merge a policy with the policies it extends, then resolve
names, rule IDs, overrides, ambiguities, parameter years and types. Every problem found is a
diagnostic; all of them are raised together as one PolicyError."""
from __future__ import annotations

import functools

import attrs

from .dsl import ast
from .dsl.diagnostics import Diagnostic, PolicyError, Source
from . import types as T
from .scenario import YEAR_BOUNDS
from .typecheck import ExprChecker

ROUTE_FIELDS = {"years": "list[int]", "start": "date", "end": "date", "amount": "money",
                "waiting": "int?", "repair": "money", "channel": "text"}
OTHER_PREFIX = "other_"   # other_<code>: an amount under amount_due.other
SOURCE_ATTRS = {"number", "date", "url", "seed", "published", "issued"}


@attrs.frozen
class Binding:
    """A named definition visible in a policy: input, parameter, let or def."""
    kind: str                  # "input", "param", "let", "def"
    name: str
    decl: object
    rule: str | None           # the rule block that defines it, if any
    source: Source
    parent: "Binding | None" = None   # the definition it overrides (reachable as `super`)


@attrs.frozen
class RuleInfo:
    decl: ast.RuleDecl
    source: Source
    module: str


@attrs.frozen
class RouteInfo:
    decl: ast.RouteDecl
    rule: str | None
    source: Source


@attrs.frozen
class CheckedPolicy:
    name: str
    chain: tuple               # module names, root first
    title: str | None
    years: tuple | None
    sources: dict              # name -> (SourceDecl, Source)
    rules: dict                # id -> RuleInfo
    ambiguities: dict          # id -> AmbiguityDecl
    bindings: dict             # name -> Binding
    routes: tuple              # of RouteInfo, in priority order
    defaults: dict             # field name -> (Field, Source)
    examples: tuple = ()       # (ExampleDecl, Source) of the last module only: they run as it
    invariants: tuple = ()     # (InvariantDecl, Source) of the last module only


def check(modules: list, contract_fields: dict) -> CheckedPolicy:
    """`modules` are (ast.Module, Source) pairs, the root (e.g. national) first."""
    merger = _Merger(contract_fields)
    for module, source in modules:
        merger.add(module, source)
    policy = merger.result()
    merger.diagnostics += _check_bodies(policy)
    if merger.errors():
        raise PolicyError(merger.diagnostics)
    return policy


class _Merger:
    """Layers one module over the previous ones, applying `rule X overrides Y`."""

    def __init__(self, contract_fields):
        self.contract = contract_fields
        self.diagnostics: list[Diagnostic] = []
        self.sources, self.rules, self.ambiguities, self.bindings = {}, {}, {}, {}
        self.routes: list[RouteInfo] = []
        self.defaults: dict = {}
        self.chain, self.title, self.years = [], None, None
        self.examples, self.invariants = [], []

    def errors(self):
        return [d for d in self.diagnostics if d.severity == "error"]

    def error(self, code, message, source, node, help=None):
        self.diagnostics.append(Diagnostic(code, message, source, node.span, help=help))

    def add(self, module: ast.Module, source: Source):
        if self.chain and module.extends != self.chain[-1]:
            self.error("C011", f"`{module.name}` must extend `{self.chain[-1]}`", source, module)
        self.chain.append(module.name)
        self.title = module.title or self.title
        low, high = YEAR_BOUNDS
        if module.years and not all(low <= y <= high for y in module.years):
            # and not kept: every coverage year of the span is checked (C004), one by one
            self.error("C027", f"a year outside {low}..{high}, the years policyrun handles: the span "
                       f"`{module.years[0]}..{module.years[1]}`", source, module, help=f"write years from {low} to {high}")
        else:
            self.years = module.years or self.years
        if module.years and module.years[0] > module.years[1]:
            self.error("C018", "the year span is empty", source, module, help="write `years FIRST..LAST`")
        self._empty_spans(module, source)
        new_routes = []
        self.examples, self.invariants = [], []   # a module's own, not inherited
        for decl in module.decls:
            self._declare(decl, source, None, new_routes)
        # A module's own new routes are more specific than the ones it inherits.
        self.routes = new_routes + self.routes

    def _empty_spans(self, module, source):
        for span in _reversed_spans(module.decls):
            written = f"{span.low.value} .. {span.high.value}"
            fix = f"write it `{span.high.value} .. {span.low.value}` (start .. end)"
            if span.low.kind == "date":
                self.error("C018", f"the window `{written}` is empty", source, span, help=fix)
            else:
                self.error("C018", f"the range `{written}` is empty", source, span, help=fix)

    def result(self) -> CheckedPolicy:
        return CheckedPolicy(self.chain[-1], tuple(self.chain), self.title, self.years, self.sources,
                             self.rules, self.ambiguities, self.bindings, tuple(self.routes),
                             self.defaults, tuple(self.examples), tuple(self.invariants))

    def _declare(self, decl, source, rule, new_routes, overridden=None):
        kind = type(decl)
        if kind is ast.SourceDecl:
            self._unique(self.sources, decl.name, (decl, source), source, decl, "source")
            for key, _ in decl.attrs:
                if key not in SOURCE_ATTRS:
                    self.error("C019", f"unknown source attribute `{key}`", source, decl,
                               help="use one of: " + ", ".join(sorted(SOURCE_ATTRS)))
        elif kind is ast.AmbiguityDecl:
            self._ambiguity(decl, source)
        elif kind is ast.RuleDecl:
            self._rule(decl, source, new_routes)
        elif kind is ast.RouteDecl:
            self._route(decl, source, rule, new_routes, overridden)
        elif kind is ast.ExampleDecl:
            self.examples.append((decl, source))
        elif kind is ast.InvariantDecl:
            self.invariants.append((decl, source))
        elif kind is ast.DefaultsDecl:
            for field in decl.fields:
                self._field_name(field, source)
                self.defaults[field.name] = (field, source)
        else:
            if kind is ast.InputDecl:
                self._input(decl, source)
            binding = Binding(_KINDS[kind], decl.name, decl, rule, source)
            self._bind(binding, source, decl, overridden)

    def _unique(self, table, key, value, source, node, what):
        if key in table:
            self.error("C002", f"{what} `{key}` is defined twice", source, node)
        else:
            table[key] = value

    def _bind(self, binding, source, decl, overridden):
        old = self.bindings.get(binding.name)
        if old is None:   # a new name, also inside an overriding rule
            self.bindings[binding.name] = binding
        elif overridden and old.rule in overridden and old.kind == binding.kind:
            changed = _shape_change(old, binding)
            if changed is not None:   # the overridden one stays: its users were written for it
                what, node = changed
                self.error("C026", f"`{binding.name}` overrides {what}", source, node,
                           help="an override keeps the type, keys and parameters of what it overrides, "
                                "since the definitions that use it are unchanged; to vary it otherwise, "
                                "override those definitions too")
                return
            self.bindings[binding.name] = attrs.evolve(binding, parent=old)
        elif old.source is source:
            self.error("C002", f"`{binding.name}` is defined twice", source, decl)
        else:
            where = f"rule `{old.rule}`" if old.rule else f"`{old.source.path}`"
            self.error("C010", f"`{binding.name}` is already defined by {where}", source, decl,
                       help=f"override it with `rule <ID> overrides {old.rule}`" if old.rule
                       else "choose another name")

    def _input(self, decl, source):
        if not T.valid(T.from_ref(decl.type)):
            return   # reported as an unknown type (C014)
        want = self.contract.get(decl.path)
        if want is None:
            self.error("C012", f"`{decl.path}` is not a field of the scenario contract", source, decl,
                       help="see the scenario table in the contract (scenario.md)")
        elif T.from_ref(decl.type) != want:
            self.error("C012", f"`{decl.path}` has type `{want}` in the scenario contract, not `{T.from_ref(decl.type)}`",
                       source, decl.type, help=f"declare it as `{want}`")

    def _ambiguity(self, decl, source):
        self._unique(self.ambiguities, decl.id, decl, source, decl, "ambiguity")
        names = [o.name for o in decl.options]
        for i, option in enumerate(decl.options):
            if option.name in names[:i]:
                self.error("C023", f"option `{option.name}` of `{decl.id}` is listed twice", source, option)
        if sum(o.default for o in decl.options) > 1:
            self.error("C023", f"`{decl.id}` has more than one default option", source, decl,
                       help="mark exactly one option `default` (or none: the first is the default)")

    def _rule(self, decl, source, new_routes):
        if decl.id in self.rules:
            prior = self.rules[decl.id]
            self.error("C002", f"rule `{decl.id}` is already defined in `{prior.source.path}`", source, decl)
            return
        for target in decl.overrides:
            if target not in self.rules:
                self.error("C003", f"rule `{target}` does not exist, so `{decl.id}` cannot override it",
                           source, decl, help="override a rule of the policy this one extends")
        if not decl.cites:
            self.error("C016", f"rule `{decl.id}` cites no source", source, decl,
                       help='add `from <source> "<exact quote>"`')
        self.rules[decl.id] = RuleInfo(decl, source, self.chain[-1])
        for item in decl.body:
            self._declare(item, source, decl.id, new_routes, decl.overrides)

    def _route(self, decl, source, rule, new_routes, overridden):
        info = RouteInfo(decl, decl.by or rule, source)
        for i, old in enumerate(self.routes):
            if old.decl.name == decl.name:
                if overridden and old.rule in overridden:
                    self.routes[i] = info
                else:
                    self.error("C010", f"route `{decl.name}` is already defined", source, decl,
                               help=f"override it with `rule <ID> overrides {old.rule}`")
                return
        if any(r.decl.name == decl.name for r in new_routes):
            self.error("C002", f"route `{decl.name}` is defined twice", source, decl)
            return
        new_routes.append(info)
        for item in decl.items:
            if isinstance(item, ast.Field):
                self._field_name(item, source)
            elif isinstance(item, ast.OfferDecl):
                for sub in item.items:
                    if isinstance(sub, ast.Field):
                        self._field_name(sub, source)

    def _field_name(self, field, source):
        if field.name not in ROUTE_FIELDS and not field.name.startswith(OTHER_PREFIX):
            self.error("C020", f"unknown route field `{field.name}`", source, field,
                       help="use one of: " + ", ".join(sorted(ROUTE_FIELDS)) + ", other_<code>")


_KINDS = {ast.InputDecl: "input", ast.ParamDecl: "param", ast.LetDecl: "let", ast.DefDecl: "def"}


def _reversed_spans(node):
    """The `a .. b` expressions whose ends are both int or both date literals, `a` after `b`:
    an empty list or window, surely not what was meant (a window nothing falls in refuses all)."""
    found, stack = [], [node]
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            stack.extend(reversed(node))
            continue
        names = _child_fields(type(node))
        if not names:
            continue
        if isinstance(node, ast.RangeExpr) and _literal_kind(node.low) == _literal_kind(node.high) \
                and _literal_kind(node.low) in ("int", "date") and node.low.value > node.high.value:
            found.append(node)
        stack.extend(getattr(node, name) for name in reversed(names))
    return found


@functools.cache
def _child_fields(kind) -> tuple:
    """The field names of an AST node class (none for anything else), looked up once per class."""
    return tuple(f.name for f in attrs.fields(kind)) if attrs.has(kind) else ()


def _literal_kind(expr):
    return expr.kind if isinstance(expr, ast.Literal) else None


def _check_bodies(policy: CheckedPolicy) -> list:
    """Names, rule IDs, sources, ambiguities, parameter years and types in every expression."""
    checker = ExprChecker(policy)
    for rule in policy.rules.values():
        for cite in rule.decl.cites:
            checker.citation(cite.source, cite.quote, cite, rule.source)
    for binding in policy.bindings.values():
        checker.binding(binding)
    for route in policy.routes:
        checker.route(route)
    for name, (field, source) in policy.defaults.items():
        checker.field(field, source, {})
    for decl, source in policy.examples:
        checker.example(decl, source)
    for decl, source in policy.invariants:
        checker.invariant(decl, source)
    return checker.diagnostics


def _shape_change(old, new):
    """How the override `new` changes the shape of `old`, which other definitions use as it
    was: its declared type or keys (a parameter), or its parameters (a def), with the node to
    show; None if it does not."""
    where = f"(rule `{old.rule}`, {old.source.path}:{old.source.position(old.decl.span.start)[0]})"
    if new.kind == "param":
        was, now = T.from_ref(old.decl.type), T.from_ref(new.decl.type)
        if was != now:
            return f"`{was}` {where} with `{now}`", new.decl.type
        if old.decl.keys != new.decl.keys:
            return f"a value keyed by {_keys(old.decl.keys)} {where} with one keyed by {_keys(new.decl.keys)}", new.decl
    if new.kind == "def":
        was, now = _signature(old.decl.params), _signature(new.decl.params)
        if was != now:
            return f"`{old.name}({was})` {where} with `{new.name}({now})`", new.decl
    return None


def _keys(keys) -> str:
    return ", ".join(f"`{k}`" for k in keys) if keys else "nothing"


def _signature(params) -> str:
    return ", ".join(T.from_ref(p.type) for p in params)
