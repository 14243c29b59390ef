"""Submission endpoints: submit, list, read, intake, withdraw, panel, decision, revision.

Visibility follows the browser: a department sees its own submissions, the office (and admin)
all of them, an expert those they are assigned to. What a caller may not see is a 404.
"""
from __future__ import annotations

import importlib
import json
from datetime import date

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.models import Role, User
from ..extensions import db
from ..jobs.models import Job, JobStatus
from ..messages import error_text
from ..listing import paginate
from ..permissions import can_view_submission, committee, seat_labels, seat_sees_peers, visible_submission_ids
from ..reviews import operations as rops
from ..reviews.models import Assignment, OpinionStatus
from .. import lanes
from ..routing.operations import propose_for_submission
from ..sheets.models import OpinionSheet
from ..submissions import operations as sops
from ..submissions.models import Conclusion, StagedUpload, Status, Submission
from .assignments import MAX_ID, assignment_dict, comment_dict, opinion_dict, text_field
from .common import ApiError, api_auth, bp, json_body

READERS = (Role.department, Role.office, Role.admin, Role.expert)
STAFF = (Role.office, Role.admin)

# -- visibility ------------------------------------------------------------------------------


def visible_submissions(user: User):
    if user.has_role(*STAFF):
        return select(Submission)
    return select(Submission).where(Submission.id.in_(visible_submission_ids(user)))


def can_view(user: User, sub: Submission) -> bool:
    return can_view_submission(user, sub)  # the pages' rule: a declined seat reads nothing


def visible_submission(submission_id: int) -> Submission:
    sub = db.session.get(Submission, submission_id) if submission_id <= MAX_ID else None
    if sub is None or not can_view(current_user, sub):
        raise ApiError(404, "not_found", f"no submission {submission_id}")
    return sub


def _decided_rounds(sub: Submission) -> set[int]:
    return {d.round for d in sub.decisions}


def _anonymise_panel() -> bool:
    return committee().anonymise_panel


def _expert_labels(sub: Submission, user: User) -> dict[int, str]:
    """The pages' labels (permissions.seat_label): names, or 专家A, 专家B … when the panel is anonymised."""
    return seat_labels(sub, user)


def visible_opinions(user: User, sub: Submission):
    """Office: every submitted opinion. Department: those of decided rounds. Expert: their own,
    and the others of a round once their own is in (or always when the committee allows it)."""
    out = []
    decided = _decided_rounds(sub)
    see_peers = user.role is Role.expert and committee().experts_see_peers
    my_seats = {a.round: a.status for a in sub.assignments if a.expert_id == user.expert_id}
    for a in sub.assignments:
        o = a.opinion
        if o is None:
            continue
        submitted = o.status is OpinionStatus.submitted
        if user.has_role(*STAFF):
            ok = submitted
        elif user.role is Role.department:
            ok = submitted and a.round in decided
        elif user.role is Role.expert:
            ok = a.expert_id == user.expert_id or (
                submitted and a.round in my_seats and seat_sees_peers(my_seats[a.round], see_peers))
        else:
            ok = False
        if ok:
            out.append(o)
    return out


def _visible_assignments(user: User, sub: Submission) -> list[dict]:
    if user.role is Role.expert:
        return [assignment_dict(a) for a in sub.assignments if a.expert_id == user.expert_id]
    show = user.role is not Role.department or not _anonymise_panel()
    return [assignment_dict(a, show_expert=show) for a in sub.assignments]


# -- shapes ----------------------------------------------------------------------------------


def summary_dict(sub: Submission) -> dict:
    return {"id": sub.id, "title": sub.title, "status": sub.status.value, "round": sub.current_round,
            "policy_type": sub.policy_type.value, "stage": sub.stage.value,
            "department": sub.department.name,
            "conclusion": sub.conclusion.value if sub.conclusion else None,
            "lane": sub.lane.value if sub.lane else None,
            "created_at": sub.created_at.isoformat() if sub.created_at else None}


def _state(sub: Submission) -> dict:
    return {"id": sub.id, "status": sub.status.value, "round": sub.current_round}


def _sheet(sub: Submission) -> dict | None:
    sheet = db.session.scalar(select(OpinionSheet).where(OpinionSheet.submission_id == sub.id)
                              .order_by(OpinionSheet.id.desc()))
    if sheet is None:
        return None
    return {"serial": sheet.serial, "status": sheet.status.value, "code": None}


def detail_dict(user: User, sub: Submission) -> dict:
    version = sub.current_version
    labels = _expert_labels(sub, user)
    return {
        **summary_dict(sub),
        "contact_name": sub.contact_name, "contact_phone": sub.contact_phone,
        "return_reason": sub.return_reason or None,
        "return_items": list(sub.return_items or []),
        "review_due": sub.review_due.isoformat() if sub.review_due else None,
        "screening": version.screening if version else None,
        "panel_suggestion": propose_for_submission(sub).to_dict() if user.role is Role.office else None,
        "assignments": _visible_assignments(user, sub),
        "opinions": [opinion_dict(o, labels.get(o.assignment.expert_id, ""))
                     for o in visible_opinions(user, sub)],
        "decisions": [{"round": d.round, "conclusion": d.conclusion.value, "reason": d.reason}
                      for d in sub.decisions],
        "sheet": _sheet(sub),
    }


# -- input -----------------------------------------------------------------------------------


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"bad_{name}", f"{name} must be an integer", field=name) from None
    if not low <= value <= high:
        raise ApiError(400, f"bad_{name}", f"{name} must be between {low} and {high}", field=name)
    return value


def _enum(enum_cls, value, field: str):
    try:
        return enum_cls(value)
    except (ValueError, TypeError):
        choices = ", ".join(m.value for m in enum_cls)
        raise ApiError(400, f"bad_{field}", f"{field} must be one of {choices}", field=field) from None


def _required_file(name: str):
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        raise ApiError(400, f"missing_{name}", f"upload the file {name!r}", field=name)
    return upload


def _due(body: dict, sub) -> date:
    raw = body.get("due")
    if raw is None:
        return lanes.default_due(sub)  # shorter in 简易程序
    try:
        if isinstance(raw, str):
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise ApiError(400, "bad_due", "due must be a date YYYY-MM-DD", field="due")


def _expert_ids(body: dict) -> list[int]:
    ids = body.get("expert_ids")
    if ids is None:
        raise ApiError(400, "missing_expert_ids", "send expert_ids or use_suggestion: true", field="expert_ids")
    if not isinstance(ids, list) or not all(type(i) is int and 0 < i <= MAX_ID for i in ids):
        raise ApiError(400, "bad_expert_ids", "expert_ids must be a list of expert ids", field="expert_ids")
    return ids


def _confirm_parsed(staged: StagedUpload) -> None:
    """An unreadable draft is refused with the pipeline's code, and its files leave the disk."""
    try:
        sops.refuse_unreadable(staged)
    except sops.SubmissionError as exc:
        sops.discard_staged(staged)
        raise ApiError(422, exc.code, str(exc), field="draft") from None


# -- endpoints -------------------------------------------------------------------------------


@bp.post("/submissions")
@api_auth(Role.department)
def create_submission():
    draft, letter = _required_file("draft"), _required_file("letter")
    form = {k: request.form.get(k) for k in ("title", "policy_type", "stage", "contact_name", "contact_phone")}
    staged = sops.stage_submission(current_user, form, draft=draft, letter=letter, strict=True,
                                   basis=request.files.getlist("basis"))
    if sops.draft_parsing(staged):
        return _after_parse(staged, "submit")
    _confirm_parsed(staged)
    sub = sops.confirm_submission(current_user, staged)
    db.session.commit()
    return jsonify(_state(sub)), 201


def _after_parse(staged: StagedUpload, then: str):
    """The draft is read by a background job, which then finishes the call as this user: 201 when
    that is already done (a fast draft, or an in-process queue), 202 with the job to poll otherwise."""
    staged.form = {**(staged.form or {}), "then": then}
    job = sops.parse_job(staged)
    job_id = job.id
    db.session.commit()
    return job_outcome(db.session.get(Job, job_id), created=True)


def job_outcome(job: Job, created: bool = False):
    if job.status is JobStatus.failed:
        raise ApiError(422, job.error_code, error_text(job.error_code, "", None, **(job.error_params or {})),
                       field="draft")
    sub_id = (job.result or {}).get("submission_id") if job.status is JobStatus.done else None
    if sub_id is not None:
        return jsonify(_state(db.session.get(Submission, sub_id))), 201 if created else 200
    body = {"job": job.as_dict(), "status_url": f"/api/v1/jobs/{job.id}"}
    return jsonify(body), 202


@bp.get("/submissions")
@api_auth(*READERS)
def list_submissions():
    page = _int_arg("page", 1, 1, 100_000)
    per_page = _int_arg("per_page", 20, 1, 100)
    stmt = visible_submissions(current_user).options(joinedload(Submission.department)).order_by(Submission.id.desc())
    if request.args.get("status"):
        stmt = stmt.where(Submission.status == _enum(Status, request.args["status"], "status"))
    result = paginate(stmt, page=page, per_page=per_page, past_end="empty")
    return jsonify({"items": [summary_dict(s) for s in result.items], "page": page,
                    "per_page": per_page, "total": result.total})


@bp.get("/submissions/<int:submission_id>")
@api_auth(*READERS)
def get_submission(submission_id: int):
    return jsonify(detail_dict(current_user, visible_submission(submission_id)))


@bp.post("/submissions/<int:submission_id>/accept")
@api_auth(Role.office)
def accept_submission(submission_id: int):
    sub = visible_submission(submission_id)
    # Optional body {lane: general|simple|filing, reason}: without a lane, the screening's suggestion.
    body = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "send a JSON object with Content-Type: application/json")
    lane = sops.accept_submission(current_user, sub, body.get("lane"), text_field(body, "reason"))
    db.session.commit()
    return jsonify({**_state(sub), "lane": lane.value})


@bp.post("/submissions/<int:submission_id>/confirm-filing")
@api_auth(Role.office)
def confirm_filing(submission_id: int):
    """备案确认: conclude a submission accepted in the filing lane, without experts."""
    from ..lanes import confirm_filing as confirm

    sub = visible_submission(submission_id)
    confirm(current_user, sub, text_field(json_body(), "reason"))
    db.session.commit()
    return jsonify({**_state(sub), "lane": sub.lane.value, "conclusion": sub.conclusion.value})


@bp.post("/submissions/<int:submission_id>/return")
@api_auth(Role.office)
def return_submission(submission_id: int):
    sub = visible_submission(submission_id)
    body = json_body()
    items = body.get("items") or []
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ApiError(400, "bad_request", "items must be a list of item codes", field="items")
    sops.return_submission(current_user, sub, text_field(body, "reason"), items)
    db.session.commit()
    return jsonify(_state(sub))


@bp.post("/submissions/<int:submission_id>/withdraw")
@api_auth(Role.department)
def withdraw_submission(submission_id: int):
    sub = visible_submission(submission_id)
    sops.withdraw_submission(current_user, sub, text_field(json_body(), "reason"))
    db.session.commit()
    return jsonify(_state(sub))


@bp.post("/submissions/<int:submission_id>/assignments")
@api_auth(Role.office)
def assign_experts(submission_id: int):
    sub = visible_submission(submission_id)
    body = json_body()
    due = _due(body, sub)
    proposal = None
    if body.get("use_suggestion") is True:
        proposal = propose_for_submission(sub, due=due)
        expert_ids = [m.expert.id for m in proposal.panel]
    else:
        expert_ids = _expert_ids(body)
    created = rops.assign_experts(current_user, sub, expert_ids, due, proposal=proposal)
    db.session.commit()
    return jsonify({**_state(sub), "assignments": [assignment_dict(a) for a in created]}), 201


def _issue_sheet(actor: User, decision) -> dict | None:
    """The opinion sheet, when the sheets feature provides its issuing operation."""
    try:
        sheets = importlib.import_module("review.sheets.operations")
    except ModuleNotFoundError as exc:
        if exc.name != "review.sheets.operations":
            raise  # the module exists but is broken: say so rather than issue nothing
        return None
    issue = getattr(sheets, "issue_sheet", None)
    if issue is None:
        return None
    sheet, code = issue(actor, decision)
    return {"serial": sheet.serial, "code": code}


@bp.post("/submissions/<int:submission_id>/decision")
@api_auth(Role.office)
def decide(submission_id: int):
    sub = visible_submission(submission_id)
    body = json_body()
    conclusion = _enum(Conclusion, body.get("conclusion"), "conclusion")
    decision = rops.decide(current_user, sub, conclusion, text_field(body, "reason"))
    sheet = _issue_sheet(current_user, decision)
    db.session.commit()
    return jsonify({**_state(sub), "conclusion": decision.conclusion.value,
                    "proposed": decision.proposed.value if decision.proposed else None,
                    "dissent": decision.dissent, "reason": decision.reason, "sheet": sheet})


def _responses() -> dict:
    raw = request.form.get("responses")
    if raw is None:
        return {}
    try:
        responses = json.loads(raw)
    except ValueError:
        raise ApiError(400, "bad_responses", "responses must be a JSON object", field="responses") from None
    if not isinstance(responses, dict) or not all(
            isinstance(v, dict) and all(v.get(k) is None or isinstance(v[k], str) for k in ("response", "reason"))
            for v in responses.values()):
        raise ApiError(400, "bad_responses", 'responses must map comment ids to {"response", "reason"}',
                       field="responses")
    return responses


@bp.post("/submissions/<int:submission_id>/revisions")
@api_auth(Role.department)
def revise(submission_id: int):
    sub = visible_submission(submission_id)
    draft = _required_file("draft")
    responses = _responses()
    staged = sops.stage_revision(current_user, sub, draft=draft, letter=request.files.get("letter"),
                                 responses=responses, note=request.form.get("note") or "")
    if sops.draft_parsing(staged):
        return _after_parse(staged, "revise")
    _confirm_parsed(staged)
    sops.confirm_revision(current_user, sub, staged)
    db.session.commit()
    return jsonify(_state(sub)), 201


@bp.get("/submissions/<int:submission_id>/opinion-items")
@api_auth(Role.department, *STAFF)
def opinion_items(submission_id: int):
    sub = visible_submission(submission_id)
    decided = _decided_rounds(sub)
    round_ = _int_arg("round", max(decided, default=sub.current_round), 1, sub.current_round)
    labels = _expert_labels(sub, current_user)
    items = []
    if round_ in decided or current_user.has_role(*STAFF):
        items = [{**comment_dict(c), "expert": labels.get(c.opinion.assignment.expert_id, "")}
                 for c in sops.opinion_items(sub, round_)]
    return jsonify({"submission_id": sub.id, "round": round_, "items": items})
