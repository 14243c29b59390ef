"""Statistics for the committee office: the committee's figures, and the agreement of the automatic
screening with the experts."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user

from ..accounts.models import Role
from ..messages import error_text
from ..permissions import can_view_statistics
from .common import api_auth, bp, error_response

_NUM = {"type": ["number", "null"]}
_INT = {"type": "integer"}
_STR = {"type": "string"}
_ANS = {"type": "string", "enum": ["是", "不知道", "否"]}

_RATE = {"type": ["number", "null"], "description": "0 to 1; null when nothing was counted"}
_DAYS = {"type": "object", "properties": {"count": _INT, "median": _NUM, "p90": _NUM}}
_COUNTS = {"type": "object", "additionalProperties": _INT}
_ERRORS = {
    "400": {"description": "A bad filter (error: stats_bad_year, stats_unknown_department)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "401": {"description": "Missing or invalid bearer token",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "403": {"description": "The caller's role may not do this",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
}

OPENAPI_PATHS = {
    "/api/v1/stats": {"get": {
        "summary": "The committee's figures: submissions, conclusions, working days, timeliness, evaluation rate",
        "operationId": "stats", "description": "Roles: office, admin. Each figure counts what happened in the year "
        "(submissions by arrival, decisions by date, durations by the end of the stage, seats by invitation).",
        "security": [{"bearer": []}],
        "parameters": [
            {"name": "year", "in": "query", "schema": {"type": "integer", "minimum": 2000, "maximum": 2100}},
            {"name": "department", "in": "query", "schema": _STR, "description": "Department id or name"}],
        "responses": {
            "200": {"description": "The figures", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "submissions": _INT, "by_status": _COUNTS, "by_conclusion": _COUNTS, "decisions": _INT,
                    "by_month": {"type": "array", "items": {"type": "object", "properties": {
                        "month": _STR, "total": _INT, "by_status": _COUNTS}}},
                    "working_days": {"type": "object", "properties": {
                        "median": _NUM, "p90": _NUM, "count": _INT,
                        "stages": {"type": "object", "properties": {
                            k: _DAYS for k in ("intake", "expert_review", "deliberation", "revision")}}}},
                    "on_time_rate": _RATE,
                    "opinions": {"type": "object", "properties": {
                        "submitted": _INT, "with_due": _INT, "on_time": _INT, "rate": _RATE}},
                    "adoption": {"type": "object", "properties": {
                        "adopted": _INT, "partly": _INT, "rejected": _INT, "total": _INT}},
                    "evaluation_rate": {"type": "object", "properties": {
                        "health_related": _INT, "reviewed": _INT, "rate": _RATE}},
                    "by_department": {"type": "array", "items": {"type": "object", "properties": {
                        "department_id": _INT, "department": _STR, "submissions": _INT,
                        "by_conclusion": _COUNTS, "adoption": _COUNTS, "health_related": _INT, "reviewed": _INT,
                        "evaluation_rate": _RATE}}},
                    "experts": {"type": "array", "items": {"type": "object", "properties": {
                        "expert_id": _INT, "name": _STR, "seats": _INT, "declined": _INT, "submitted": _INT,
                        "on_time": _INT, "late": _INT, "median_days": _NUM}}},
                    "filters": {"type": "object"}}}}}},
            **_ERRORS,
        }}},
    "/api/v1/stats/screening": {"get": {
        "summary": "Agreement between the automatic screening and the experts' final answers",
        "operationId": "screening_stats", "description": "Roles: office, admin.", "security": [{"bearer": []}],
        "responses": {
            "200": {"description": "Per question: compared answers, agreement, Cohen's kappa (null when "
                                   "undefined), the system × expert confusion; and the disagreements with "
                                   "the clauses the system cited",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {
                        "opinions": _INT,
                        "questions": {"type": "array", "items": {"type": "object", "properties": {
                            "id": _STR, "topic": _STR, "pairs": _INT, "agree": _INT, "rate": _NUM, "kappa": _NUM,
                            "confusion": {"type": "object"}}}},
                        "disagreements": {"type": "array", "items": {"type": "object", "properties": {
                            "submission_id": _INT, "title": _STR, "round": _INT, "question": _STR, "topic": _STR,
                            "system": _ANS, "expert": _ANS, "evidence": {"type": "array", "items": _STR},
                            "clauses": {"type": "array", "items": _STR}}}}}}}}},
            "401": {"description": "Missing or invalid bearer token",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "403": {"description": "The caller's role may not do this",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        }}},
}


@bp.get("/stats/screening")
@api_auth(Role.office, Role.admin)
def screening_stats():
    from ..screening.calibration import screening_calibration

    return jsonify(screening_calibration().to_dict())


@bp.get("/stats")
@api_auth()
def stats():
    from ..stats.filters import FilterError, parse_filters
    from ..stats.cache import cached_stats

    if not can_view_statistics(current_user):
        return error_response(403, "forbidden", "this needs the role office or admin")
    try:
        f = parse_filters(request.args, current_app.config["TIMEZONE"])
    except FilterError as exc:
        return error_response(400, exc.code, error_text(exc.code, **exc.params))
    return jsonify(cached_stats(f, current_app.config))
