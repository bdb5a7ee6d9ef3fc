"""The playground's example scenarios (interpreter/service/static/examples/, shipped in the
package: examples/ is not) are exact copies of the repository's examples/*.json.

After adding or changing an example, refresh the copies:

    POLICYRUN_SYNC_EXAMPLES=1 .venv/bin/python -m pytest tests/test_service_examples.py
"""
import os
import shutil
import tomllib

from conftest import ROOT

SOURCE = ROOT / "examples"
COPIES = ROOT / "interpreter" / "service" / "static" / "examples"


def test_playground_examples_are_copies_of_examples():
    if os.environ.get("POLICYRUN_SYNC_EXAMPLES") == "1":
        for stale in COPIES.glob("*.json"):
            stale.unlink()
        for path in SOURCE.glob("*.json"):
            shutil.copyfile(path, COPIES / path.name)
    wanted = {p.name: p.read_bytes() for p in SOURCE.glob("*.json")}
    shipped = {p.name: p.read_bytes() for p in COPIES.glob("*.json")}
    assert sorted(shipped) == sorted(wanted), "run with POLICYRUN_SYNC_EXAMPLES=1 (see this file's docstring)"
    changed = [name for name in wanted if shipped[name] != wanted[name]]
    assert changed == [], "run with POLICYRUN_SYNC_EXAMPLES=1 (see this file's docstring)"


def test_the_package_ships_them():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["policyrun.service"]
    assert "static/examples/*.json" in patterns and "static/*.js" in patterns
