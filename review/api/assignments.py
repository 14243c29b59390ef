"""Assignment endpoints (the assigned expert answers the invitation and writes the opinion),
and the JSON shapes of assignments and opinions that the submission endpoints reuse."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from ..accounts.models import Role, User
from ..extensions import db
from ..reviews import operations as rops
from ..reviews.models import Assignment, ClauseComment, Opinion
from .common import ApiError, api_auth, bp, json_body

MAX_ID = 2**63 - 1  # larger integers do not fit the database's id columns

# -- shapes ----------------------------------------------------------------------------------


def assignment_dict(a: Assignment, *, show_expert: bool = True) -> dict:
    return {"id": a.id, "submission_id": a.submission_id, "round": a.round,
            "expert_id": a.expert_id if show_expert else None, "status": a.status.value,
            "due": a.due.isoformat() if a.due else None}


def comment_dict(c: ClauseComment) -> dict:
    return {"id": c.id, "clause": c.clause.key if c.clause else None,
            "clause_path": c.clause.path if c.clause else None, "text": c.text,
            "suggestion": c.suggestion, "severity": c.severity.value, "determinant": c.determinant}


def opinion_dict(o: Opinion, expert_label: str) -> dict:
    return {"id": o.id, "assignment_id": o.assignment_id, "round": o.assignment.round,
            "expert": expert_label, "status": o.status.value,
            "recommendation": o.recommendation.value if o.recommendation else None,
            "summary": o.summary, "screening": o.screening or {},
            "submitted_at": o.submitted_at.isoformat() if o.submitted_at else None,
            "comments": [comment_dict(c) for c in o.comments]}


# -- input -----------------------------------------------------------------------------------


def text_field(data: dict, name: str, *, required: bool = False) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApiError(400, f"bad_{name}", f"{name} must be a string", field=name)
    if required and not value.strip():
        raise ApiError(400, f"missing_{name}", f"{name} is required", field=name)
    return value


_COMMENT_TEXT = ("text", "suggestion", "severity", "determinant")


def opinion_data(body: dict) -> tuple[dict, bool]:
    """Check the shape of an opinion body; the operation checks the values."""
    submit = body.get("submit", True)
    if not isinstance(submit, bool):
        raise ApiError(400, "bad_submit", "submit must be true or false", field="submit")
    data: dict = {}
    if "recommendation" in body:
        rec = body["recommendation"]
        if rec is not None and not isinstance(rec, str):
            raise ApiError(400, "bad_recommendation", "recommendation must be approve, modify, redraft or reject",
                           field="recommendation")
        data["recommendation"] = rec
    if "summary" in body:
        data["summary"] = text_field(body, "summary")
    screening = body.get("screening") or {}
    if not isinstance(screening, dict) or not all(isinstance(v, str) for v in screening.values()):
        raise ApiError(400, "bad_screening", 'screening must map Q1..Q10 to "是", "不知道" or "否"',
                       field="screening")
    data["screening"] = screening
    if "comments" in body:
        comments = body["comments"] if body["comments"] is not None else []
        if not isinstance(comments, list):
            raise ApiError(400, "bad_comments", "comments must be a list", field="comments")
        for n, c in enumerate(comments, 1):
            if not isinstance(c, dict):
                raise ApiError(400, "bad_comments", f"comment {n} must be an object", field="comments")
            clause = c.get("clause")
            if clause is not None and (isinstance(clause, bool) or not isinstance(clause, (str, int))):
                raise ApiError(400, "bad_comments", f"comment {n}: clause must be a clause key or id",
                               field="comments")
            if isinstance(clause, str) and clause.isdigit() and not clause.isdecimal():
                # "²" passes isdigit() but not int(): the operation would fail on it.
                raise ApiError(400, "unknown_clause", f"comment {n}: no clause {clause!r} in this draft",
                               field="comments")
            for key in _COMMENT_TEXT:
                if c.get(key) is not None and not isinstance(c[key], str):
                    raise ApiError(400, "bad_comments", f"comment {n}: {key} must be a string", field="comments")
        data["comments"] = comments
    return data, submit


def own_assignment(user: User, assignment_id: int) -> Assignment:
    """The caller's own assignment; another expert's is reported as missing (404)."""
    a = db.session.get(Assignment, assignment_id) if assignment_id <= MAX_ID else None
    if a is None or a.expert_id != user.expert_id:
        raise ApiError(404, "not_found", f"no assignment {assignment_id}")
    return a


# -- endpoints -------------------------------------------------------------------------------


def _respond(assignment_id: int, answer: str):
    a = own_assignment(current_user, assignment_id)
    reason = "" if answer == "accept" else text_field(json_body(), "reason")
    rops.respond(current_user, a, answer, reason)
    db.session.commit()
    return jsonify(assignment_dict(a))


@bp.post("/assignments/<int:assignment_id>/accept")
@api_auth(Role.expert)
def accept_assignment(assignment_id: int):
    return _respond(assignment_id, "accept")


@bp.post("/assignments/<int:assignment_id>/decline")
@api_auth(Role.expert)
def decline_assignment(assignment_id: int):
    return _respond(assignment_id, "decline")


@bp.post("/assignments/<int:assignment_id>/conflict")
@api_auth(Role.expert)
def declare_conflict(assignment_id: int):
    return _respond(assignment_id, "conflict")


@bp.post("/assignments/<int:assignment_id>/opinion")
@api_auth(Role.expert)
def save_opinion(assignment_id: int):
    a = own_assignment(current_user, assignment_id)
    data, submit = opinion_data(json_body())
    opinion = rops.save_opinion(current_user, a, data, submit=submit)
    db.session.commit()
    return jsonify({"assignment": assignment_dict(a), "submission_status": a.submission.status.value,
                    "opinion": opinion_dict(opinion, a.expert.name)})
