"""The bundled policies against the domain specification (../shared/domain/rules.md):
every rule ID is encoded or explained, every ambiguity declared as registered, every seed quote
verbatim, every value with provenance."""
import re

import pytest

from conftest import ROOT, SHARED

RULES_MD = SHARED / "domain" / "rules.md"
SEEDS = SHARED / "seeds"


def shared_text(path):
    if not path.exists():
        pytest.skip(f"{path} is absent: the policies cannot be compared with the domain specification")
    return path.read_text(encoding="utf-8")


def spec_rule_ids():
    """IDs defined in §1–§3: `**N-2 — …` headings, and ranges such as `**SHY-5…SHY-8 — …`."""
    text = shared_text(RULES_MD)
    body = text[:text.index("## 4.")]
    ids = set()
    for first, last in re.findall(r"^\*\*([A-Z]+-\d+[a-z]?)(?:…([A-Z]+-\d+))? —", body, re.M):
        ids.add(first)
        if last:
            prefix, lo, hi = first.split("-")[0], int(first.split("-")[1]), int(last.split("-")[1])
            ids.update(f"{prefix}-{n}" for n in range(lo, hi + 1))
    return ids


def spec_ambiguities():
    """The §6 register: {ID: [option, …]} with the default first."""
    text = shared_text(RULES_MD)
    register = text[text.index("## 6."):]
    out = {}
    for amb_id, options in re.findall(r"^\| (A-[A-Z0-9-]+) \|[^|]*\|([^|]*)\|", register, re.M):
        out[amb_id] = [re.search(r"`([a-z0-9_]+)`", chunk).group(1) for chunk in options.split("·")]
    return out


def not_encoded():
    table = (ROOT / "docs" / "not-encoded.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| ([A-Z]+-\d+[a-z]?) \| (.+) \|$", table, re.M))


@pytest.fixture(scope="module")
def all_policies(policies):
    return {j: policies.policy(j).checked for j in policies.jurisdictions()}


def test_the_spec_is_read():
    ids = spec_rule_ids()
    assert {"N-2", "HRB-1", "SHY-7", "DAL-9", "OTH-4", "STD-3"} <= ids and len(ids) > 50


def test_every_rule_id_is_encoded_or_explained(all_policies):
    declared = set().union(*(p.rules for p in all_policies.values()))
    missing = spec_rule_ids() - declared - set(not_encoded())
    assert not missing, f"rules.md IDs in no policy and not in docs/not-encoded.md: {sorted(missing)}"


def test_explained_ids_are_real_and_really_absent(all_policies):
    declared = set().union(*(p.rules for p in all_policies.values()))
    for rule_id, why in not_encoded().items():
        assert rule_id in spec_rule_ids(), f"{rule_id} is not a rules.md ID"
        assert rule_id not in declared, f"{rule_id} is encoded after all; remove it from docs/not-encoded.md"
        assert len(why) > 20


def test_policies_invent_no_rule_ids(all_policies):
    spec = spec_rule_ids()
    for name, policy in all_policies.items():
        invented = set(policy.rules) - spec
        assert not invented, f"{name} declares rule IDs that rules.md does not define: {sorted(invented)}"


def test_every_ambiguity_is_declared_as_registered(all_policies):
    register = spec_ambiguities()
    assert len(register) >= 24
    declared = {}
    for policy in all_policies.values():
        for amb in policy.ambiguities.values():
            names = [o.name for o in amb.options]
            default = next((o.name for o in amb.options if o.default), names[0])
            declared[amb.id] = [default] + [n for n in names if n != default]
    missing = sorted(set(register) - set(declared))
    assert not missing, f"ambiguities of rules.md §6 that no policy declares: {missing}"
    for amb_id, options in declared.items():
        assert amb_id in register, f"{amb_id} is not in the register"
        assert options == register[amb_id], f"{amb_id}: declared {options}, registered {register[amb_id]}"


def seed_quotes(policy):
    """(source, quote, rule) for every citation and parameter value attributed to a seed."""
    seeds = {name: dict(decl.attrs)["seed"] for name, (decl, _) in policy.sources.items() if "seed" in dict(decl.attrs)}
    for rule_id, rule in policy.rules.items():
        for cite in rule.decl.cites:
            if cite.source in seeds and cite.quote:
                yield seeds[cite.source], cite.quote, rule_id
    for binding in policy.bindings.values():
        if binding.kind == "param":
            for entry in binding.decl.entries:
                for p in entry.value.provenance:
                    if p.kind == "from" and p.source in seeds and p.text:
                        yield seeds[p.source], p.text, binding.name


def test_every_seed_quote_is_verbatim(all_policies):
    if not SEEDS.exists():
        pytest.skip(f"{SEEDS} is absent: seed quotes cannot be checked")
    checked = 0
    for name, policy in all_policies.items():
        for seed, quote, where in seed_quotes(policy):
            text = (SEEDS / seed).read_text(encoding="utf-8")
            assert quote in text, f"{name}: `{where}` quotes {quote!r}, which is not in seed {seed}"
            checked += 1
    assert checked >= 30


def test_every_constant_parameter_value_has_provenance(all_policies):
    """check() enforces it (C013); this holds the bundled policies to it independently."""
    for name, policy in all_policies.items():
        for binding in policy.bindings.values():
            if binding.kind != "param":
                continue
            for entry in binding.decl.entries:
                kinds = {p.kind for p in entry.value.provenance}
                if type(entry.value.expr).__name__ == "Literal":
                    assert kinds & {"from", "assumed"}, f"{name}: a value of `{binding.name}` has no provenance"
