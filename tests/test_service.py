"""The HTTP API in process: decisions as the Python API gives them, the error shape for every
kind of bad input (never a 500), limits, the check endpoint, listings and the OpenAPI document."""
import json
import logging

import pytest
from service_support import bundled_snapshot, client, example, make_app

DAY_91 = "harbin-newborn-day-91"


@pytest.fixture(scope="module")
def api():
    return client(make_app(max_body=64 * 1024, max_batch=5))


def assert_error(response, status, path, *words):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["path"] == path
    for word in words:
        assert word in error["message"]


# ---- evaluate -----------------------------------------------------------------------------

def test_evaluate_gives_the_python_api_decision(api):
    scenario = example(DAY_91)
    r = api.post("/v1/evaluate", json=scenario)
    assert r.status_code == 200
    assert r.json() == bundled_snapshot().policies.evaluate(scenario)
    assert r.json()["alternatives"][0]["coverage"]["start"] == "2025-04-01"
    assert r.headers["x-policyrun-generation"] == "1"


def test_explain_adds_trace_and_notice(api):
    d = api.post("/v1/evaluate?explain=true", json=example(DAY_91)).json()
    assert "HRB-1" in {step.get("rule") for step in d["trace"]}
    assert d["notice"].startswith("结论")
    assert "trace" not in api.post("/v1/evaluate?explain=false", json=example(DAY_91)).json()


def test_a_reading_in_the_scenario_changes_the_decision(api):
    scenario = dict(example(DAY_91), readings={"A-WAIT-DAY": "next_day"})
    assert api.post("/v1/evaluate", json=scenario).json()["alternatives"][0]["coverage"]["start"] == "2025-04-02"


@pytest.mark.parametrize("body, status, path, words", [
    ("{not json", 400, "$", ["invalid JSON", "line 1"]),
    ("", 400, "$", ["empty body"]),
    ('{"a": 1, "a": 2}', 400, "$", ["duplicate"]),
    ("[1, 2]", 422, "$", []),
    ('{"jurisdiction": "harbin", "resident": {"birth_date": "2024-10-02", "colour": "red"}}', 422,
     "resident.colour", ["unknown field"]),
    ('{"jurisdiction": "harbin", "resident": {"birth_date": 20241002}}', 422, "resident.birth_date", []),
    ('{"jurisdiction": "harbin", "resident": {"birth_date": "2024-02-30"}}', 422, "resident.birth_date",
     ["2024-02-30"]),
    ('{"jurisdiction": "atlantis", "resident": {"birth_date": "2024-10-02"}}', 422, "jurisdiction", ["atlantis"]),
    ('{"jurisdiction": "harbin", "resident": {"birth_date": "2024-10-02"}, "readings": {"A-BREAK": "x"}}', 422,
     "readings.A-BREAK", ["unknown option"]),
])
def test_bad_scenarios_are_4xx_naming_the_path(api, body, status, path, words):
    r = api.post("/v1/evaluate", content=body.encode(), headers={"content-type": "application/json"})
    assert_error(r, status, path, *words)


def test_bad_query_flag(api):
    assert_error(api.post("/v1/evaluate?explain=perhaps", json=example(DAY_91)), 422, "explain", "perhaps")


def test_oversized_body_is_413_before_parsing(api):
    big = b'{"jurisdiction": "harbin", "pad": "' + b"x" * (64 * 1024) + b'"}'
    assert_error(api.post("/v1/evaluate", content=big), 413, "$", "65536")
    # without a Content-Length (chunked): counted while reading
    assert_error(api.post("/v1/evaluate", content=iter([big[:40000], big[40000:]])), 413, "$")


def test_body_that_is_not_utf8(api):
    assert_error(api.post("/v1/evaluate", content=b'{"jurisdiction": "\xff"}'), 400, "$", "invalid JSON")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_body_in_utf16_or_utf32_is_400_not_utf8(api, encoding):
    # json.loads would detect these encodings in bytes; the service reads UTF-8 only
    body = json.dumps(example(DAY_91), ensure_ascii=False).encode(encoding)
    for endpoint in ("/v1/evaluate", "/v1/evaluate/batch", "/v1/check"):
        assert_error(api.post(endpoint, content=body), 400, "$", "invalid JSON", "not UTF-8")


def test_utf8_with_a_byte_order_mark_is_still_read(api):
    body = b"\xef\xbb\xbf" + json.dumps(example(DAY_91), ensure_ascii=False).encode("utf-8")
    assert api.post("/v1/evaluate", content=body).status_code == 200


def test_body_is_json_whatever_its_content_type(api):
    # curl -d sends application/x-www-form-urlencoded: still read as JSON, as documented
    body = json.dumps(example(DAY_91)).encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        r = api.post("/v1/evaluate", content=body, headers={"content-type": content_type})
        assert r.status_code == 200 and r.json()["accepted"] is False
    doc = api.get("/openapi.json").json()
    for path in ("/v1/evaluate", "/v1/evaluate/batch", "/v1/check"):
        assert "whatever the Content-Type" in doc["paths"][path]["post"]["requestBody"]["description"]


def test_a_json_string_holding_a_scenario_is_not_a_scenario(api):
    from policyrun.scenario import _show
    text = json.dumps(example(DAY_91))
    expected = f"expected an object, got {_show(text)}"   # the CLI's words for the same body
    assert expected.startswith('expected an object, got "{')
    r = api.post("/v1/evaluate", json=text)
    assert_error(r, 422, "$")
    assert r.json()["error"]["message"] == expected
    out = api.post("/v1/evaluate/batch", json=[text, example(DAY_91)]).json()
    assert out[0] == {"error": {"path": "$", "message": expected}}
    assert out[1]["accepted"] is False


def test_routing_refusals_use_the_error_shape(api):
    assert_error(api.get("/v1/nothing"), 404, "/v1/nothing", "no such endpoint")
    # a trailing slash is another path: a JSON 404, not Starlette's 307 redirect
    for path in ("/v1/evaluate/", "/v1/evaluate/batch/", "/v1/check/"):
        r = api.post(path, json=example(DAY_91), follow_redirects=False)
        assert_error(r, 404, path, "no such endpoint")
    assert_error(api.get("/healthz/", follow_redirects=False), 404, "/healthz/")
    r = api.get("/v1/evaluate")
    assert_error(r, 405, "/v1/evaluate", "GET")
    assert "POST" in r.headers["allow"]


# ---- batch --------------------------------------------------------------------------------

def test_batch_in_order_with_per_item_errors(api):
    items = [example(DAY_91), {"jurisdiction": "harbin", "resident": {}}, 7, example("harbin-newborn-day-90")]
    r = api.post("/v1/evaluate/batch", json=items)
    assert r.status_code == 200
    out = r.json()
    assert out[0]["accepted"] is False and out[3]["accepted"] is True
    assert out[1] == {"error": {"path": "resident.birth_date", "message": out[1]["error"]["message"]}}
    assert out[2]["error"]["path"] == "$"


def test_batch_limits(api):
    assert_error(api.post("/v1/evaluate/batch", json=[example(DAY_91)] * 6), 413, "$", "at most 5")
    assert_error(api.post("/v1/evaluate/batch", json={"a": 1}), 422, "$", "array")
    assert api.post("/v1/evaluate/batch", json=[]).json() == []


# ---- check --------------------------------------------------------------------------------

MISTAKE = "policy mine extends national\n  years 2025..2025\n\nlet doubled = standrd[2025] * 2\n"


def test_check_reports_diagnostics_with_line_and_column(api):
    r = api.post("/v1/check", json={"text": MISTAKE, "name": "mine.policy"})
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False and body["errors"] == 1
    (d,) = body["diagnostics"]
    assert (d["code"], d["file"], d["line"], d["column"]) == ("C001", "mine.policy", 4, 15)
    assert "standrd" in d["message"] and "standard" in d["help"]


def test_check_of_a_bundled_policy_is_clean(api):
    from conftest import ROOT
    text = (ROOT / "policies" / "harbin.policy").read_text(encoding="utf-8")
    body = api.post("/v1/check", json={"text": text, "name": "harbin.policy"}).json()
    assert body["ok"] is True and body["errors"] == 0


def test_check_syntax_errors_and_unknown_parents(api):
    body = api.post("/v1/check", json={"text": "policy p\nlet x = \n"}).json()
    assert body["diagnostics"][0]["code"].startswith("P") and body["diagnostics"][0]["line"] == 2
    body = api.post("/v1/check", json={"text": "policy p extends atlantis\n"}).json()
    assert body["diagnostics"][0]["code"] == "C011" and body["diagnostics"][0]["line"] == 1
    body = api.post("/v1/check", json={"text": "policy national extends harbin\n"}).json()
    assert "extends itself" in body["diagnostics"][0]["message"]


def test_check_never_runs_the_policy(api, tmp_path):
    # An example that would fail if it ran, and an invariant that could not hold: check is silent.
    text = MISTAKE.replace("standrd", "standard") + (
        'example "never run" {\n  given {\n    resident.birth_date: 2000-01-01\n  }\n'
        '  expect {\n    accepted: true\n  }\n}\n')
    body = api.post("/v1/check", json={"text": text}).json()
    assert body["errors"] == 0, body


@pytest.mark.parametrize("payload, path", [
    ({"name": "x.policy"}, "text"), ({"text": 3}, "text"), ({"text": "", "colour": 1}, "colour"),
    ({"text": "", "name": ""}, "name"), ([], "$"),
])
def test_check_request_validation(api, payload, path):
    assert_error(api.post("/v1/check", json=payload), 422, path)


def test_deeply_nested_policy_text_is_a_422_not_a_crash(api):
    text = "policy p\nlet x = " + "(" * 20000 + "1" + ")" * 20000 + "\n"
    r = api.post("/v1/check", json={"text": text})
    assert r.status_code in (200, 422), r.text


# ---- listings, schema, health, OpenAPI ----------------------------------------------------

def test_jurisdictions_list_ambiguities_default_first(api):
    listing = api.get("/v1/jurisdictions").json()["jurisdictions"]
    names = [j["name"] for j in listing]
    assert names == bundled_snapshot().policies.jurisdictions()
    harbin = next(j for j in listing if j["name"] == "harbin")
    declared = bundled_snapshot().policies.ambiguities("harbin")
    assert {a["id"]: [o["name"] for o in a["options"]] for a in harbin["ambiguities"]} == declared
    assert all(a["default"] == a["options"][0]["name"] for a in harbin["ambiguities"])


def test_schema_per_jurisdiction(api):
    from policyrun.schema import scenario_schema
    r = api.get("/v1/schema/harbin")
    assert r.json() == scenario_schema(bundled_snapshot().policies, "harbin")
    assert_error(api.get("/v1/schema/atlantis"), 404, "jurisdiction", "harbin")


def test_rules_with_their_source_quotes(api):
    rules = {r["id"]: r for r in api.get("/v1/rules/harbin").json()["rules"]}
    checked = bundled_snapshot().policies.policy("harbin").checked
    assert set(rules) == set(checked.rules)
    hrb1 = rules["HRB-1"]
    assert hrb1["module"] == "harbin" and hrb1["title"] == checked.rules["HRB-1"].decl.title
    assert "新生儿在出生0—90天" in hrb1["citations"][0]["quote"]
    # every rule a decision names can be shown with its source
    decision = api.post("/v1/evaluate", json=example(DAY_91)).json()
    named = decision["decided_by"] + [r["rule"] for r in decision["reasons"]]
    named += decision["alternatives"][0]["decided_by"]
    assert set(named) <= set(rules)
    assert_error(api.get("/v1/rules/atlantis"), 404, "jurisdiction")


def test_examples_endpoint_and_health(api):
    examples = api.get("/v1/examples").json()["examples"]
    assert any(e["name"] == DAY_91 and e["scenario"] == example(DAY_91) for e in examples)
    health = api.get("/healthz").json()
    assert health["status"] == "ok" and health["generation"] == 1


def test_openapi_document_describes_the_decisions_it_returns(api):
    import jsonschema
    doc = api.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert {"/v1/evaluate", "/v1/evaluate/batch", "/v1/check", "/v1/jurisdictions", "/v1/schema/{jurisdiction}",
            "/healthz"} <= set(doc["paths"])
    assert "/v1/admin/reload" not in doc["paths"]
    # Every bundled example's decision (explained) is valid against the documented Decision schema.
    root = {"$defs": {}, **doc}
    validator = jsonschema.Draft202012Validator({"$ref": "#/components/schemas/Decision", **root})
    scenario_validator = jsonschema.Draft202012Validator({"$ref": "#/components/schemas/Scenario", **root})
    from conftest import ROOT
    for path in sorted((ROOT / "examples").glob("*.json")):
        scenario = json.loads(path.read_text(encoding="utf-8"))
        scenario_validator.validate(scenario)
        validator.validate(api.post("/v1/evaluate?explain=true", json=scenario).json())


def test_playground_page_and_assets_are_served(api):
    page = api.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("app.js", "style.css", "i18n.js", "decision.js", "timeline.js", "check.js", "dom.js"):
        r = api.get(f"/static/{asset}")
        assert r.status_code == 200, asset
        # no other origin: the page works on a closed network (the SVG namespace is a name, not a fetch)
        text = r.text.replace("http://www.w3.org/2000/svg", "")
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, asset


# ---- the request log ----------------------------------------------------------------------

def test_request_log_has_no_resident_data(api, caplog):
    with caplog.at_level(logging.INFO, logger="policyrun.service.access"):
        api.post("/v1/evaluate", json=example(DAY_91))
    (record,) = [r for r in caplog.records if r.name == "policyrun.service.access"]
    assert {"method": "POST", "path": "/v1/evaluate", "status": 200, "jurisdiction": "harbin"}.items() \
        <= record.fields.items()
    assert record.fields["latency_ms"] > 0
    assert "2024-10-02" not in json.dumps(record.fields)


def test_log_bodies_puts_the_body_in_the_log(caplog):
    logged = client(make_app(log_bodies=True))
    with caplog.at_level(logging.INFO, logger="policyrun.service.access"):
        logged.post("/v1/evaluate", json=example(DAY_91))
        logged.post("/v1/evaluate/batch", json=[example(DAY_91)])
        logged.post("/v1/check", json={"text": MISTAKE, "name": "mine.policy"})
    evaluate, batch, check = [r for r in caplog.records if r.name == "policyrun.service.access"]
    assert "2024-10-02" in evaluate.fields["body"] and "2024-10-02" in batch.fields["body"]
    assert check.fields["path"] == "/v1/check" and "standrd" in check.fields["body"]


def test_request_log_names_only_loaded_jurisdictions_and_stays_short(api, caplog):
    # Client text in `jurisdiction` is not a jurisdiction's name: not logged, whatever its size.
    secret = "张三 身份证110101199003071234 " + "x" * 60_000
    bad = {"jurisdiction": secret, "resident": {"birth_date": "2024-10-02"}}
    with caplog.at_level(logging.INFO, logger="policyrun.service.access"):
        assert api.post("/v1/evaluate", json=bad).status_code == 422
        assert api.post("/v1/evaluate/batch", json=[bad, example(DAY_91)]).status_code == 200
        assert api.get("/v1/schema/" + "张三" * 1000).status_code == 404
    single, batch, schema = [r.fields for r in caplog.records if r.name == "policyrun.service.access"]
    assert single["jurisdiction"] is None and batch["jurisdiction"] == "harbin"
    assert schema["jurisdiction"] is None
    for fields in (single, batch, schema):
        line = json.dumps(fields, ensure_ascii=False)
        assert "110101199003071234" not in line and len(line) < 500, line[:200]


# ---- admin reload (in process; SIGHUP and workers: test_service_process.py) ---------------

def test_admin_reload_needs_the_token(tmp_path):
    from service_support import small_policy_dir
    directory = small_policy_dir(tmp_path)
    api = client(make_app(policy_dir=str(directory), admin_token="s3cret"))
    assert_error(api.post("/v1/admin/reload"), 401, "Authorization")
    r = api.post("/v1/admin/reload", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = api.post("/v1/admin/reload", headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 200 and r.json()["reloaded"] is True and r.json()["generation"] == 2
    assert "/v1/admin/reload" in api.get("/openapi.json").json()["paths"]


def test_failed_reload_keeps_serving_the_old_policies(tmp_path):
    from service_support import small_policy_dir
    directory = small_policy_dir(tmp_path)
    api = client(make_app(policy_dir=str(directory), admin_token="s3cret"))
    before = api.post("/v1/evaluate", json=example("nanning-inside-concentrated")).json()
    (directory / "nanning.policy").write_text("policy nanning extends national\nlet x = \n", encoding="utf-8")
    r = api.post("/v1/admin/reload", headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 422
    body = r.json()
    assert body["reloaded"] is False and body["generation"] == 1
    assert body["diagnostics"][0]["line"] == 2 and "still serving generation 1" in body["error"]["message"]
    after = api.post("/v1/evaluate", json=example("nanning-inside-concentrated"))
    assert after.json() == before and after.headers["x-policyrun-generation"] == "1"


def test_workers_sharing_a_generation_agree_after_one_reload(tmp_path):
    # What `serve --workers 2` does on an admin reload, in one process: worker A claims and loads
    # the next generation; then every worker is told to follow, A included, which has it already.
    import asyncio
    import multiprocessing

    from policyrun.service.state import Live, SharedGeneration, build
    from service_support import small_policy_dir
    directory = str(small_policy_dir(tmp_path))
    shared = SharedGeneration(multiprocessing.get_context("fork"))
    snapshot = build(directory)
    a, b = Live(snapshot, directory, shared), Live(snapshot, directory, shared)

    async def admin_reload_then_follow():
        assert (await a.reload("admin"))["generation"] == 2
        assert await a.follow("SIGHUP") is None   # the worker that asked: nothing to do
        assert (await b.follow("SIGHUP"))["generation"] == 2
        shared.claim()   # SIGHUP to the supervisor: a generation for everyone
        return [(await live.follow("SIGHUP"))["generation"] for live in (a, b)]

    assert asyncio.run(admin_reload_then_follow()) == [3, 3]
    assert a.snapshot.generation == b.snapshot.generation == shared.target() == 3
