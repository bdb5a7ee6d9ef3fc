"""What one generation of the service serves, built completely before it is used.

A `Snapshot` holds the policies — parsed, checked and compiled once, every jurisdiction — and
what the endpoints derive from them (the jurisdiction listing, the scenario schemas, the rules).
It is never changed after `build` returns. A reload builds a new one beside the old and
`Live.reload` replaces one reference, so a request that already holds the old snapshot finishes with it: nothing in
flight sees half of a reload.

No web framework is imported here.
"""
from __future__ import annotations

import asyncio
import datetime
import json
import logging
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..api import Policies
from ..dsl.diagnostics import PolicyError, render
from ..schema import scenario_schema
from . import logs


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
    rules: dict                    # jurisdiction -> [{"id", "title", "module", "citations"}]

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
        rules={name: _rules(policies, name) for name in names},
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


def _rules(policies: Policies, name: str) -> list:
    """Every rule of the policy (its own and those it inherits), with its citations: the source's
    declared attributes and the quote, so that any rule ID in a decision can be shown with it."""
    from ..citation import source_info
    checked = policies.policy(name).checked
    return [{"id": rule_id, "title": info.decl.title, "module": info.module,
             "citations": [dict(source_info(checked, cite.source), quote=cite.quote) for cite in info.decl.cites]}
            for rule_id, info in checked.rules.items()]


class SharedGeneration:
    """The generation number of `serve --workers N`, in memory the supervisor shares with its
    workers, so that one load of the policies has one number on every worker. A reload (an admin
    request to one worker, or SIGHUP to the supervisor) claims the next number; every worker then
    loads the policies as that generation (`Live.follow`), except one already serving it — the
    worker that took the admin request. A worker that replaces a dead one starts at `target()`.
    A failed load leaves a gap in the numbers, never two numbers for one load."""

    def __init__(self, context):
        self._value = context.Value("q", 1)   # with its lock: any process may claim

    def claim(self) -> int:
        with self._value.get_lock():
            self._value.value += 1
            return self._value.value

    def target(self) -> int:
        return self._value.value


class Live:
    """The snapshot being served; reloads, one at a time. `shared`: the `SharedGeneration` of a
    worker of `serve --workers N`, else None (the generation is this process's own count)."""

    def __init__(self, snapshot: Snapshot, directory=None, shared: SharedGeneration | None = None):
        self.snapshot = snapshot
        self.directory = directory
        self.shared = shared
        self._lock = None   # an asyncio.Lock, made on first use inside the running loop

    async def reload(self, reason: str) -> dict:
        """Build the policies again beside the ones served (in a thread: requests go on being
        answered meanwhile), then swap one reference. If they fail to load, keep serving the old
        ones and say why, in the result and in the log."""
        async with self._locked():
            # Claimed under the lock: this process's generations only ever go up.
            generation = self.shared.claim() if self.shared else self.snapshot.generation + 1
            return await self._load(reason, generation)

    async def follow(self, reason: str) -> dict | None:
        """Load the policies as the generation last claimed by any process sharing `shared`,
        unless this one serves it (or a later one) already: then None."""
        async with self._locked():
            target = self.shared.target()
            if target <= self.snapshot.generation:
                return None
            return await self._load(reason, target)

    def _locked(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _load(self, reason: str, generation: int) -> dict:
        old = self.snapshot
        try:
            new = await asyncio.to_thread(build, self.directory, generation)
        except PolicyError as err:
            logs.event("reload_failed", logging.ERROR, reason=reason, generation=old.generation,
                       pid=os.getpid(), diagnostics=[render(d) for d in err.diagnostics])
            return {"reloaded": False, "generation": old.generation,
                    "diagnostics": [d.to_json() for d in err.diagnostics]}
        except (NoPolicies, OSError) as err:
            logs.event("reload_failed", logging.ERROR, reason=reason, generation=old.generation,
                       pid=os.getpid(), message=str(err))
            return {"reloaded": False, "generation": old.generation, "diagnostics": [], "message": str(err)}
        self.snapshot = new   # one reference: a request holding the old snapshot keeps it
        logs.event("reloaded", reason=reason, generation=new.generation, jurisdictions=len(new.jurisdictions),
                   pid=os.getpid())
        return {"reloaded": True, "generation": new.generation, "loaded_at": new.loaded_at,
                "jurisdictions": [j["name"] for j in new.jurisdictions]}


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
