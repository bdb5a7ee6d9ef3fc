"""Branch coverage of a policy file, for `policyrun test --coverage`.

A `Collector` is handed to `compile_policy(checked, coverage=collector)`; the compiler then wraps
the closures of every `if` arm, `match` arm, route `require`, `offer` (and offer-less route) so
that running them records a hit. `branches_of` lists the same branches from a file's AST, so a
report can name the ones no example ever ran. Both name a branch with `branch_key`, which is what
keeps the two lists comparable.
"""
from __future__ import annotations

from collections import Counter

import attrs

from .dsl import ast


@attrs.frozen(order=True)
class Branch:
    file: str
    line: int
    column: int
    label: str      # e.g. "if: then", "match arm `minus_one`", "require (else <rule ID>): fails"

    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


# What each kind of node can do; `None` outcome = the node itself is the one branch.
_OUTCOMES = {ast.IfExpr: ("then", "else"), ast.MatchArm: (None,),
             ast.RequireClause: ("holds", "fails"), ast.OfferDecl: ("granted",)}


def branch_key(source, node, outcome=None) -> Branch:
    line, column = source.position(node.span.start) if node.span else (0, 0)
    return Branch(source.path, line, column, _label(node, outcome))


def _label(node, outcome):
    kind = type(node)
    if kind is ast.IfExpr:
        return f"if: {outcome}"
    if kind is ast.MatchArm:
        p = node.pattern
        shown = "_" if p is None else p.name if isinstance(p, ast.Name) else repr(p.value)
        return f"match arm `{shown}`"
    if kind is ast.RequireClause:
        return f"require (else {node.rule}): {outcome}"
    if kind is ast.OfferDecl:
        return f"offer{' by ' + node.by if node.by else ''}: {outcome}"
    if kind is ast.RouteDecl:   # a route without offers is its own one offer
        return f"route `{node.name}`: {outcome}"
    raise TypeError(kind)


def _always(ctx, env):
    return True


class Collector:
    """Hits of one coverage build: Branch -> how often it ran."""

    def __init__(self):
        self.hits: Counter = Counter()

    def probe(self, source, node, outcome, fn):
        """`fn(ctx, env)`, recording the branch each time it runs."""
        key, hits = branch_key(source, node, outcome), self.hits

        def probed(ctx, env):
            hits[key] += 1
            return fn(ctx, env)
        return probed

    def probe_test(self, source, node, fn, if_true, if_false=None):
        """A condition `fn(ctx, env)`, recording which way it went (an undetermined one: neither)."""
        hits = self.hits
        yes = branch_key(source, node, if_true)
        no = branch_key(source, node, if_false) if if_false else None

        def probed(ctx, env):
            value = fn(ctx, env)
            if value is True:
                hits[yes] += 1
            elif value is False and no is not None:
                hits[no] += 1
            return value
        return probed

    def instrument_route(self, source, decl, requires, offers, fields):
        """A compiled route's requires, offers and fields, probed. The compiled parts come in
        the order of their clauses in `decl`."""
        clauses = [i for i in decl.items if isinstance(i, ast.RequireClause)]
        requires = tuple((self.probe_test(source, clause, test, "holds", "fails"), rule, message)
                         for clause, (test, rule, message) in zip(clauses, requires))
        # An offer is granted when its `when` holds; one without a `when` gets an always-true
        # one, which the evaluator treats exactly like none.
        decls = [i for i in decl.items if isinstance(i, ast.OfferDecl)]
        offers = tuple(attrs.evolve(o, when=self.probe_test(source, d, o.when or _always, "granted"))
                       for d, o in zip(decls, offers))
        if not offers and "years" in fields:
            # The evaluator asks a granted route (and only a granted one) for its years.
            fields = dict(fields, years=self.probe(source, decl, "granted", fields["years"]))
        return requires, offers, fields


def branches_of(module: ast.Module, source) -> list:
    """Every branch a file declares, in file order (examples and invariants are not run code)."""
    found: list = []
    for decl in module.decls:
        if not isinstance(decl, (ast.ExampleDecl, ast.InvariantDecl)):
            _walk(decl, source, found)
    return sorted(set(found))


def _offerless_with_years(route):
    """A route that is its own one offer, probed through its `years` (see instrument_route)."""
    items = route.items
    return (not any(isinstance(i, ast.OfferDecl) for i in items)
            and any(isinstance(i, ast.Field) and i.name == "years" for i in items))


def _walk(node, source, found):
    if isinstance(node, tuple):
        for item in node:
            _walk(item, source, found)
        return
    if not attrs.has(type(node)):
        return
    outcomes = _OUTCOMES.get(type(node))
    if outcomes:
        found.extend(branch_key(source, node, o) for o in outcomes)
    elif isinstance(node, ast.RouteDecl) and _offerless_with_years(node):
        found.append(branch_key(source, node, "granted"))
    for field in attrs.fields(type(node)):
        if field.name != "span":
            _walk(getattr(node, field.name), source, found)
