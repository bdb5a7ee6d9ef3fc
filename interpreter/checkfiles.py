"""Check policy files one by one (for `policyrun check`), in the context of what they extend."""
from __future__ import annotations

from pathlib import Path

from .dsl.diagnostics import Diagnostic, PolicyError
from .dsl.parse import parse
from .load import PolicyLoader, bundled_directory, read_source


def check_file(path: Path, policy_dir=None) -> list:
    """Every diagnostic of one file: syntax first; then names, types and overrides, checked
    together with the policies it extends."""
    from .check import check
    from .scenario import FIELD_TYPES
    try:
        chain = file_chain(path, policy_dir)
        checked = check(chain, FIELD_TYPES)
    except PolicyError as err:
        return err.diagnostics
    return _warnings(checked, *chain[-1], path)


def _warnings(checked, module, source, path: Path) -> list:
    """Lint warnings, once the file has no error; names the policies of its own directory that
    extend it use are not unused."""
    from .lint import lint
    from .lint_refs import used_by_extensions
    return lint(checked, module, source, used_by_extensions(module.name, path.parent, skip=path))


def file_chain(path: Path, policy_dir=None) -> list:
    """(ast.Module, Source) pairs of the file and the policies it extends, the root first."""
    source = read_source(path)
    module = parse(source)
    chain = []
    if module.extends:
        chain = _parents(module, source, path, policy_dir)
    return chain + [(module, source)]


def _parents(module, source, path, policy_dir):
    name = module.extends
    candidates = [Path(policy_dir)] if policy_dir else [path.parent, bundled_directory()]
    for directory in candidates:
        if (directory / f"{name}.policy").exists():
            return PolicyLoader(directory).chain(name)
    import difflib
    available = sorted({p.stem for d in candidates for p in d.glob("*.policy")} - {module.name})
    close = difflib.get_close_matches(name, available, n=1)
    raise PolicyError([Diagnostic("C011", f"there is no policy `{name}` to extend", source, module.span,
                                  help=f"did you mean `{close[0]}`?" if close else
                                  f"put `{name}.policy` beside this file, or pass --policies DIR")])
