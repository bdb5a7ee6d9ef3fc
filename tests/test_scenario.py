"""Scenario parsing and validation against shared/spec/scenario.md."""
import copy
import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrun.scenario import ENUMS, FIELD_TYPES, MonthSpan, Scenario, ScenarioError, parse_scenario
from policyrun.scenario_json import parse_scenario_json

# The contract's full example, verbatim.
CONTRACT_EXAMPLE = """{
  "jurisdiction": "harbin",
  "as_of": null,
  "resident": {
    "birth_date": "2024-10-02",
    "district": null,
    "hukou": "local",
    "hukou_registered_on": null,
    "registered_with": "hukou",
    "record_changed_on": null,
    "education": "none",
    "statuses": [],
    "residence_permit_points": null,
    "other_coverage": [],
    "labour_contract_ended_on": null,
    "auto_renewed": false,
    "unpaid_2021_topup": false
  },
  "history": {
    "resident_years": [],
    "employee_months": [],
    "zero_reimbursement_years": [],
    "reward_used_years": []
  },
  "application": {
    "registered_on": "2024-12-31",
    "paid_on": "2024-12-31",
    "coverage_years": [2024, 2025],
    "tier": null,
    "repair_years": 0
  },
  "readings": {},
  "parameters": {},
  "covered_on": [],
  "cap_years": []
}"""

RESIDENT_DEFAULTS = {
    "resident.district": None,
    "resident.hukou": "local",
    "resident.hukou_registered_on": None,
    "resident.registered_with": "hukou",
    "resident.record_changed_on": None,
    "resident.education": "none",
    "resident.statuses": (),
    "resident.residence_permit_points": None,
    "resident.other_coverage": (),
    "resident.labour_contract_ended_on": None,
    "resident.auto_renewed": False,
    "resident.unpaid_2021_topup": False,
    "history.resident_years": (),
    "history.employee_months": (),
    "history.zero_reimbursement_years": (),
    "history.reward_used_years": (),
}


def minimal(**top):
    doc = {"jurisdiction": "harbin", "resident": {"birth_date": "2024-10-02"}}
    doc.update(top)
    return doc


def with_resident(**fields):
    return minimal(resident={"birth_date": "2024-10-02", **fields})


def with_history(**fields):
    return minimal(history=fields)


def with_application(**fields):
    return minimal(application=fields)


def error_of(doc) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc)
    return info.value


# --- valid scenarios ------------------------------------------------------------------------

def test_contract_example_parses_to_every_value():
    s = parse_scenario_json(CONTRACT_EXAMPLE)
    assert s.jurisdiction == "harbin"
    assert s.has_application is True
    assert s.values == {
        **RESIDENT_DEFAULTS,
        "as_of": date(2024, 12, 31),
        "resident.birth_date": date(2024, 10, 2),
        "application.registered_on": date(2024, 12, 31),
        "application.paid_on": date(2024, 12, 31),
        "application.coverage_years": (2024, 2025),
        "application.tier": None,
        "application.repair_years": 0,
    }
    assert (s.readings, s.parameters, s.covered_on, s.cap_years) == ({}, {}, (), ())


def test_minimal_scenario_fills_contract_defaults():
    s = parse_scenario(minimal())
    assert s.values == {**RESIDENT_DEFAULTS, "resident.birth_date": date(2024, 10, 2),
                        "as_of": None}
    assert s.has_application is False
    assert not any(key.startswith("application.") for key in s.values)


def test_null_application_is_no_application():
    s = parse_scenario(minimal(application=None))
    assert s.has_application is False
    assert "application.paid_on" not in s.values


def test_application_defaults():
    s = parse_scenario(with_application(paid_on="2025-01-01"))
    assert s.values["application.coverage_years"] == ()
    assert s.values["application.tier"] is None
    assert s.values["application.repair_years"] == 0


def test_full_scenario_values_and_types():
    doc = minimal(
        as_of="2025-03-01",
        resident={"birth_date": "1980-05-01", "district": "法库县", "hukou": "non_local",
                  "hukou_registered_on": "2024-06-01", "registered_with": "birth_certificate",
                  "record_changed_on": "2024-07-01", "education": "college_part_time",
                  "statuses": ["dibao", "student_loan"], "residence_permit_points": 120,
                  "other_coverage": ["employee"], "labour_contract_ended_on": "2024-08-31",
                  "auto_renewed": True, "unpaid_2021_topup": True},
        history={"resident_years": [2022, 2023], "zero_reimbursement_years": [2023],
                 "reward_used_years": [2021],
                 "employee_months": [{"from": "2019-01", "to": "2020-12"},
                                     {"from": "2021-03", "to": "2021-03"}]},
        application={"registered_on": "2024-12-01", "paid_on": "2024-12-20",
                     "coverage_years": [2025], "tier": "high", "repair_years": 2},
        readings={"A-BREAK": "each_year"},
        parameters={"critical_illness.original_cap": 100000, "x.rate": Decimal("0.025"),
                    "x.step": "5000.50", "x.float": 0.1},
        covered_on=["2025-04-01", "2025-12-31"],
        cap_years=[2024, 2025],
    )
    s = parse_scenario(doc)
    v = s.values
    assert v["as_of"] == date(2025, 3, 1)
    assert v["resident.district"] == "法库县"
    assert v["resident.statuses"] == ("dibao", "student_loan")
    assert v["resident.residence_permit_points"] == 120
    assert v["resident.auto_renewed"] is True
    assert v["history.employee_months"] == (MonthSpan((2019, 1), (2020, 12)),
                                            MonthSpan((2021, 3), (2021, 3)))
    assert v["application.registered_on"] == date(2024, 12, 1)
    assert v["application.paid_on"] == date(2024, 12, 20)
    assert v["application.tier"] == "high"
    assert s.readings == {"A-BREAK": "each_year"}
    assert s.parameters == {"critical_illness.original_cap": Decimal(100000),
                            "x.rate": Decimal("0.025"), "x.step": Decimal("5000.50"),
                            "x.float": Decimal("0.1")}
    assert all(type(p) is Decimal for p in s.parameters.values())
    assert s.covered_on == (date(2025, 4, 1), date(2025, 12, 31))
    assert s.cap_years == (2024, 2025)
    assert set(v) == set(FIELD_TYPES)


def test_json_numbers_become_exact_decimals():
    s = parse_scenario_json('{"jurisdiction": "x", "resident": {"birth_date": "2000-01-01"},'
                            ' "parameters": {"a": 38.454, "b": 1e5, "c": 7}}')
    assert s.parameters == {"a": Decimal("38.454"), "b": Decimal("1E+5"), "c": Decimal(7)}
    assert str(s.parameters["a"]) == "38.454"


# --- the two application dates ---------------------------------------------------------------

def test_registered_on_defaults_to_paid_on():
    v = parse_scenario(with_application(paid_on="2025-01-01")).values
    assert v["application.registered_on"] == v["application.paid_on"] == date(2025, 1, 1)


def test_paid_on_defaults_to_registered_on():
    v = parse_scenario(with_application(registered_on="2024-11-05")).values
    assert v["application.paid_on"] == v["application.registered_on"] == date(2024, 11, 5)


def test_explicit_null_paid_on_stays_none():
    v = parse_scenario(with_application(registered_on="2024-11-05", paid_on=None)).values
    assert v["application.registered_on"] == date(2024, 11, 5)
    assert v["application.paid_on"] is None


@pytest.mark.parametrize("fields", [{}, {"paid_on": None}, {"coverage_years": [2025]}])
def test_application_needs_one_of_the_dates(fields):
    err = error_of(with_application(**fields))
    assert err.path == "application"
    assert "registered_on" in err.message and "paid_on" in err.message


def test_null_registered_on_is_an_error():
    err = error_of(with_application(registered_on=None, paid_on="2025-01-01"))
    assert err.path == "application.registered_on"


def test_as_of_defaults_to_registered_on_not_paid_on():
    doc = with_application(registered_on="2024-11-05", paid_on="2024-12-20")
    assert parse_scenario(doc).values["as_of"] == date(2024, 11, 5)
    doc["as_of"] = "2025-02-01"
    assert parse_scenario(doc).values["as_of"] == date(2025, 2, 1)


# --- errors ----------------------------------------------------------------------------------

def test_error_str_is_path_colon_message():
    err = error_of(with_resident(birth_date="2024-02-30"))
    assert (err.path, err.message) == ("resident.birth_date",
                                       'expected a date YYYY-MM-DD, got "2024-02-30"')
    assert str(err) == 'resident.birth_date: expected a date YYYY-MM-DD, got "2024-02-30"'


@pytest.mark.parametrize("doc, path", [
    (minimal(colour="red"), "colour"),
    (with_resident(colour="red"), "resident.colour"),
    (with_history(colour="red"), "history.colour"),
    (with_application(paid_on="2025-01-01", colour="red"), "application.colour"),
    (with_history(employee_months=[{"from": "2020-01", "to": "2020-02", "x": 1}]),
     "history.employee_months[0].x"),
])
def test_unknown_field(doc, path):
    err = error_of(doc)
    assert err.path == path
    assert err.message.startswith("unknown field; expected one of: ")


def test_unknown_field_lists_allowed_names():
    err = error_of(with_resident(colour="red"))
    assert err.message.startswith("unknown field; expected one of: birth_date, district, hukou")
    assert "unpaid_2021_topup" in err.message


@pytest.mark.parametrize("doc, path", [
    ({"resident": {"birth_date": "2024-10-02"}}, "jurisdiction"),
    ({"jurisdiction": "harbin"}, "resident"),
    ({"jurisdiction": "harbin", "resident": {}}, "resident.birth_date"),
    (with_history(employee_months=[{"from": "2020-01"}]), "history.employee_months[0].to"),
    (with_history(employee_months=[{"to": "2020-01"}]), "history.employee_months[0].from"),
])
def test_required_field_missing(doc, path):
    err = error_of(doc)
    assert (err.path, err.message) == (path, "required field missing")


@pytest.mark.parametrize("bad", ["2024-02-30", "2024-13-01", "2024-1-05", "20240105",
                                 "2024-01-05T00:00", " 2024-01-05", "0000-01-01", "２０２４-01-05",
                                 20240105, None, ["2024-01-05"]])
def test_bad_dates(bad):
    err = error_of(with_resident(birth_date=bad))
    assert err.path == "resident.birth_date"
    assert err.message.startswith("expected a date YYYY-MM-DD, got ")


@pytest.mark.parametrize("doc, path", [
    (minimal(as_of="2025-02-29"), "as_of"),
    (with_resident(hukou_registered_on="2024/01/01"), "resident.hukou_registered_on"),
    (with_application(paid_on="2025-1-1"), "application.paid_on"),
    (minimal(covered_on=["2025-01-01", "2025-04-31"]), "covered_on[1]"),
])
def test_bad_dates_elsewhere_name_their_path(doc, path):
    assert error_of(doc).path == path


@pytest.mark.parametrize("bad", ["2020-13", "2020-00", "2020-1", "2020-01-01", "202001", 202001,
                                 "9999-12", "1899-12", "2201-01", "0000-01"])
def test_bad_months(bad):
    # a month's year is bounded like the other years (1900-2200): `9999-12` made the months an
    # evaluation walks unbounded (a 4 KB scenario took seconds)
    err = error_of(with_history(employee_months=[{"from": "2019-01", "to": bad}]))
    assert err.path == "history.employee_months[0].to"
    assert err.message.startswith("expected a month YYYY-MM (years 1900-2200), got ")


def test_month_span_must_not_run_backwards():
    err = error_of(with_history(employee_months=[{"from": "2020-01", "to": "2020-01"},
                                                 {"from": "2021-05", "to": "2021-03"}]))
    assert err.path == "history.employee_months[1]"
    assert '"2021-05"' in err.message and '"2021-03"' in err.message


@pytest.mark.parametrize("bad", [{"from": "2020-01"}, "2020-01/2020-02", ["2020-01", "2020-02"]])
def test_month_span_shape(bad):
    assert error_of(with_history(employee_months=[bad])).path.startswith(
        "history.employee_months[0]")


@pytest.mark.parametrize("bad", [1899, 2201, "2024", 2024.0, True, None, -1,
                                 pytest.param(10 ** 5000, id="huge")])
def test_bad_years(bad):
    err = error_of(with_history(resident_years=[2023, bad]))
    assert err.path == "history.resident_years[1]"
    assert err.message.startswith("expected a year (an integer 1900-2200), got ")


@pytest.mark.parametrize("doc, path", [
    (with_history(zero_reimbursement_years=[1800]), "history.zero_reimbursement_years[0]"),
    (with_history(reward_used_years=["2020"]), "history.reward_used_years[0]"),
    (with_application(paid_on="2025-01-01", coverage_years=[2025.0]),
     "application.coverage_years[0]"),
    (minimal(cap_years=[2024, False]), "cap_years[1]"),
])
def test_bad_years_elsewhere_name_their_path(doc, path):
    assert error_of(doc).path == path


def test_year_bounds_are_inclusive():
    assert parse_scenario(minimal(cap_years=[1900, 2200])).cap_years == (1900, 2200)


@pytest.mark.parametrize("field, bad", [
    ("repair_years", -1), ("repair_years", 1.5), ("repair_years", "2"), ("repair_years", True),
    ("repair_years", None),
])
def test_bad_counts(field, bad):
    err = error_of(with_application(paid_on="2025-01-01", **{field: bad}))
    assert (err.path, err.message) == (f"application.{field}",
                                       f"expected an integer >= 0, got {json.dumps(bad)}")


def test_residence_permit_points_is_a_nullable_count():
    assert error_of(with_resident(residence_permit_points=-5)).path == \
        "resident.residence_permit_points"
    assert error_of(with_resident(residence_permit_points=Decimal("1.5"))).message == \
        "expected an integer >= 0, got 1.5"
    assert parse_scenario(with_resident(residence_permit_points=0)).values[
        "resident.residence_permit_points"] == 0


@pytest.mark.parametrize("bad", [0, 1, "true", None, "false"])
def test_bad_booleans(bad):
    err = error_of(with_resident(auto_renewed=bad))
    assert (err.path, err.message) == ("resident.auto_renewed",
                                       f"expected true or false, got {json.dumps(bad)}")


def test_bad_enum_lists_allowed_values():
    err = error_of(with_resident(hukou="Local"))
    assert (err.path, err.message) == ("resident.hukou",
                                       'expected one of: local, non_local, got "Local"')


@pytest.mark.parametrize("doc, path", [
    (with_resident(education="college"), "resident.education"),
    (with_resident(registered_with=None), "resident.registered_with"),
    (with_resident(statuses=["dibao", "poor"]), "resident.statuses[1]"),
    (with_resident(other_coverage=[1]), "resident.other_coverage[0]"),
    (with_application(paid_on="2025-01-01", tier="medium"), "application.tier"),
])
def test_bad_enums_name_their_path(doc, path):
    err = error_of(doc)
    assert err.path == path
    assert err.message.startswith("expected one of: ")


def test_enums_match_the_contract():
    assert ENUMS["resident.hukou"] == ("local", "non_local")
    assert ENUMS["application.tier"] == ("low", "high")
    assert len(ENUMS["resident.statuses"]) == 10
    assert set(ENUMS) <= set(FIELD_TYPES)
    assert all(FIELD_TYPES[p] in ("text", "text?", "list[text]") for p in ENUMS)


def test_free_text_district_is_not_an_enum():
    assert error_of(with_resident(district=3)).message == "expected a string, got 3"


@pytest.mark.parametrize("doc, path", [
    (with_resident(statuses=["dibao", "tekun", "dibao"]), "resident.statuses[2]"),
    (with_history(resident_years=[2023, 2023]), "history.resident_years[1]"),
    (minimal(cap_years=[2024, 2024]), "cap_years[1]"),
    (minimal(covered_on=["2025-01-01", "2025-01-01"]), "covered_on[1]"),
])
def test_duplicates(doc, path):
    err = error_of(doc)
    assert err.path == path
    assert err.message.startswith("duplicate value ")


@pytest.mark.parametrize("doc, path", [
    (with_resident(statuses="dibao"), "resident.statuses"),
    (with_history(resident_years=2024), "history.resident_years"),
    (with_history(employee_months=None), "history.employee_months"),
    (minimal(covered_on={"2025-01-01": True}), "covered_on"),
    (minimal(cap_years=None), "cap_years"),
])
def test_lists_must_be_arrays(doc, path):
    err = error_of(doc)
    assert err.path == path
    assert err.message.startswith("expected an array, got ")


@pytest.mark.parametrize("doc, path", [
    (minimal(resident="2024-10-02"), "resident"),
    (minimal(history=[]), "history"),
    (minimal(history=None), "history"),
    (minimal(application=["2025-01-01"]), "application"),
    (minimal(readings=[]), "readings"),
    (minimal(parameters="x=1"), "parameters"),
])
def test_objects_must_be_objects(doc, path):
    err = error_of(doc)
    assert err.path == path
    assert err.message.startswith("expected an object, got ")


@pytest.mark.parametrize("bad", [None, [], "{}", 3])
def test_top_level_must_be_an_object(bad):
    err = error_of(bad)
    assert err.path == "$"
    assert err.message.startswith("expected an object, got ")


@pytest.mark.parametrize("bad", [None, 3, ["harbin"]])
def test_jurisdiction_must_be_a_string(bad):
    err = error_of(minimal(jurisdiction=bad))
    assert err.path == "jurisdiction"


@pytest.mark.parametrize("bad", [1, True, None, ["minus_one"]])
def test_readings_are_strings(bad):
    err = error_of(minimal(readings={"A-BREAK": "minus_one", "A-OTHER": bad}))
    assert err.path == "readings.A-OTHER"


@pytest.mark.parametrize("bad", ["abc", "1e5", "NaN", "Infinity", "", " 1", "1.", True,
                                 float("nan"), float("inf"), Decimal("NaN"), None, [1]])
def test_bad_parameters(bad):
    err = error_of(minimal(parameters={"critical_illness.reward_step": bad}))
    assert err.path == "parameters.critical_illness.reward_step"
    assert err.message.startswith("expected a number or a decimal string, got ")


# --- JSON text --------------------------------------------------------------------------------

def test_invalid_json_names_line_and_column():
    with pytest.raises(ScenarioError) as info:
        parse_scenario_json('{"jurisdiction": "harbin",\n  "resident": }')
    err = info.value
    assert err.path == "$"
    assert err.message == "invalid JSON at line 2 column 15: expecting value"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_json_bytes_are_utf8_only(encoding):
    # json.loads alone detects UTF-16 and UTF-32; the contract's files and bodies are UTF-8
    text = '{"jurisdiction": "harbin", "resident": {"birth_date": "2024-10-02"}}'
    with pytest.raises(ScenarioError) as info:
        parse_scenario_json(text.encode(encoding))
    assert info.value.message == "invalid JSON: not UTF-8 text (byte 1: invalid start byte)"
    assert parse_scenario_json(b"\xef\xbb\xbf" + text.encode()).jurisdiction == "harbin"   # a BOM is fine


@pytest.mark.parametrize("text, message", [
    ('{"a": "x', "invalid JSON: unterminated string starting at line 1 column 7"),
    ('{"a": "x\ny"}', "invalid JSON: invalid control character at line 1 column 9"),
])
def test_json_messages_that_end_in_a_place_get_it(text, message):
    # json's "Unterminated string starting at" expects the place after it; it was cut off
    with pytest.raises(ScenarioError) as info:
        parse_scenario_json(text)
    assert info.value.message == message


@pytest.mark.parametrize("text", [
    '{"a": NaN}', '{"a": 1, "a": 2}', b"\xff\xfe{", "", "[1]]",
    pytest.param("[" * 100000, id="deep"),
    pytest.param('{"a": ' + "9" * 5000 + "}", id="huge-int"),
])
def test_other_invalid_json(text):
    with pytest.raises(ScenarioError) as info:
        parse_scenario_json(text)
    assert info.value.path == "$"
    assert info.value.message.startswith("invalid JSON")


def test_json_errors_come_from_the_document_after_decoding():
    with pytest.raises(ScenarioError) as info:
        parse_scenario_json('{"jurisdiction": "harbin", "resident": {"birth_date": "2024-02-30"}}')
    assert info.value.path == "resident.birth_date"


def test_error_messages_are_one_line_and_short():
    err = error_of(with_resident(district="x" * 10000, hukou="a\nb" * 1000))
    assert "\n" not in str(err) and len(str(err)) < 300
    err = error_of(minimal(cap_years=[10 ** 10000]))
    assert err.message == "expected a year (an integer 1900-2200), got a very large integer"


def test_input_is_not_mutated():
    doc = with_application(paid_on="2025-01-01")
    before = copy.deepcopy(doc)
    parse_scenario(doc)
    assert doc == before


# --- property: any JSON-like input either parses or raises ScenarioError ----------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
    | st.sampled_from(["2024-10-02", "2020-01", "local", "dibao", "1.5", "harbin"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=8,
)

TOP_KEYS = ["jurisdiction", "as_of", "resident", "history", "application", "readings",
            "parameters", "covered_on", "cap_years", "unknown"]


def section(name):
    keys = [p.split(".", 1)[1] for p in FIELD_TYPES if p.startswith(name + ".")]
    return st.dictionaries(st.sampled_from(keys + ["from", "to", "x"]), json_values, max_size=5)


top_level = st.dictionaries(st.sampled_from(TOP_KEYS), json_values, max_size=6)

# Hypothesis builds its unicode table on the first text draw of a fresh checkout (seconds).
total = settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])


def check_total(doc):
    try:
        result = parse_scenario(doc)
    except ScenarioError as err:
        assert err.path and err.message and "\n" not in str(err)
        return
    assert isinstance(result, Scenario)
    assert set(result.values) <= set(FIELD_TYPES)


@total
@given(top_level)
def test_parse_is_total_on_json_like_values(doc):
    check_total(doc)


@total
@given(section("resident"), section("history"), section("application") | st.none())
def test_parse_is_total_near_valid_scenarios(resident, history, application):
    check_total({"jurisdiction": "harbin", "resident": {"birth_date": "2000-01-01", **resident},
                 "history": history, "application": application})


@total
@given(json_values)
def test_parse_is_total_on_any_top_level_value(value):
    check_total(value)


@total
@given(st.text(max_size=40))
def test_json_parse_is_total_on_text(text):
    try:
        parse_scenario_json(text)
    except ScenarioError as err:
        assert err.path


def test_a_lone_surrogate_is_an_error_at_its_path_and_a_pair_is_text():
    # `\ud800` alone decodes to half a UTF-16 pair: not text, and no decision could be written
    # with it; `\ud83d\ude00` is one character.
    with pytest.raises(ScenarioError) as err:
        parse_scenario_json('{"jurisdiction": "nanning", "resident": {"birth_date": "1990-01-01", '
                            '"district": "x\\udc00"}}')
    assert err.value.path == "resident.district" and "lone surrogate" in err.value.message
    s = parse_scenario_json('{"jurisdiction": "nanning", "resident": {"birth_date": "1990-01-01", '
                            '"district": "\\u5357\\u5b81\\ud83d\\ude00"}}')
    assert s.values["resident.district"] == "南宁\U0001F600"


def test_an_application_before_the_birth_date_is_an_error_at_the_date_given():
    # Catches a resident born in 2030 accepted for a payment in 2024 (no rule can answer that).
    born_later = lambda **app: {**with_application(**app), "resident": {"birth_date": "2030-01-01"}}
    err = error_of(born_later(paid_on="2024-11-15"))
    assert (err.path, err.message) == ("application.paid_on", "2024-11-15 is before the resident's birth_date 2030-01-01")
    assert error_of(born_later(registered_on="2024-11-15")).path == "application.registered_on"
    assert parse_scenario(born_later(paid_on="2030-01-01")).values["application.paid_on"] == date(2030, 1, 1)   # the day itself
