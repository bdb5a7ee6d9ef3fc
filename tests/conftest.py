import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def policyrun_command() -> list[str]:
    """The installed console script next to this interpreter (falls back to `python -m`)."""
    script = Path(sys.executable).with_name("policyrun")
    if script.exists():
        return [str(script)]
    found = shutil.which("policyrun")
    return [found] if found else [sys.executable, "-m", "policyrun.cli"]


@pytest.fixture(scope="session")
def policies():
    import policyrun
    return policyrun.load()


@pytest.fixture
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    return ROOT
