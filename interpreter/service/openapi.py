"""The OpenAPI 3.1 document of the service, written by hand and derived from the contract.

The request body of the evaluate endpoints is the scenario schema of `policyrun.schema` (the one
`policyrun schema` prints: the loaded policies' readings and parameters, every object closed), so
it follows the policies loaded; the decision is `shared/spec/scenario.md`'s table written as a
schema. OpenAPI 3.1 takes JSON Schema 2020-12 as it is. tests/test_service_schemathesis.py
holds the service to this document.
"""
from __future__ import annotations

import copy

from .. import __version__

DATE = {"type": "string", "format": "date"}
MONEY = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "description": "yuan, an exact decimal"}


def _null(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _obj(properties: dict, required=(), closed: bool = False, **more) -> dict:
    out = {"type": "object", "properties": properties, **more}
    if required:
        out["required"] = list(required)
    if closed:
        out["additionalProperties"] = False
    return out


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR = _json(_ref("Error"), "the request is refused; `error.path` names what is wrong")
GENERATION = {"X-Policyrun-Generation": {
    "description": "which load of the policies answered: 1 at start, a higher number after each reload, "
                   "the same on every worker for the same load",
    "schema": {"type": "string", "pattern": "^[0-9]+$"}}}


def _answered(schema: dict, description: str) -> dict:
    return dict(_json(schema, description), headers=GENERATION)


def _body(schema: dict) -> dict:
    # Documented as application/json; the service does not look at Content-Type (curl -d sends
    # application/x-www-form-urlencoded), and the bytes must be UTF-8.
    return {"required": True, "description": "JSON text in UTF-8, read as JSON whatever the Content-Type header says",
            "content": {"application/json": {"schema": schema}}}


DECISION = _obj({
    "jurisdiction": {"type": "string"},
    "accepted": {"type": ["boolean", "null"], "description": "null: no application, or the sources do not decide"},
    "route": {"type": ["string", "null"]},
    "reasons": {"type": "array", "items": _obj({"rule": {"type": ["string", "null"]},
                                                "message": {"type": "string"}}, ["message"])},
    "amount_due": _null(_obj({
        "total": _null(MONEY),
        "by_year": {"type": "object", "additionalProperties": _null(MONEY)},
        "repair": _null(MONEY),
        "other": {"type": "object", "additionalProperties": _null(MONEY)}})),
    "coverage": _null(_obj({
        "start": _null(DATE), "end": _null(DATE),
        "years": {"type": "array", "items": {"type": "integer"}},
        "by_year": {"type": "object", "additionalProperties": _obj({"start": _null(DATE), "end": _null(DATE)})}})),
    "waiting_months": {"type": ["integer", "null"]},
    "channel": {"type": ["string", "null"]},
    "covered_on": {"type": "object", "additionalProperties": {"type": ["boolean", "null"]}},
    "critical_illness_cap": {"type": "object", "additionalProperties": _null(MONEY)},
    "decided_by": {"type": "array", "items": {"type": "string"}},
    "readings": {"type": "object", "additionalProperties": {"type": "string"}},
    "assumed": {"type": "array", "items": _obj({"what": {"type": "string"}, "why": {"type": "string"}})},
    "undetermined": {"type": "array", "items": _obj({"field": {"type": "string"}, "why": {"type": "string"}},
                                                    ["field"])},
    "alternatives": {"type": "array", "items": _ref("Decision")},
    "trace": {"type": "array", "items": {"type": "object"},
              "description": "with ?explain=true: every rule evaluated, its inputs, result and source"},
    "notice": {"type": "string", "description": "with ?explain=true: the explanation for the resident, in Chinese"},
}, ["jurisdiction", "accepted", "route", "reasons", "amount_due", "coverage", "waiting_months", "channel",
    "decided_by", "readings", "undetermined", "alternatives"],
    description="the contract's decision (shared/spec/scenario.md); later versions may add fields")

ERROR_BODY = _obj({"error": _obj({
    "path": {"type": "string", "description": "JSON path in the body (`$`: the body), or a parameter or header"},
    "message": {"type": "string"},
    "code": {"type": "string", "description": "a policy's evaluation error code (E0xx)"},
    "location": {"type": "string", "description": "file:line:column in the policy"}}, ["path", "message"])},
    ["error"])

DIAGNOSTIC = _obj({
    "code": {"type": "string"}, "severity": {"enum": ["error", "warning"]}, "message": {"type": "string"},
    "file": {"type": ["string", "null"]}, "help": {"type": ["string", "null"]},
    "line": {"type": "integer", "minimum": 1}, "column": {"type": "integer", "minimum": 1},
    "end_line": {"type": "integer", "minimum": 1}, "end_column": {"type": "integer", "minimum": 1}},
    ["code", "severity", "message", "file", "help"])

JURISDICTION = _obj({
    "name": {"type": "string"}, "title": {"type": ["string", "null"]},
    "extends": {"type": "array", "items": {"type": "string"}},
    "years": _null({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}),
    "ambiguities": {"type": "array", "items": _obj({
        "id": {"type": "string"}, "question": {"type": "string"}, "default": {"type": "string"},
        "options": {"type": "array", "minItems": 1, "items": _obj({
            "name": {"type": "string"}, "description": {"type": ["string", "null"]}}, ["name"])}},
        ["id", "question", "default", "options"])}},
    ["name", "title", "extends", "ambiguities"])

RELOAD = _obj({
    "reloaded": {"type": "boolean"}, "generation": {"type": "integer"},
    "loaded_at": {"type": "string"}, "jurisdictions": {"type": "array", "items": {"type": "string"}},
    "diagnostics": {"type": "array", "items": _ref("Diagnostic")}, "message": {"type": "string"},
    "error": ERROR_BODY["properties"]["error"]}, ["reloaded", "generation"])


def document(snapshot, options) -> dict:
    """The document for the policies of `snapshot` and the limits of `options`."""
    scenario = copy.deepcopy(snapshot.schema_all)
    scenario.pop("$schema", None)   # the document's dialect is already 2020-12
    explain = {"name": "explain", "in": "query", "required": False, "schema": {"type": "boolean", "default": False},
               "description": "add `trace` and `notice` (in Chinese) to each decision"}
    limits = (f"Request bodies are JSON in UTF-8, whatever their Content-Type, at most {options.max_body} "
              f"bytes (413 beyond); a batch holds at most {options.max_batch} scenarios.")
    paths = {
        "/v1/evaluate": {"post": {
            "summary": "one scenario -> its decision", "operationId": "evaluate", "parameters": [explain],
            "requestBody": _body(_ref("Scenario")),
            "responses": {"200": _answered(_ref("Decision"), "the decision (accepted, refused or undetermined)"),
                          "400": ERROR, "413": ERROR,
                          "422": _json(_ref("Error"), "the scenario breaks the contract or the policy's "
                                                      "declarations, or the policy failed on it (`code`)")}}},
        "/v1/evaluate/batch": {"post": {
            "summary": "scenarios -> decisions, in order; an invalid one is an error item",
            "operationId": "evaluateBatch", "parameters": [explain],
            "requestBody": _body({"type": "array", "items": _ref("Scenario"), "maxItems": options.max_batch}),
            "responses": {"200": _answered({"type": "array", "items": {"anyOf": [_ref("Decision"), _ref("ItemError")]}},
                                           "one item per scenario, in order"),
                          "400": ERROR, "413": ERROR, "422": ERROR}}},
        "/v1/check": {"post": {
            "summary": "parse and check policy text (never evaluated); diagnostics with line and column",
            "operationId": "check",
            "requestBody": _body(_ref("CheckRequest")),
            "responses": {"200": _json(_ref("CheckResult"), "the diagnostics; `ok` when there is no error"),
                          "400": ERROR, "413": ERROR, "422": ERROR}}},
        "/v1/jurisdictions": {"get": {
            "summary": "the jurisdictions served, each with its ambiguities (the default option first)",
            "operationId": "jurisdictions",
            "responses": {"200": _json(_obj({"generation": {"type": "integer"},
                                              "jurisdictions": {"type": "array", "items": _ref("Jurisdiction")}},
                                             ["generation", "jurisdictions"]), "the jurisdictions")}}},
        "/v1/schema/{jurisdiction}": {"get": {
            "summary": "JSON Schema (2020-12) of the scenarios a jurisdiction accepts", "operationId": "schema",
            "parameters": [{"name": "jurisdiction", "in": "path", "required": True, "schema": {"type": "string"},
                            "example": snapshot.jurisdictions[0]["name"]}],
            "responses": {"200": _json({"type": "object"}, "the schema"), "404": ERROR}}},
        "/v1/rules/{jurisdiction}": {"get": {
            "summary": "every rule of a jurisdiction's policy with its source quotes", "operationId": "rules",
            "parameters": [{"name": "jurisdiction", "in": "path", "required": True, "schema": {"type": "string"},
                            "example": snapshot.jurisdictions[0]["name"]}],
            "responses": {"200": _json(_obj({"jurisdiction": {"type": "string"}, "rules": {
                "type": "array", "items": _obj({
                    "id": {"type": "string"}, "title": {"type": ["string", "null"]}, "module": {"type": "string"},
                    "citations": {"type": "array", "items": _obj({
                        "source": {"type": "string"}, "title": {"type": ["string", "null"]},
                        "quote": {"type": ["string", "null"]}}, ["source"])}},
                    ["id", "title", "citations"])}}, ["jurisdiction", "rules"]), "the rules"),
                "404": ERROR}}},
        "/v1/examples": {"get": {
            "summary": "the example scenarios bundled with the playground", "operationId": "examples",
            "responses": {"200": _json(_obj({"examples": {"type": "array", "items": _obj(
                {"name": {"type": "string"}, "jurisdiction": {"type": ["string", "null"]},
                 "scenario": {"type": "object"}}, ["name", "jurisdiction", "scenario"])}}, ["examples"]),
                "the examples")}}},
        "/healthz": {"get": {
            "summary": "liveness, and which generation of the policies is served", "operationId": "health",
            "responses": {"200": _json(_obj({"status": {"const": "ok"}, "generation": {"type": "integer"},
                                              "loaded_at": {"type": "string"}, "jurisdictions": {"type": "integer"},
                                              "pid": {"type": "integer"}}, ["status", "generation"]),
                                       "serving")}}},
        "/openapi.json": {"get": {"summary": "this document", "operationId": "openapi",
                                  "responses": {"200": _json({"type": "object"}, "the OpenAPI document")}}},
        "/": {"get": {"summary": "the playground (HTML)", "operationId": "playground",
                      "responses": {"200": {"description": "the page",
                                            "content": {"text/html": {"schema": {"type": "string"}}}}}}},
    }
    components = {"schemas": {
        "Scenario": scenario, "Decision": DECISION, "Error": ERROR_BODY,
        "ItemError": _obj({"error": ERROR_BODY["properties"]["error"]}, ["error"], closed=True),
        "CheckRequest": _obj({"text": {"type": "string", "description": "the policy text"},
                              "name": {"type": "string", "minLength": 1, "maxLength": 255,
                                       "description": "the file name shown in diagnostics"}},
                             ["text"], closed=True),
        "CheckResult": _obj({"ok": {"type": "boolean"}, "errors": {"type": "integer"},
                             "warnings": {"type": "integer"},
                             "diagnostics": {"type": "array", "items": _ref("Diagnostic")}},
                            ["ok", "errors", "warnings", "diagnostics"]),
        "Diagnostic": DIAGNOSTIC, "Jurisdiction": JURISDICTION, "Reload": RELOAD}}
    if options.admin_token:
        paths["/v1/admin/reload"] = {"post": {
            "summary": "load the policies again; on failure the old ones stay in service",
            "operationId": "reload", "security": [{"bearer": []}],
            "responses": {"200": _json(_ref("Reload"), "reloaded"),
                          "401": ERROR,
                          "422": _json(_ref("Reload"), "the policies did not load; the old ones are served")}}}
        components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    return {"openapi": "3.1.0",
            "info": {"title": "policyrun", "version": __version__,
                     "description": "Decisions on 城乡居民医保 enrolment from the loaded policies. " + limits},
            "paths": paths, "components": components}
