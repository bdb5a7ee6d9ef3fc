"""Golden files: compare text with its expected file, or write it when regenerating
(POLICYRUN_REGEN_GOLDEN=1)."""
import os
from pathlib import Path

REGENERATE = os.environ.get("POLICYRUN_REGEN_GOLDEN") == "1"


def assert_golden(got: str, expected: Path) -> None:
    if REGENERATE:
        expected.write_text(got, encoding="utf-8")
        return
    assert expected.exists(), f"no {expected.name}: run with POLICYRUN_REGEN_GOLDEN=1"
    assert got == expected.read_text(encoding="utf-8")
