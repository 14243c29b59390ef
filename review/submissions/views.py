"""Department pages: submit with preview, follow, complete, revise, withdraw; files and audit."""
from __future__ import annotations

from flask import (Blueprint, abort, flash, redirect, render_template, request, send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.auth import role_required
from ..accounts.models import Role
from ..audit.operations import audit_rows
from ..extensions import db
from ..listing import submission_page
from ..messages import error_text, exc_text, parse_error_text
from ..permissions import can_view_audit, can_view_opinions, can_view_submission
from ..workflow import TransitionError, available_actions
from . import operations as ops
from .models import RETURN_ITEMS, PolicyType, Stage, Status, StoredFile, Submission, return_item_field
from .storage import upload_path

bp = Blueprint("submissions", __name__, url_prefix="/submissions")


def _own_submission(sub_id: int) -> Submission:
    sub = db.session.get(Submission, sub_id)
    if sub is None or not can_view_submission(current_user, sub):
        abort(404)  # another department's submission does not exist for this user
    return sub


@bp.route("/")
@role_required(Role.department)
def index():
    query = db.select(Submission).where(Submission.department_id == current_user.department_id)
    page, args = submission_page(query)
    from ..calendar import local_today
    from ..followups.operations import followup_list

    overdue = followup_list(current_user, overdue_only=True)
    return render_template("submissions/index.html", page=page, args=args, overdue=overdue, today=local_today())


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.department)
def new():
    form = request.form if request.method == "POST" else {}
    if request.method == "GET" and request.args.get("followup"):
        from ..followups.operations import followup_for_new_submission

        fu = followup_for_new_submission(current_user, request.args["followup"])
        if fu is not None:  # pre-filled from the policy under follow-up
            form = {"title": fu.submission.title, "policy_type": fu.submission.policy_type.value,
                    "stage": "revision", "followup": str(fu.id)}
    errors: dict[str, str] = {}
    if request.method == "POST":
        # Everything that can be kept is staged, even with a field missing: the preview then names
        # every problem at once and the chosen files are not lost.
        try:
            staged = ops.stage_submission(current_user, request.form, draft=request.files.get("draft"),
                                          letter=request.files.get("letter"), basis=request.files.getlist("basis"))
        except ops.SubmissionError as exc:
            db.session.rollback()
            errors[exc.field or "form"] = exc_text(exc)
        else:
            db.session.commit()
            return redirect(url_for(".preview", token=staged.token))
    return render_template("submissions/new.html", form=form, errors=errors, PolicyType=PolicyType, Stage=Stage)


@bp.route("/staged/<token>", methods=["GET", "POST"])
@role_required(Role.department)
def preview(token: str):
    staged = ops.get_staged(current_user, token)
    if staged is None:
        abort(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "discard":
                ops.discard_staged(staged)
                db.session.commit()
                flash(_("The upload was discarded."), "info")
                return redirect(url_for(".index"))
            if action == "confirm":
                sub = ops.confirm_submission(current_user, staged)
                db.session.commit()
                flash(_("Submitted. The committee office will check it for intake."), "success")
                return redirect(url_for(".detail", sub_id=sub.id))
            ops.stage_submission(current_user, request.form, draft=request.files.get("draft"),
                                 letter=request.files.get("letter"), basis=request.files.getlist("basis"),
                                 staged=staged)
            db.session.commit()
        except ops.SubmissionError as exc:
            db.session.rollback()
            errors[exc.field or "form"] = exc_text(exc)
    problems = {field: error_text(code, "", field) for code, field in ops.staged_problems(staged)}
    if staged.parsed and staged.parsed.get("status") == "failure":
        problems["draft"] = parse_error_text(staged.parsed)
    # A field's problem is also shown at the field itself.
    errors = {**{f: t for f, t in problems.items() if f not in ("letter", "draft")}, **errors}
    return render_template("submissions/preview.html", staged=staged, parsed=staged.parsed or {},
                           problems=problems, errors=errors, PolicyType=PolicyType, Stage=Stage,
                           parse_job=ops.parse_job(staged) if ops.draft_parsing(staged) else None)


@bp.route("/<int:sub_id>")
@login_required
def detail(sub_id: int):
    sub = _own_submission(sub_id)
    if current_user.role is Role.office:
        return redirect(url_for("office.detail", sub_id=sub.id))
    if current_user.role is Role.expert:
        mine = [a for a in sub.assignments if a.expert_id == current_user.expert_id]
        return redirect(url_for("reviews.review", assignment_id=mine[-1].id))
    rounds = []
    from ..reviews.operations import responses_for_round, submitted_opinions
    from ..sheets.models import OpinionSheet

    sheets = {s.decision_id: s for s in db.session.scalars(
        db.select(OpinionSheet).where(OpinionSheet.submission_id == sub.id))}
    for version in sub.versions:
        visible = can_view_opinions(current_user, sub, version.round)
        decision = next((d for d in sub.decisions if d.round == version.round), None)
        rounds.append({"version": version, "decision": decision,
                       "sheet": sheets.get(decision.id) if decision else None,
                       "responses": responses_for_round(sub, version.round),
                       "opinions": submitted_opinions(sub, version.round) if visible else []})
    completion = ops.pending_completion(sub) if sub.status is Status.returned else None
    return render_template("submissions/detail.html", sub=sub, rounds=rounds,
                           actions=available_actions(current_user, sub),
                           completion_job=ops.parse_job(completion) if completion is not None else None)


@bp.route("/<int:sub_id>/complete", methods=["POST"])
@role_required(Role.department)
def complete(sub_id: int):
    sub = _own_submission(sub_id)
    try:
        pending = ops.complete_submission(
            current_user, sub, note=request.form.get("note", ""), draft=request.files.get("draft"),
            letter=request.files.get("letter"), basis=request.files.getlist("basis"),
            requested={code: request.files.getlist(return_item_field(code))
                       for code in RETURN_ITEMS if return_item_field(code) != code})
        db.session.commit()
        if pending is None:
            flash(_("The submission was completed and sent back to the committee office."), "success")
        else:
            flash(_("The new draft is being read; the submission goes back to the committee office as soon as it is read."), "info")
    except ops.SubmissionError as exc:
        db.session.rollback()
        if exc.code == "draft_unreadable":
            flash(_("The new draft could not be read: %(why)s", why=str(exc)), "error")
        for code, message, field in exc.problems if exc.code != "draft_unreadable" else []:
            flash(error_text(code, message, field, **(getattr(exc, "params", None) or {})), "error")
    return redirect(url_for(".detail", sub_id=sub.id))


@bp.route("/<int:sub_id>/withdraw", methods=["POST"])
@role_required(Role.department)
def withdraw(sub_id: int):
    sub = _own_submission(sub_id)
    try:
        ops.withdraw_submission(current_user, sub, request.form.get("reason", ""))
        db.session.commit()
        flash(_("The submission was withdrawn."), "info")
    except (TransitionError, ops.SubmissionError) as exc:
        db.session.rollback()
        flash(exc_text(exc), "error")
    return redirect(url_for(".detail", sub_id=sub.id))


@bp.route("/<int:sub_id>/revise", methods=["GET", "POST"])
@role_required(Role.department)
def revise(sub_id: int):
    sub = _own_submission(sub_id)
    if "revise" not in available_actions(current_user, sub):
        flash(_("This submission cannot be revised now."), "error")
        return redirect(url_for(".detail", sub_id=sub.id))
    items = ops.opinion_items(sub, sub.current_round)
    errors: dict[str, str] = {}
    values = {}
    if request.method == "POST":
        responses = {item.id: {"response": request.form.get(f"response-{item.id}"),
                               "reason": request.form.get(f"reason-{item.id}", "")} for item in items}
        values = responses
        try:
            staged = ops.stage_revision(current_user, sub, draft=request.files.get("draft"),
                                        letter=request.files.get("letter"), responses=responses,
                                        note=request.form.get("note", ""),
                                        basis=request.files.getlist("basis"),
                                        drop_basis=request.form.getlist("drop_basis"))
            db.session.commit()
            return redirect(url_for(".revision_preview", sub_id=sub.id, token=staged.token))
        except ops.SubmissionError as exc:
            db.session.rollback()
            for code, message, field in exc.problems:  # every missing response at once
                errors[field or "form"] = error_text(code, message, field)
    return render_template("submissions/revise.html", sub=sub, items=items, errors=errors, values=values)


@bp.route("/<int:sub_id>/revise/<token>", methods=["GET", "POST"])
@role_required(Role.department)
def revision_preview(sub_id: int, token: str):
    from pipeline.diff import diff_clauses

    sub = _own_submission(sub_id)
    staged = ops.get_staged(current_user, token)
    if staged is None or staged.submission_id != sub.id:
        abort(404)
    error = None
    if request.method == "POST":
        try:
            if request.form.get("action") == "discard":
                ops.discard_staged(staged)
                db.session.commit()
                return redirect(url_for(".revise", sub_id=sub.id))
            if request.files.get("draft") and request.files["draft"].filename:
                ops.stage_files(staged, draft=request.files["draft"])
                db.session.commit()
            else:
                ops.confirm_revision(current_user, sub, staged)
                db.session.commit()
                flash(_("Round %(n)s started: the panel is invited to review the revised draft.",
                        n=sub.current_round), "success")
                return redirect(url_for(".detail", sub_id=sub.id))
        except ops.SubmissionError as exc:
            db.session.rollback()
            error = exc_text(exc)
    parsed = staged.parsed or {}
    failed = parsed.get("status") == "failure"
    if ops.draft_parsing(staged):
        return render_template("submissions/revision_preview.html", sub=sub, staged=staged, parsed={},
                               diff=[], failed=False, error=error, parse_job=ops.parse_job(staged))
    diff = [] if failed else diff_clauses(
        [{"id": c.key, "path": c.path, "text": c.text} for c in sub.current_version.clauses],
        parsed.get("clauses") or [])
    return render_template("submissions/revision_preview.html", sub=sub, staged=staged, parsed=parsed,
                           diff=diff, failed=failed, error=error or (parse_error_text(parsed) if failed else None))


@bp.route("/<int:sub_id>/diff")
@login_required
def diff(sub_id: int):
    from pipeline.diff import diff_clauses

    sub = _own_submission(sub_id)
    rounds = {v.round: v for v in sub.versions}
    new = request.args.get("to", type=int) or sub.current_round
    old = request.args.get("from", type=int) or max(new - 1, 1)
    if old not in rounds or new not in rounds:
        abort(404)
    as_dicts = lambda v: [{"id": c.key, "path": c.path, "text": c.text} for c in v.clauses]  # noqa: E731
    changes = diff_clauses(as_dicts(rounds[old]), as_dicts(rounds[new]))
    return render_template("submissions/diff.html", sub=sub, old=old, new=new, changes=changes)


@bp.route("/<int:sub_id>/audit")
@login_required
def audit(sub_id: int):
    sub = _own_submission(sub_id)
    if not can_view_audit(current_user, sub):
        abort(404)
    return render_template("submissions/audit.html", sub=sub, events=audit_rows(sub, current_user))


@bp.route("/files/<int:file_id>")
@login_required
def download(file_id: int):
    stored = db.session.get(StoredFile, file_id)
    if stored is None or not can_view_submission(current_user, stored.version.submission):
        abort(404)
    return send_file(upload_path(stored.storage_key), download_name=stored.filename, as_attachment=True)


