"""Statistics for the committee office: agreement of the automatic screening with the experts."""
from __future__ import annotations

from flask import jsonify

from ..accounts.models import Role
from .common import api_auth, bp

_NUM = {"type": ["number", "null"]}
_INT = {"type": "integer"}
_STR = {"type": "string"}
_ANS = {"type": "string", "enum": ["是", "不知道", "否"]}

OPENAPI_PATHS = {
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
