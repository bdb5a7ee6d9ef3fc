"""policyrun: a policy language and interpreter for China's urban-rural resident medical
insurance (城乡居民医保).

The pipeline: text ──parse──▶ AST ──check──▶ CheckedPolicy ──compile──▶ closures ──evaluate──▶ decision.
Embedders use `load()` and `Policies.evaluate()`; see the README.
"""
from .api import Policies, load
from .dsl.diagnostics import Diagnostic, PolicyError
from .scenario import ScenarioError
from .values import EvaluationError

__all__ = ["Policies", "load", "PolicyError", "Diagnostic", "ScenarioError", "EvaluationError"]
__version__ = "0.1.0"
