"""What a policy's expressions refer to, for lint.py: names (with the definition each use is in),
ambiguities read, rule IDs cited, and keyed-parameter lookups."""
from __future__ import annotations

import functools
from pathlib import Path

import attrs

from .names import dotted
from .dsl import ast


@attrs.define
class References:
    names: dict = attrs.Factory(dict)       # name -> {owner, …}: the definitions that use it
    readings: set = attrs.Factory(set)      # ambiguity IDs consulted with reading(…)
    rule_ids: set = attrs.Factory(set)      # rule IDs cited by `by`, `else`, `for` or in expressions
    lookups: list = attrs.Factory(list)     # (ast.Index, Source)

    def uses(self, name, by_others_than=None) -> bool:
        owners = self.names.get(name, ())
        return any(owner != by_others_than for owner in owners)

    def add(self, node, owner, source):
        """Record everything `node` (an AST subtree) refers to, as used by `owner`."""
        for n in walk(node):
            kind = type(n)
            if kind is ast.Name:
                self.names.setdefault(n.name, set()).add(owner)
            elif kind is ast.Attr:
                name = dotted(n)
                if name:   # `critical_illness.original_cap` is one parameter name
                    self.names.setdefault(name, set()).add(owner)
            elif kind is ast.Call:
                self.names.setdefault(n.func, set()).add(owner)
                if n.func == "reading" and n.args and isinstance(n.args[0], ast.RuleRef):
                    self.readings.add(n.args[0].id)
            elif kind is ast.Index:
                self.lookups.append((n, source))
            elif kind is ast.RuleRef:
                self.rule_ids.add(n.id)
            elif kind in (ast.RouteDecl, ast.OfferDecl) and n.by:
                self.rule_ids.add(n.by)
            elif kind is ast.RequireClause:
                self.rule_ids.add(n.rule)
            elif kind in (ast.InvariantDecl, ast.ExampleDecl):
                self.rule_ids.update(n.rules)


def collect(policy) -> References:
    """The references of every live definition of a CheckedPolicy, and of the definitions they
    override (reachable through `super`)."""
    refs = References()
    for name, binding in policy.bindings.items():
        while binding is not None:
            refs.add(binding.decl, name, binding.source)
            binding = binding.parent
    for route in policy.routes:
        refs.add(route.decl, f"route {route.decl.name}", route.source)
        if route.rule:
            refs.rule_ids.add(route.rule)
    for name, (field, source) in policy.defaults.items():
        refs.add(field, "defaults", source)
    for decl, source in policy.invariants:
        refs.add(decl, "invariant", source)
    return refs


def used_by_extensions(module_name: str, directory: Path, skip: Path | None = None) -> References:
    """What the policies of `directory` that extend `module_name` (directly or not) use. A root
    policy such as national declares inputs and ambiguities that only its extensions use."""
    directory = Path(directory).resolve()
    files = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(directory.glob("*.policy")))
    modules = _modules(directory, files)
    parents = {name: m.extends for name, (m, _) in modules.items()}
    refs = References()
    for name, (module, source) in modules.items():
        if skip is not None and source == str(Path(skip).resolve()):
            continue
        seen, up = set(), parents.get(name)
        while up is not None and up not in seen and up != module_name:
            seen.add(up)
            up = parents.get(up)
        if up == module_name:
            refs.add(module, f"policy {name}", None)
    return refs


@functools.lru_cache(maxsize=8)
def _modules(directory: Path, files: tuple) -> dict:
    """{policy name: (ast.Module, path)} of the files of a directory that parse (`files`, their
    names and modification times, only keys the cache)."""
    from .dsl.diagnostics import PolicyError
    from .dsl.parse import parse
    from .load import read_source
    out = {}
    for path in sorted(directory.glob("*.policy")):
        try:
            module = parse(read_source(path))
        except PolicyError:
            continue   # its own check reports it
        out[module.name] = (module, str(path))
    return out


def walk(node):
    """Every AST node of a subtree, the node itself first."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, tuple):
            stack.extend(reversed(n))
        elif attrs.has(type(n)):
            yield n
            stack.extend(reversed([getattr(n, f.name) for f in attrs.fields(type(n)) if f.name != "span"]))


def inline(expr, lets: dict, depth: int = 0):
    """`expr` with each name of `lets` replaced by its definition (also inside those), so that two
    routes' conditions compare by what they say rather than by their local names."""
    if depth > 8 or not lets:
        return expr
    if isinstance(expr, ast.Name) and expr.name in lets:
        return inline(lets[expr.name], lets, depth + 1)
    if isinstance(expr, tuple):
        return tuple(inline(e, lets, depth) for e in expr)
    if not attrs.has(type(expr)):
        return expr
    changes = {}
    for f in attrs.fields(type(expr)):
        if f.name == "span":
            continue
        value = getattr(expr, f.name)
        new = inline(value, lets, depth)
        if new is not value:
            changes[f.name] = new
    return attrs.evolve(expr, **changes) if changes else expr


