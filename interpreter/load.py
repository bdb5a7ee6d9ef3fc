"""Find, parse, check and compile policies: text -> AST -> CheckedPolicy -> CompiledPolicy.

Policies are loaded lazily, one jurisdiction (and the policies it extends) at a time, and kept:
load once, evaluate many.
"""
from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

from .dsl.diagnostics import Diagnostic, PolicyError, Source


_EXTENDS = re.compile(r"^\s*policy\s+\S+\s+extends\s+(\S+)", re.M)


def bundled_directory() -> Path:
    return Path(str(resources.files("policyrun.policies")))


def read_source(path: Path) -> Source:
    try:
        shown = os.path.relpath(path)
        shown = str(path) if shown.startswith("..") else shown
    except ValueError:
        shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PolicyError([Diagnostic("C021", f"cannot read policy file: {err}", Source(shown, ""), None)])
    return Source(shown, text.replace("\r\n", "\n"))


class PolicyLoader:
    """The policies of one directory, by jurisdiction (= file name without `.policy`)."""

    def __init__(self, directory: str | os.PathLike | None = None):
        self.directory = Path(directory) if directory is not None else bundled_directory()
        self._modules: dict = {}
        self._compiled: dict = {}
        self._generated: dict = {}

    def jurisdictions(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.policy"))

    def _file(self, name: str) -> Path | None:
        """Where policy `name` is: in this directory, else (a policy extended by one of this
        directory's, such as `national`) among the bundled ones, as `policyrun check` finds it."""
        for directory in dict.fromkeys((self.directory, bundled_directory())):
            path = directory / f"{name}.policy"
            if path.exists():
                return path
        return None

    def module(self, name: str):
        """(ast.Module, Source) of policy `name`, parsed from the file as it is now: a file edited
        since it was last parsed is parsed again, so that a chain is never checked from a mix of
        old and new texts (its cache key is a hash of the new ones)."""
        source = read_source(self._file(name) or self.directory / f"{name}.policy")
        cached = self._modules.get(name)
        if cached is not None and cached[1] == source:
            return cached
        from .dsl.parse import parse   # Lark is imported only when a policy must be parsed
        module = parse(source)
        if module.name != name:
            raise PolicyError([Diagnostic("C015", f"the file `{name}.policy` declares policy `{module.name}`",
                                          source, module.span, help=f"rename the file or write `policy {name}`")])
        self._modules[name] = (module, source)
        return self._modules[name]

    def chain(self, name: str) -> list:
        """(ast.Module, Source) of policy `name` and of those it extends, the root first."""
        chain, seen = [], set()
        while name is not None:
            if name in seen:
                module, source = chain[-1]
                raise PolicyError([Diagnostic("C011", f"`{name}` extends itself through `{module.name}`",
                                              source, module.span)])
            seen.add(name)
            if self._file(name) is None:
                module, source = chain[-1] if chain else (None, None)
                raise PolicyError([Diagnostic("C011", f"there is no policy `{name}` to extend",
                                              source, module.span if module else None,
                                              help="available: " + ", ".join(self.jurisdictions()))])
            chain.append(self.module(name))
            name = chain[-1][0].extends
        return chain[::-1]

    def generated(self, name: str):
        """The fast build (generated Python code, codegen.py) of a jurisdiction's policy."""
        if name not in self._generated:
            from .codegen import generate
            self._generated[name] = generate(self.compiled(name).checked)
        return self._generated[name]

    def compiled(self, name: str):
        if name not in self._compiled:
            from .compile import compile_policy
            self._compiled[name] = compile_policy(self.checked(name))
        return self._compiled[name]

    def checked(self, name: str):
        """The checked policy of jurisdiction `name`, from the on-disk cache when the files are
        unchanged. Its file must be in this directory: only a policy it extends may be a bundled
        one (a file deleted since the directory was listed is an error, not the bundled namesake)."""
        own = self.directory / f"{name}.policy"
        if not own.exists():
            raise PolicyError([Diagnostic("C021", f"cannot read policy file: {own} does not exist",
                                          Source(str(own), ""), None)])
        from . import policy_cache
        key = policy_cache.key(self._chain_texts(name))
        checked = policy_cache.read(key) if key else None
        if checked is None:
            from .check import check
            from .scenario import FIELD_TYPES
            chain = self.chain(name)
            checked = check(chain, FIELD_TYPES)
            if key:   # stored only if the files still hold the texts just checked
                texts = self._chain_texts(name)
                checked_texts = [source.text for _, source in reversed(chain)]
                if texts and [text.replace("\r\n", "\n") for _, text in texts] == checked_texts:
                    policy_cache.write(policy_cache.key(texts), checked)
        return checked

    def _chain_texts(self, name: str) -> list | None:
        """The texts of a policy and of those it extends, read without parsing (for the cache key)."""
        texts, seen = [], set()
        while name is not None and name not in seen:
            seen.add(name)
            path = self._file(name)
            if path is None:
                return None            # let the normal path report it
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return None            # let the normal path report it
            texts.append((str(path), text))
            found = _EXTENDS.search(text)
            name = found.group(1) if found else None
        return texts
