"""The on-disk cache of checked policies never serves a stale policy."""
import json
import shutil

import policyrun
from conftest import ROOT


def test_an_edited_policy_is_checked_again(tmp_path, monkeypatch):
    # Catches a cache keyed on file names or times alone: the edit below keeps both the file's
    # name and its size class, and must still change the decision.
    monkeypatch.setenv("POLICYRUN_CACHE_DIR", str(tmp_path / "cache"))
    policies = tmp_path / "policies"
    policies.mkdir()
    for name in ("national", "nanning"):
        shutil.copy(ROOT / "policies" / f"{name}.policy", policies / f"{name}.policy")
    scenario = json.loads((ROOT / "examples" / "nanning-inside-concentrated.json").read_text(encoding="utf-8"))
    first = policyrun.load(policies, fast=False).evaluate(scenario)
    assert list((tmp_path / "cache").glob("*.pickle")), "the checked policy was not cached"
    text = (policies / "nanning.policy").read_text(encoding="utf-8")
    (policies / "nanning.policy").write_text(text.replace('2025       = 400 from seed004', '2025       = 401 from seed004'),
                                            encoding="utf-8")
    second = policyrun.load(policies, fast=False).evaluate(scenario)
    assert (first["amount_due"]["total"], second["amount_due"]["total"]) == ("400", "401")


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYRUN_CACHE_DIR", "")
    scenario = json.loads((ROOT / "examples" / "nanning-inside-concentrated.json").read_text(encoding="utf-8"))
    assert policyrun.load(fast=False).evaluate(scenario)["amount_due"]["total"] == "400"


def test_old_entries_are_pruned(tmp_path, monkeypatch):
    # Each edit of a policy makes a new entry; without pruning the directory grows for ever.
    from policyrun import policy_cache
    cache = tmp_path / "cache"
    monkeypatch.setenv("POLICYRUN_CACHE_DIR", str(cache))
    monkeypatch.setattr(policy_cache, "LIMIT", 3)
    for n in range(6):
        policy_cache.write(f"key{n}", {"n": n})
    assert sorted(p.name for p in cache.glob("*.pickle")) == ["key3.pickle", "key4.pickle", "key5.pickle"]
    assert policy_cache.read("key5") == {"n": 5}


def test_an_entry_in_use_outlives_newer_ones(tmp_path, monkeypatch):
    # Pruning goes by last use: reading an entry keeps it, whatever was written after it.
    import os
    from policyrun import policy_cache
    cache = tmp_path / "cache"
    monkeypatch.setenv("POLICYRUN_CACHE_DIR", str(cache))
    monkeypatch.setattr(policy_cache, "LIMIT", 3)
    for n in range(3):
        policy_cache.write(f"key{n}", {"n": n})
        os.utime(cache / f"key{n}.pickle", ns=(10**18 + n, 10**18 + n))   # written in this order, long ago
    assert policy_cache.read("key0") == {"n": 0}   # the oldest, but just used
    policy_cache.write("key3", {"n": 3})
    assert sorted(p.name for p in cache.glob("*.pickle")) == ["key0.pickle", "key2.pickle", "key3.pickle"]


def test_a_parent_edited_under_a_live_loader_is_not_mixed_into_a_child(tmp_path, monkeypatch):
    # A loader that parsed `national` for one jurisdiction, then checks another after national
    # was edited, must check the new text: before, it reused the old parse and cached the result
    # under the new texts' key, so every later process got the old waiting period.
    monkeypatch.setenv("POLICYRUN_CACHE_DIR", str(tmp_path / "cache"))
    policies = tmp_path / "policies"
    policies.mkdir()
    for name in ("national", "nanning", "harbin"):
        shutil.copy(ROOT / "policies" / f"{name}.policy", policies / f"{name}.policy")
    example = lambda name: json.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))
    live = policyrun.load(policies)
    live.evaluate(example("nanning-outside-concentrated.json"))          # parses national
    national = policies / "national.policy"
    text = national.read_text(encoding="utf-8")
    edited = text.replace('fixed_waiting_months "固定待遇等待期(月)": int = 3', 'fixed_waiting_months "固定待遇等待期(月)": int = 6')
    assert edited != text
    national.write_text(edited, encoding="utf-8")
    harbin = example("harbin-newborn-day-91.json")
    in_process = live.evaluate(harbin)["alternatives"][0]
    fresh = policyrun.load(policies).evaluate(harbin)["alternatives"][0]      # from the disk cache
    assert (in_process["waiting_months"], fresh["waiting_months"]) == (6, 6)


def test_a_policy_file_deleted_under_a_live_loader_is_an_error_not_the_bundled_one(tmp_path, monkeypatch):
    import pytest
    monkeypatch.setenv("POLICYRUN_CACHE_DIR", "")
    policies = tmp_path / "policies"
    policies.mkdir()
    for name in ("national", "nanning"):
        shutil.copy(ROOT / "policies" / f"{name}.policy", policies / f"{name}.policy")
    live = policyrun.load(policies)
    assert "nanning" in live.jurisdictions()
    (policies / "nanning.policy").unlink()
    scenario = json.loads((ROOT / "examples" / "nanning-outside-concentrated.json").read_text(encoding="utf-8"))
    with pytest.raises(policyrun.PolicyError, match="nanning.policy does not exist"):
        live.evaluate(scenario)
