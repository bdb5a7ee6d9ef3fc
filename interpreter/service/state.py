"""What one generation of the service serves, built completely before it is used.

A `Snapshot` holds the policies — parsed, checked and compiled once, every jurisdiction — and
what the endpoints derive from them (the jurisdiction listing, the scenario schemas). It is never changed after `build` returns. A reload builds a new one beside the old
and `Live.swap` replaces one reference, so a request that already holds the old snapshot finishes
with it: nothing in flight sees half of a reload.

No web framework is imported here.
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..api import Policies
from ..schema import scenario_schema


class NoPolicies(Exception):
    """The policy directory holds no `.policy` file: there would be nothing to serve."""


@dataclass(frozen=True)
class Snapshot:
    policies: Policies
    generation: int
    loaded_at: str
    jurisdictions: list            # [{"name", "title", "extends", "years", "ambiguities"}]
    schemas: dict                  # jurisdiction -> JSON Schema of its scenarios
    schema_all: dict               # one schema for every jurisdiction (the OpenAPI request body)

    def knows(self, jurisdiction) -> bool:
        return isinstance(jurisdiction, str) and jurisdiction in self.schemas


def build(directory=None, generation: int = 1) -> Snapshot:
    """Load every policy of `directory` (default: the bundled ones). Raises `PolicyError` with
    every diagnostic if any policy is invalid, `NoPolicies` if there is none."""
    policies = Policies(directory)
    names = policies.jurisdictions()
    if not names:
        raise NoPolicies(f"no .policy file in {policies.directory}")
    policies.prepare()
    return Snapshot(
        policies=policies,
        generation=generation,
        loaded_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        jurisdictions=[_listing(policies, name) for name in names],
        schemas={name: scenario_schema(policies, name) for name in names},
        schema_all=scenario_schema(policies),
    )


def _listing(policies: Policies, name: str) -> dict:
    checked = policies.policy(name).checked
    ambiguities = []
    for amb_id, options in policies.ambiguities(name).items():   # the default first
        decl = checked.ambiguities[amb_id]
        described = {o.name: o.description for o in decl.options}
        ambiguities.append({
            "id": amb_id, "question": decl.question, "default": options[0],
            "options": [{"name": o, "description": described.get(o)} for o in options]})
    years = list(checked.years) if checked.years else None
    return {"name": name, "title": checked.title, "extends": list(checked.chain[:-1]),
            "years": years, "ambiguities": ambiguities}


class Live:
    """The snapshot being served, and the one lock that orders reloads."""

    def __init__(self, snapshot: Snapshot, directory=None):
        self.snapshot = snapshot
        self.directory = directory
        self._lock = None   # an asyncio.Lock, made on first use inside the running loop

    @property
    def lock(self):
        import asyncio
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def swap(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot   # one reference: atomic for every reader


# ---- the example scenarios shipped with the playground -------------------------------------

def examples() -> list:
    """[{"name", "jurisdiction", "scenario"}] from static/examples (copies of the repository's
    examples/, held equal by tests/test_service_examples.py), sorted by name."""
    out = []
    for path in sorted(example_directory().glob("*.json")):
        scenario = json.loads(path.read_text(encoding="utf-8"))
        out.append({"name": path.stem, "jurisdiction": scenario.get("jurisdiction"), "scenario": scenario})
    return out


def static_directory() -> Path:
    return Path(str(resources.files("policyrun.service") / "static"))


def example_directory() -> Path:
    return static_directory() / "examples"
