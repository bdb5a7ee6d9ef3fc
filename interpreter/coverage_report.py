"""What the examples of each policy file exercised (`policyrun test --coverage`): the rules the
file declares, the options of the ambiguities it declares, and its branches — as a text table,
or as JSON for tools.

- A rule is exercised when its ID is in the provenance of an example's decision: `decided_by`
  of the decision or of an alternative, or the rule of a reason.
- An option is exercised when it is in an example decision's `readings` (of the decision or an
  alternative). `readings` lists only the ambiguities consulted, so a default option counts only
  when it was consulted.
- A branch (an `if` arm, a `match` arm, a `require` holding or failing, an `offer` granted) is
  exercised when the coverage build of the policy ran it (see coverage.py).

Only a file's own examples count for it: a city's examples do not cover the national file.
"""
from __future__ import annotations

from .coverage import branches_of
from .dsl import ast


def file_report(run) -> dict:
    decisions = [r.decision for r in run.results if r.decision is not None]
    decisions += [alt for d in decisions for alt in d["alternatives"]]
    used_rules = {rule for d in decisions for rule in d["decided_by"]}
    used_rules |= {reason["rule"] for d in decisions for reason in d["reasons"]}
    used_options = {(amb, option) for d in decisions for amb, option in d["readings"].items()}

    rules = [d for d in run.module.decls if isinstance(d, ast.RuleDecl)]
    named = _rules_named(run.module)
    options = [(a.id, o.name, _is_default(a, o)) for a in run.module.decls
               if isinstance(a, ast.AmbiguityDecl) for o in a.options]
    hits = run.collector.hits if run.collector is not None else {}
    branches = branches_of(run.module, run.source)
    return {
        "file": run.file,
        "policy": run.policy,
        "examples": len(run.results),
        "rules": {
            "declared": len(rules),
            "exercised": [r.id for r in rules if r.id in used_rules],
            "never": [r.id for r in rules if r.id not in used_rules],
            # never in any provenance whatever the scenario: no definition, route or require
            "cites_only": [r.id for r in rules if not r.body and r.id not in named],
        },
        "options": {
            "declared": len(options),
            "exercised": [_option(a, o, d) for a, o, d in options if (a, o) in used_options],
            "never": [_option(a, o, d) for a, o, d in options if (a, o) not in used_options],
        },
        "branches": {
            "declared": len(branches),
            "exercised": [_branch(b, hits[b]) for b in branches if hits.get(b)],
            "never": [_branch(b, 0) for b in branches if not hits.get(b)],
        },
    }


def _is_default(amb, option):
    default = next((o.name for o in amb.options if o.default), amb.options[0].name)
    return option.name == default


def _option(amb, option, default):
    return {"ambiguity": amb, "option": option, "default": default}


def _branch(b, hits):
    return {"file": b.file, "line": b.line, "column": b.column, "branch": b.label, "hits": hits}


def _rules_named(module) -> set:
    """Rule IDs a require, offer or route of this file names (so a decision can carry them)."""
    named: set = set()

    def walk(node):
        if isinstance(node, tuple):
            for item in node:
                walk(item)
        elif isinstance(node, ast.RequireClause):
            named.add(node.rule)
        elif isinstance(node, (ast.OfferDecl, ast.RouteDecl)):
            if node.by:
                named.add(node.by)
            walk(node.items)
        elif isinstance(node, ast.RuleDecl):
            walk(node.body)
    walk(module.decls)
    return named


def coverage_json(runs) -> dict:
    return {"files": [file_report(run) for run in runs]}


def render_table(reports) -> str:
    """The summary table, then what each file never exercised."""
    rows = [("file", "examples", "rules", "options", "branches")]
    for r in reports:
        rows.append((r["file"], str(r["examples"]), _ratio(r["rules"]), _ratio(r["options"]), _ratio(r["branches"])))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for r in reports:
        gaps = _gaps(r)
        if gaps:
            lines += ["", f"{r['file']}: never exercised by its examples"] + ["  " + g for g in gaps]
    return "\n".join(lines)


def _ratio(part) -> str:
    return f"{len(part['exercised'])}/{part['declared']}"


def _gaps(r) -> list:
    out = []
    for rule in r["rules"]["never"]:
        why = " (only cites its source: no decision can name it)" if rule in r["rules"]["cites_only"] else ""
        out.append(f"rule {rule}{why}")
    for o in r["options"]["never"]:
        out.append(f"option {o['ambiguity']}={o['option']}" + (" (default)" if o["default"] else ""))
    for b in r["branches"]["never"]:
        out.append(f"branch {b['file']}:{b['line']}:{b['column']} {b['branch']}")
    return out
