"""Check policy text sent to `/v1/check`: what `policyrun check FILE` does, on text.

The text is parsed and checked — names, types, overrides, parameter years — together with the
loaded policies it extends, then linted. Nothing of it is evaluated: no example, invariant or
route of the author's runs, and no file is written or read on its behalf.
"""
from __future__ import annotations

from ..dsl.diagnostics import Diagnostic, PolicyError, Source
from ..dsl.parse import parse


def check_text(policies, text: str, name: str) -> list:
    """Every diagnostic of `text` (shown as file `name`): errors, or lint warnings when there is
    no error. `policies` is the `Policies` whose files an `extends` refers to."""
    from ..check import check
    from ..scenario import FIELD_TYPES

    source = Source(name, text.replace("\r\n", "\n"))
    try:
        module = parse(source)
        chain = _parents(policies, module, source)
        checked = check(chain + [(module, source)], FIELD_TYPES)
    except PolicyError as err:
        return err.diagnostics
    return _warnings(policies, checked, module, source)


def _parents(policies, module, source) -> list:
    """(module, source) of the loaded policies that `module` extends, the root first."""
    if not module.extends:
        return []
    available = policies.jurisdictions()
    if module.extends not in available:
        raise PolicyError([Diagnostic("C011", f"there is no policy `{module.extends}` to extend", source,
                                      module.span, help="available: " + ", ".join(available))])
    checked = policies.policy(module.extends).checked
    if module.name in checked.chain:
        raise PolicyError([Diagnostic("C011", f"`{module.name}` extends itself through `{module.extends}`",
                                      source, module.span)])
    return policies.chain(module.extends)


def _warnings(policies, checked, module, source) -> list:
    """Lint warnings; what the loaded policies that extend a policy of this name use counts as
    used (as `policyrun check` does for the files beside the one checked)."""
    from ..lint import lint
    from ..lint_refs import used_by_extensions
    return lint(checked, module, source, used_by_extensions(module.name, policies.directory))
