"""The Python API for embedders: load policies once, evaluate many scenarios.

    import policyrun
    policies = policyrun.load()                      # the bundled policies (or load("my/dir"))
    decision = policies.evaluate({"jurisdiction": "<pooling area>", ...})
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator

import attrs

from .dsl.diagnostics import PolicyError
from .evaluate import evaluate as _evaluate
from .load import PolicyLoader
from .notice import notice
from .scenario import Scenario, ScenarioError, _show, parse_scenario
from .scenario_json import parse_scenario_json


class Policies:
    def __init__(self, directory=None, *, fast: bool = True):
        """`fast`: evaluate with generated Python code (codegen.py), built once per jurisdiction on
        first use; False keeps to the closure build, which starts quicker (one-off evaluations)."""
        self._fast = fast
        if directory is not None and not any(Path(directory).glob("*.policy")):   # a wrong path, said now
            raise FileNotFoundError(f"no .policy files in {directory}")
        self._loader = PolicyLoader(directory)
        self._jurisdictions = None   # the directory is listed once

    @property
    def directory(self):
        return self._loader.directory

    def jurisdictions(self) -> list[str]:
        if self._jurisdictions is None:
            self._jurisdictions = self._loader.jurisdictions()
        return self._jurisdictions

    def policy(self, jurisdiction: str):
        """The compiled policy; raises PolicyError if it (or a policy it extends) is invalid, and
        ValueError for a name that is not one of `jurisdictions()`."""
        if jurisdiction not in self.jurisdictions():
            raise ValueError(f"unknown jurisdiction {json.dumps(jurisdiction, ensure_ascii=False)}; "
                             f"expected one of: {', '.join(self.jurisdictions())}")
        return self._loader.compiled(jurisdiction)

    def chain(self, jurisdiction: str) -> list:
        """(ast.Module, Source) of the policy and the policies it extends, the root first, as
        parsed once (a checker of new text that extends a loaded policy starts from these)."""
        return self._loader.chain(jurisdiction)

    def prepare(self) -> None:
        """Parse, check and compile every jurisdiction now (and build the fast code), instead of
        on its first scenario: a long-running server calls this at start so that an invalid policy
        stops it there (PolicyError, with every diagnostic) rather than failing a request."""
        diagnostics = []
        for name in self.jurisdictions():
            try:
                self.policy(name)
                if self._fast:
                    self._loader.generated(name)
            except PolicyError as err:
                diagnostics += [d for d in err.diagnostics if d not in diagnostics]
        if diagnostics:
            raise PolicyError(diagnostics)

    def ambiguities(self, jurisdiction: str) -> dict:
        """{ambiguity ID: [option, …]} with the default first."""
        out = {}
        for amb in self.policy(jurisdiction).checked.ambiguities.values():
            names = [o.name for o in amb.options]
            default = next((o.name for o in amb.options if o.default), names[0])
            out[amb.id] = [default] + [n for n in names if n != default]
        return out

    def scenario(self, data, readings: dict | None = None) -> Scenario:
        """Parse a scenario (dict or JSON text) and validate it against the jurisdiction's policy."""
        if type(data) is dict:   # the usual case first
            scenario = parse_scenario(data)
        else:
            scenario = data if isinstance(data, Scenario) else (
                parse_scenario_json(data) if isinstance(data, (str, bytes)) else parse_scenario(data))
        if check_readings(readings):
            scenario = attrs.evolve(scenario, readings=dict(scenario.readings, **readings))
        if scenario.jurisdiction not in self.jurisdictions():
            raise ScenarioError("jurisdiction", f"unknown jurisdiction {_show(scenario.jurisdiction)}; "
                                f"expected one of: {', '.join(self.jurisdictions())}")
        checked = self._loader.compiled(scenario.jurisdiction).checked   # also raises PolicyError for an invalid policy
        if not (scenario.readings or scenario.parameters):
            return scenario
        for amb_id, option in scenario.readings.items():
            amb = checked.ambiguities.get(amb_id)
            if amb is None:
                raise ScenarioError(f"readings.{amb_id}", f"unknown ambiguity for {scenario.jurisdiction}; "
                                    f"expected one of: {', '.join(sorted(checked.ambiguities))}")
            options = [o.name for o in amb.options]
            if option not in options:
                raise ScenarioError(f"readings.{amb_id}", f"unknown option {json.dumps(option, ensure_ascii=False)}; "
                                    f"expected one of: {', '.join(options)}")
        for name in scenario.parameters:
            b = checked.bindings.get(name)
            if b is None or b.kind != "param" or b.decl.keys:
                names = sorted(n for n, b in checked.bindings.items() if b.kind == "param" and not b.decl.keys)
                raise ScenarioError(f"parameters.{name}", "unknown parameter; expected one of: "
                                    + (", ".join(names) or "(none)"))
        return scenario

    def evaluate(self, data, *, readings: dict | None = None, explain: bool = False) -> dict:
        """One scenario -> its decision (a dict in the contract's JSON shape)."""
        scenario = self.scenario(data, readings)   # a known jurisdiction from here on
        loader = self._loader
        decision = _evaluate(loader.generated(scenario.jurisdiction) if self._fast else loader.compiled(scenario.jurisdiction),
                             scenario, explain=explain)
        if explain:   # the contract: with --explain, a `trace` and a `notice` in Chinese
            decision["notice"] = notice(decision, loader.compiled(scenario.jurisdiction))
        return decision

    def evaluate_many(self, scenarios: Iterable, **options) -> Iterator[dict]:
        for data in scenarios:
            yield self.evaluate(data, **options)

    def evaluate_iter(self, scenarios: Iterable, *, readings: dict | None = None,
                      explain: bool = False, workers: int = 1) -> Iterator[dict]:
        """Like evaluate_many, for batches: each decision carries the row's `"id"` (the
        scenario's `id` field, else its 1-based position), and an invalid scenario yields
        `{"id": …, "error": {"path": …, "message": …}}` instead of raising. `readings` apply to
        the rows whose jurisdiction declares them; `workers` > 1 evaluates in that many
        processes, results still in order. See policyrun.batch."""
        from .batch import evaluate_iter
        return evaluate_iter(self, scenarios, readings=readings, explain=explain, workers=workers)


def check_readings(readings) -> dict:
    """The `readings=` argument, checked: None or a dict {ambiguity ID: option} of strings (whether
    each ID and option exists is checked against the scenario's jurisdiction). Returns it, {} for None."""
    if readings is None:
        return {}
    if not isinstance(readings, dict):
        raise TypeError(f"readings must be a dict {{ambiguity ID: option}}, not {type(readings).__name__}")
    for amb_id, option in readings.items():
        if not isinstance(amb_id, str) or not isinstance(option, str):
            raise TypeError(f"readings must map ambiguity IDs to options, both strings: got {amb_id!r}: {option!r}")
    return readings


def load(directory=None, *, fast: bool = True) -> Policies:
    """The bundled policies, or the `.policy` files of `directory`."""
    return Policies(directory, fast=fast)
