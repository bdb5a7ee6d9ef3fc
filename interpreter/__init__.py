"""policyrun: a policy language and interpreter for China's urban-rural resident medical
insurance (城乡居民医保).

The pipeline: text ──parse──▶ AST ──check──▶ CheckedPolicy ──compile──▶ closures ──evaluate──▶ decision.
Embedders use `load()` and `Policies.evaluate()`; see the README.
"""
from .api import Policies, load
from .dsl.diagnostics import Diagnostic, PolicyError
from .scenario import ScenarioError
from .values import EvaluationError

__all__ = ["Policies", "load", "PolicyError", "Diagnostic", "ScenarioError", "EvaluationError",
           "InputError", "ColumnError"]
__version__ = "0.1.0"


def __getattr__(name: str):
    """The errors of policyrun.batch, imported when first asked for: evaluating one scenario
    does not load the batch file modules (about 10 ms)."""
    if name == "InputError":
        from .formats import InputError
        return InputError
    if name == "ColumnError":
        from .flatten import ColumnError
        return ColumnError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
