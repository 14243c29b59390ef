"""The OpenAPI 3.1 description of the JSON API, served at /api/v1/openapi.json.

Another API module may describe its own routes in a module-level ``OPENAPI_PATHS`` dict (same
shape as ``paths`` below); it is merged in, so the document covers the whole blueprint.
"""
from __future__ import annotations

import importlib

from flask import jsonify

from ..submissions.models import RETURN_ITEMS
from .common import bp

_ERR = {"$ref": "#/components/schemas/Error"}
_STR = {"type": "string"}
_INT = {"type": "integer"}
_NULL_STR = {"type": ["string", "null"]}
_CONCLUSION = {"type": "string", "enum": ["approve", "modify", "redraft", "reject"]}
_STATUS = {"type": "string", "enum": ["submitted", "returned", "accepted", "under_review", "deliberation",
                                      "concluded", "withdrawn"]}

_ERROR_TEXT = {
    400: "Bad input: missing or malformed fields, bad enum values, bad JSON, a rule of the workflow "
         "(e.g. reason_required, unknown_clause)",
    401: "Missing, unknown, expired or revoked bearer token (a browser session cookie is not accepted)",
    403: "The caller's role may not do this",
    404: "No such object, or it belongs to another department / expert",
    409: "The object is not in a state that allows this (invalid_state), or another user did it first "
         "(already_decided)",
    413: "The upload is over a limit: its size, the number of files (REVIEW_MAX_FILES) or a text field",
    422: "The draft cannot be read; error is the pipeline's code (encrypted, legacy_word, corrupt, …)",
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _op(summary: str, roles: str, ok: int, ok_schema: dict | None, errors=(400, 401, 403, 404, 409),
        body: dict | None = None, params: list | None = None, op_id: str = "") -> dict:
    responses = {str(ok): {"description": "OK" if ok == 200 else "Created", **(_json(ok_schema) if ok_schema else {})}}
    for code in errors:
        responses[str(code)] = {"description": _ERROR_TEXT[code], **_json(_ERR)}
    out = {"summary": summary, "description": f"Roles: {roles}.", "operationId": op_id,
           "security": [{"bearer": []}], "responses": responses}
    if body:
        out["requestBody"] = body
    if params:
        out["parameters"] = params
    return out


def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": _INT}


def _query(name: str, schema: dict, text: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": text}


def _json_body(schema: dict, required: bool = True) -> dict:
    return {"required": required, **_json(schema)}


def _reason_body(required_text: str) -> dict:
    return _json_body({"type": "object", "properties": {"reason": {**_STR, "description": required_text}}})


_SCHEMAS = {
    "Error": {"type": "object", "required": ["error", "detail"],
              "properties": {"error": {**_STR, "description": "machine-readable code"}, "detail": _STR,
                             "field": {**_STR, "description": "the input field at fault, when there is one"}}},
    "State": {"type": "object", "properties": {"id": _INT, "status": _STATUS, "round": _INT}},
    "Job": {"type": "object", "description": "a background task (reading a draft, an inventory, ...)", "properties": {
        "id": _INT, "kind": _STR, "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
        "done": _INT, "total": _INT, "percent": _INT, "note": _STR, "error": _NULL_STR, "message": _STR,
        "attempts": _INT, "result": {"type": ["object", "null"]}}},
    "Accepted": {"type": "object", "description": "the draft is being read; poll status_url", "properties": {
        "job": {"$ref": "#/components/schemas/Job"}, "status_url": _STR}},
    "Summary": {"type": "object", "properties": {
        "id": _INT, "title": _STR, "status": _STATUS, "round": _INT, "policy_type": _STR, "stage": _STR,
        "department": _STR, "conclusion": {"type": ["string", "null"]}, "created_at": _NULL_STR,
        "lane": {"type": ["string", "null"], "enum": ["general", "simple", "filing", None],
                 "description": "the review procedure chosen at intake (一般程序, 简易程序, 备案确认)"}}},
    "Assignment": {"type": "object", "properties": {
        "id": _INT, "submission_id": _INT, "round": _INT,
        "expert_id": {"type": ["integer", "null"], "description": "null for a department when the panel is anonymised"},
        "status": {"type": "string", "enum": ["invited", "accepted", "declined", "conflict", "submitted",
                                              "replaced", "cancelled"]},
        "due": _NULL_STR}},
    "Comment": {"type": "object", "properties": {
        "id": _INT, "clause": {**_NULL_STR, "description": "clause key, null for a general comment"},
        "clause_path": _NULL_STR, "text": _STR, "suggestion": _STR,
        "severity": {"type": "string", "enum": ["low", "medium", "high"]}, "determinant": _STR}},
    "Opinion": {"type": "object", "properties": {
        "id": _INT, "assignment_id": _INT, "round": _INT, "expert": _STR,
        "status": {"type": "string", "enum": ["draft", "submitted"]},
        "recommendation": {"type": ["string", "null"]}, "summary": _STR,
        "screening": {"type": "object", "additionalProperties": _STR}, "submitted_at": _NULL_STR,
        "comments": {"type": "array", "items": _ref("Comment")}}},
    "Sheet": {"type": ["object", "null"], "properties": {
        "serial": _STR, "status": _STR,
        "code": {**_NULL_STR, "description": "the verification code, only in the response that issued the sheet"}}},
    "Submission": {"allOf": [_ref("Summary"), {"type": "object", "properties": {
        "contact_name": _STR, "contact_phone": _STR, "return_reason": _NULL_STR,
        "return_items": {"type": "array", "items": _STR}, "review_due": _NULL_STR,
        "screening": {"type": ["object", "null"], "description": "the pipeline's screening of the current draft"},
        "panel_suggestion": {"type": ["object", "null"],
                             "description": "office only: {domains, panel, alternates, excluded}"},
        "assignments": {"type": "array", "items": _ref("Assignment")},
        "opinions": {"type": "array", "items": _ref("Opinion"),
                     "description": "office: all submitted; department: those of decided rounds; "
                                    "expert: their own, others' once their own is submitted"},
        "decisions": {"type": "array", "items": {"type": "object", "properties": {
            "round": _INT, "conclusion": _CONCLUSION, "reason": _STR}}},
        "sheet": _ref("Sheet")}}]},
    "OpinionInput": {"type": "object", "properties": {
        "recommendation": _CONCLUSION, "summary": _STR,
        "screening": {"type": "object", "additionalProperties": {"type": "string", "enum": ["是", "不知道", "否"]},
                      "description": "keys Q1..Q10"},
        "comments": {"type": "array", "items": {"type": "object", "properties": {
            "clause": {"type": ["string", "integer", "null"],
                       "description": "clause key (c0003) or Clause id; null or 'general' for the whole draft"},
            "text": _STR, "suggestion": _STR, "severity": {"type": "string", "enum": ["low", "medium", "high"]},
            "determinant": _STR}}},
        "submit": {"type": "boolean", "default": True, "description": "false saves a draft"}}},
}

_SUB_ID = [_path_param("submission_id")]
_ASG_ID = [_path_param("assignment_id")]
_MULTIPART = "multipart/form-data"

_PATHS = {
    "/api/v1/openapi.json": {"get": {
        "summary": "This document", "operationId": "openapi", "security": [],
        "responses": {"200": {"description": "OK", **_json({"type": "object"})}}}},
    "/api/v1/submissions": {
        "get": _op("List the caller's visible submissions", "department (own), office, admin, expert (assigned)",
                   200, {"type": "object", "properties": {"items": {"type": "array", "items": _ref("Summary")},
                                                          "page": _INT, "per_page": _INT, "total": _INT}},
                   errors=(400, 401, 403), op_id="list_submissions", params=[
                       _query("page", {"type": "integer", "minimum": 1, "default": 1}, "page number"),
                       _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                              "items per page"),
                       _query("status", _STATUS, "only submissions in this status")]),
        "post": _op("Submit a draft (202 with a job while the draft is being read)", "department", 201,
                    _ref("State"), errors=(400, 401, 403, 413, 422),
                    op_id="create_submission", body={"required": True, "content": {_MULTIPART: {"schema": {
                        "type": "object", "required": ["title", "policy_type", "draft", "letter"],
                        "properties": {
                            "title": _STR,
                            "policy_type": {"type": "string", "enum": ["rule", "normative", "major_decision"]},
                            "stage": {"type": "string", "enum": ["drafting", "revision", "pre_publication"]},
                            "contact_name": _STR, "contact_phone": _STR,
                            "draft": {**_STR, "contentMediaType": "application/octet-stream",
                                      "description": ".docx, .pdf or .txt"},
                            "letter": {**_STR, "contentMediaType": "application/octet-stream",
                                       "description": "the official letter (公函)"},
                            "basis": {"type": "array",
                                      "items": {**_STR, "contentMediaType": "application/octet-stream"}},
                        }}}}}),
    },
    "/api/v1/submissions/{submission_id}": {"get": _op(
        "Read a submission", "department (own), office, admin, expert (assigned)", 200, _ref("Submission"),
        errors=(401, 403, 404), params=_SUB_ID, op_id="get_submission")},
    "/api/v1/submissions/{submission_id}/accept": {"post": _op(
        "Accept a submission for review in a lane", "office", 200, _ref("State"), params=_SUB_ID,
        body=_json_body({"type": "object", "properties": {
            "lane": {"type": "string", "enum": ["general", "simple", "filing"],
                     "description": "default: the screening's suggestion (major → general, minor → simple, "
                                    "none → filing)"},
            "reason": {**_STR, "description": "required when the lane departs from the suggestion"}}},
            required=False),
        errors=(400, 401, 403, 404, 409), op_id="accept_submission")},
    "/api/v1/submissions/{submission_id}/confirm-filing": {"post": _op(
        "Confirm the screening's finding of no health impact and conclude without experts (备案确认)", "office",
        200, _ref("State"), params=_SUB_ID, body=_reason_body("why the policy has no significant health impact "
                                                             "(required)"), op_id="confirm_filing")},
    "/api/v1/submissions/{submission_id}/return": {"post": _op(
        "Return a submission for completion", "office", 200, _ref("State"), params=_SUB_ID,
        body=_json_body({"type": "object", "properties": {
            "reason": {**_STR, "description": "the office's remark (required without items)"},
            "items": {"type": "array", "items": {"type": "string", "enum": list(RETURN_ITEMS)},
                      "description": "the missing items; each must be uploaded before resubmission"}}}),
        op_id="return_submission")},
    "/api/v1/submissions/{submission_id}/withdraw": {"post": _op(
        "Withdraw a submission", "department (owner)", 200, _ref("State"), params=_SUB_ID,
        body=_reason_body("why (required)"), op_id="withdraw_submission")},
    "/api/v1/submissions/{submission_id}/assignments": {"post": _op(
        "Invite experts", "office", 201, {"allOf": [_ref("State"), {"type": "object", "properties": {
            "assignments": {"type": "array", "items": _ref("Assignment")}}}]},
        params=_SUB_ID, op_id="assign_experts", body=_json_body({"type": "object", "properties": {
            "expert_ids": {"type": "array", "items": _INT},
            "use_suggestion": {"type": "boolean", "description": "invite the proposed panel instead of expert_ids"},
            "due": {"type": "string", "format": "date", "description": "default: the review period's end"}}}))},
    "/api/v1/submissions/{submission_id}/decision": {"post": _op(
        "Decide the round's conclusion", "office", 200, {"allOf": [_ref("State"), {"type": "object", "properties": {
            "conclusion": _CONCLUSION, "proposed": {"type": ["string", "null"]}, "reason": _STR,
            "dissent": {"type": "array", "items": {"type": "object", "properties": {
                "expert_id": _INT, "name": _STR, "recommendation": _CONCLUSION}}},
            "sheet": {"type": ["object", "null"], "properties": {"serial": _STR, "code": _STR}}}}]},
        params=_SUB_ID, op_id="decide", body=_json_body({"type": "object", "required": ["conclusion"], "properties": {
            "conclusion": _CONCLUSION,
            "reason": {**_STR, "description": "required when milder than an expert's recommendation"}}}))},
    "/api/v1/submissions/{submission_id}/revisions": {"post": _op(
        "Send the revised draft with the responses to the opinion items", "department (owner)", 201,
        _ref("State"), params=_SUB_ID, errors=(400, 401, 403, 404, 409, 413, 422), op_id="revise",
        body={"required": True, "content": {_MULTIPART: {"schema": {
            "type": "object", "required": ["draft", "responses"], "properties": {
                "draft": {**_STR, "contentMediaType": "application/octet-stream"},
                "letter": {**_STR, "contentMediaType": "application/octet-stream"},
                "responses": {**_STR, "contentMediaType": "application/json",
                              "description": '{"<comment_id>": {"response": "adopted"|"partly"|"rejected", '
                                             '"reason": "…"}}; a reason is required unless adopted'},
                "note": _STR}}}}})},
    "/api/v1/submissions/{submission_id}/opinion-items": {"get": _op(
        "The opinion items the department answers in its revision", "department (owner), office, admin", 200,
        {"type": "object", "properties": {"submission_id": _INT, "round": _INT, "items": {
            "type": "array", "items": {"allOf": [_ref("Comment"), {"type": "object", "properties": {
                "expert": {**_STR, "description": "name, or 专家A… when the panel is anonymised"}}}]}}}},
        errors=(400, 401, 403, 404), op_id="opinion_items",
        params=_SUB_ID + [_query("round", _INT, "default: the latest decided round")])},
    "/api/v1/assignments/{assignment_id}/accept": {"post": _op(
        "Accept the invitation", "expert (assignee)", 200, _ref("Assignment"), params=_ASG_ID,
        errors=(401, 403, 404, 409), op_id="accept_assignment")},
    "/api/v1/assignments/{assignment_id}/decline": {"post": _op(
        "Decline the invitation", "expert (assignee)", 200, _ref("Assignment"), params=_ASG_ID,
        body=_reason_body("required"), op_id="decline_assignment")},
    "/api/v1/assignments/{assignment_id}/conflict": {"post": _op(
        "Declare a conflict of interest", "expert (assignee)", 200, _ref("Assignment"), params=_ASG_ID,
        body=_reason_body("required"), op_id="declare_conflict")},
    "/api/v1/assignments/{assignment_id}/opinion": {"post": _op(
        "Save or submit the opinion", "expert (assignee)", 200, {"type": "object", "properties": {
            "assignment": _ref("Assignment"), "submission_status": _STATUS, "opinion": _ref("Opinion")}},
        params=_ASG_ID, body=_json_body(_ref("OpinionInput")), op_id="save_opinion")},
    "/api/v1/jobs/{job_id}": {"get": _op(
        "Read a background task: a 202 answer of an upload points here; result.submission_id when done",
        "whoever started it, office, admin", 200, _ref("Job"), errors=(401, 403, 404),
        params=[_path_param("job_id")], op_id="get_job")},
    "/api/v1/sheets/{serial}": {"get": {
        "summary": "Verify a sheet by serial and verification code", "operationId": "sheet_status",
        "description": "No login; rate-limited.", "security": [],
        "parameters": [{"name": "serial", "in": "path", "required": True, "schema": _STR},
                       _query("code", _STR, "the verification code printed on the sheet")],
        "responses": {"200": {"description": "The sheet's facts and status", **_json({"type": "object"})},
                      "404": {"description": "No sheet with this serial and code", **_json(_ERR)},
                      "429": {"description": "Too many attempts", **_json(_ERR)}}}},
    "/api/v1/sheets/check-pdf": {"post": {
        "summary": "Check a sheet PDF: signature, page content, later edits, the issued file",
        "operationId": "sheet_check_pdf",
        "description": "No login; rate-limited; at most REVIEW_VERIFY_MAX_MB. verdict is authentic, modified "
                       "or not_issued; status is the register's (valid, superseded, revoked).", "security": [],
        "requestBody": {"required": True, "content": {_MULTIPART: {"schema": {
            "type": "object", "required": ["sheet"], "properties": {
                "sheet": {**_STR, "contentMediaType": "application/pdf"}}}}}},
        "responses": {"200": {"description": "The verdict", **_json({"type": "object", "properties": {
            "verdict": {"enum": ["authentic", "modified", "not_issued"]}, "verdict_label": _STR,
            "valid": {"type": "boolean"}, "status": _NULL_STR, "serial": _NULL_STR,
            "mismatched": {"type": "array"}, "problems": {"type": "array"}, "messages": {"type": "array"}}})},
            "400": {"description": "No file", **_json(_ERR)},
            "413": {"description": "Larger than the cap for anonymous checks", **_json(_ERR)},
            "422": {"description": "The file could not be read within the limits", **_json(_ERR)},
            "429": {"description": "Too many attempts", **_json(_ERR)}}}},
    "/api/v1/sheets/{serial}/check-draft": {"post": {
        "summary": "Check that a draft is the one the sheet was issued for", "operationId": "sheet_check_draft",
        "description": "No login; rate-limited.", "security": [],
        "parameters": [{"name": "serial", "in": "path", "required": True, "schema": _STR}],
        "requestBody": {"required": True, "content": {_MULTIPART: {"schema": {
            "type": "object", "required": ["code", "draft"], "properties": {
                "code": _STR, "draft": {**_STR, "contentMediaType": "application/octet-stream"}}}}}},
        "responses": {"200": {"description": "Whether the draft matches", **_json({"type": "object", "properties": {
            "matches": {"type": "boolean"}, "by": _NULL_STR, "sha256": _STR, "text_sha256": _STR,
            "changed_clauses": {"type": "array"}}})},
            "400": {"description": "No draft, or it cannot be read", **_json(_ERR)},
            "404": {"description": "No sheet with this serial and code", **_json(_ERR)},
            "429": {"description": "Too many attempts", **_json(_ERR)}}}},
    "/api/v1/sheets/{serial}/{fmt}": {"get": {
        "summary": "Download the sheet file", "operationId": "sheet_file",
        "description": "Roles: office, department (own), justice.", "security": [{"bearer": []}],
        "parameters": [{"name": "serial", "in": "path", "required": True, "schema": _STR},
                       {"name": "fmt", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": ["docx", "pdf"]}}],
        "responses": {"200": {"description": "The file", "content": {
            "application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}},
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
                "schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}},
            **{str(c): {"description": _ERROR_TEXT[c], **_json(_ERR)} for c in (401, 403, 404)}}}},
}

# Other API modules may describe (or re-describe) their routes in OPENAPI_PATHS.
_CONTRIBUTORS = ("review.api.sheets", "review.api.stats", "review.api.registry")


def build_spec() -> dict:
    paths = {k: dict(v) for k, v in _PATHS.items()}
    for name in _CONTRIBUTORS:
        for path, ops in getattr(importlib.import_module(name), "OPENAPI_PATHS", {}).items():
            paths.setdefault(path, {}).update(ops)
    return {
        "openapi": "3.1.0",
        "info": {"title": "HiAP Review API", "version": "1.0.0",
                 "description": "公共政策健康审查系统: the same operations as the pages, for departments' "
                                "office systems. Errors are JSON {error, detail} with a 4xx code."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": _SCHEMAS},
        "paths": paths,
    }


@bp.get("/openapi.json")
def openapi_spec():
    return jsonify(build_spec())
