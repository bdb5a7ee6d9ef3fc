"""scenario_schema(policies, jurisdiction) -> the JSON Schema (draft 2020-12) of the scenarios a
jurisdiction's policy accepts.

Derived from what the policies declare: their `input` bindings (contract path and type), their
ambiguities (each an enum of its options) and their scalar parameters; the fixed structure and the
allowed codes come from the contract table in `scenario.py`. Contract fields that no input of the
policy reads are still allowed (the contract is fixed) and say so in their description. Every
object is closed (`additionalProperties: false`), as `parse_scenario` rejects unknown fields.
"""
from __future__ import annotations

from . import types as T
from .scenario import ENUMS, FIELD_TYPES

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# The shapes `scenario.py` accepts. Dates: the pattern rules out 2024-13-01 and 2024-02-99; a
# 2024-02-30 passes the pattern (and `format: date` where a validator checks formats) but not
# the interpreter.
DATE = {"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", "format": "date"}
MONTH = {"type": "string", "pattern": r"^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])$"}   # years 1900-2200
YEAR = {"type": "integer", "minimum": 1900, "maximum": 2200}
COUNT = {"type": "integer", "minimum": 0}
DECIMAL = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}]}
INTEGER = {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"^-?[0-9]+$"}]}
MONTH_SPAN = {"type": "object", "additionalProperties": False, "required": ["from", "to"],
              "properties": {"from": MONTH, "to": MONTH},
              "description": "employee insurance months, inclusive"}

_SCALAR = {"date": DATE, "int": COUNT, "bool": {"type": "boolean"}, "text": {"type": "string"},
           "money": DECIMAL, "month_span": MONTH_SPAN}
# every list of integers in the contract is a list of years (as `scenario._ITEMS`)
_ITEM = dict(_SCALAR, int=YEAR)

_SECTIONS = ("resident", "history", "application")
_REQUIRED = {"resident": ["birth_date"]}


def scenario_schema(policies, jurisdiction: str | None = None) -> dict:
    """`policies` is a `policyrun.Policies`; without `jurisdiction`, one schema for all of them
    (ambiguities and parameters as the union; the rest is the contract's, the same for all)."""
    names = [jurisdiction] if jurisdiction else policies.jurisdictions()
    checked = {name: policies.policy(name).checked for name in names}
    inputs = _inputs(checked)
    title = (f"policyrun scenario: {jurisdiction}" if jurisdiction else "policyrun scenario")
    schema = {
        "$schema": DRAFT,
        "title": title,
        "description": _description(checked),
        "type": "object",
        "additionalProperties": False,
        "required": ["jurisdiction", "resident"],
        "properties": {
            "jurisdiction": {"const": jurisdiction} if jurisdiction else {"enum": names},
            "as_of": _field("as_of", inputs, len(checked)),
        },
    }
    for section in _SECTIONS:
        schema["properties"][section] = _section(section, inputs, len(checked))
    schema["properties"].update({
        "readings": _readings(checked),
        "parameters": _parameters(checked),
        "covered_on": {"type": "array", "items": DATE, "uniqueItems": True,
                       "description": "dates to ask: is the resident covered on this day?"},
        "cap_years": {"type": "array", "items": YEAR, "uniqueItems": True,
                      "description": "years to ask the 大病保险 maximum payment for"},
    })
    return schema


def _description(checked: dict) -> str:
    parts = [f"{name}: {p.title}" if p.title else name for name, p in checked.items()]
    return "Scenario contract (shared/spec/scenario.md) as accepted by " + "; ".join(parts)


def _inputs(checked: dict) -> dict:
    """contract path -> {"type": declared type, "by": [(jurisdiction, input name)]}."""
    found: dict = {}
    for name, policy in checked.items():
        for b in policy.bindings.values():
            if b.kind == "input":
                entry = found.setdefault(b.decl.path, {"type": T.from_ref(b.decl.type), "by": []})
                entry["by"].append((name, b.name))
    return found


def _field(path: str, inputs: dict, n_policies: int) -> dict:
    used = inputs.get(path)
    # the policy's declared type; the checker holds it equal to the contract's
    kind = used["type"] if used else FIELD_TYPES[path]
    schema = _typed(kind, ENUMS.get(path, ()))
    if used is None:
        schema["description"] = f"`{kind}`; no input of this policy reads it (allowed: the contract is fixed)"
    elif n_policies == 1:
        schema["description"] = f"`{kind}`; input `{used['by'][0][1]}`"
    else:
        users = sorted({j for j, _ in used["by"]})
        schema["description"] = f"`{kind}`; used by " + ", ".join(users) + (
            "" if len(users) == n_policies else " (the others ignore it)")
    return schema


def _typed(kind: str, allowed=()) -> dict:
    optional = kind.endswith("?")
    base = T.strip(kind)
    if base.startswith("list["):
        item_kind = base[5:-1]
        item = {"enum": list(allowed)} if allowed else dict(_ITEM[item_kind])
        # month spans may repeat (scenario.py checks duplicates for the other lists only)
        schema = {"type": "array", "items": item}
        if item_kind != "month_span":
            schema["uniqueItems"] = True
    elif allowed:
        schema = {"enum": list(allowed)}
    else:
        schema = dict(_SCALAR[base])
    if optional:
        return _nullable(schema)
    return schema


def _nullable(schema: dict) -> dict:
    if "enum" in schema:
        return dict(schema, enum=schema["enum"] + [None])
    if isinstance(schema.get("type"), str):
        return dict(schema, type=[schema["type"], "null"])
    return {"anyOf": [schema, {"type": "null"}]}


def _section(section: str, inputs: dict, n_policies: int) -> dict:
    paths = [p for p in FIELD_TYPES if p.startswith(section + ".")]
    schema = {"type": "object", "additionalProperties": False,
              "properties": {p.split(".", 1)[1]: _field(p, inputs, n_policies) for p in paths}}
    if section in _REQUIRED:
        schema["required"] = _REQUIRED[section]
    if section == "application":
        # absent or null = no application; otherwise one of the two dates (each defaults to the other)
        schema["type"] = ["object", "null"]
        schema["anyOf"] = [{"type": "null"}, {"required": ["registered_on"]},
                           {"required": ["paid_on"], "properties": {"paid_on": DATE}}]
    return schema


def _readings(checked: dict) -> dict:
    props: dict = {}
    for policy in checked.values():
        for amb in policy.ambiguities.values():
            options = [o.name for o in amb.options]
            default = next((o.name for o in amb.options if o.default), options[0])
            entry = props.setdefault(amb.id, {"enum": [], "default": default, "description": amb.question})
            entry["enum"] += [o for o in options if o not in entry["enum"]]
    return {"type": "object", "additionalProperties": False, "properties": dict(sorted(props.items())),
            "description": "{ambiguity ID: option}; each ambiguity's first option is its default"}


def _parameters(checked: dict) -> dict:
    props: dict = {}
    for policy in checked.values():
        for b in policy.bindings.values():
            if b.kind == "param" and not b.decl.keys and b.name not in props:
                kind = T.strip(T.from_ref(b.decl.type))
                # the scenario reads every override as a number; an `int` parameter takes whole ones
                schema = dict(INTEGER if kind == "int" else DECIMAL)
                schema["description"] = f"`{kind}`" + (f"; {b.decl.title}" if b.decl.title else "")
                props[b.name] = schema
    return {"type": "object", "additionalProperties": False, "properties": dict(sorted(props.items())),
            "description": "what-if overrides of the policy's scalar parameters"}
