"""Follow-up pages: the list, setting one (office), the report (department), the office's answer."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.auth import role_required
from ..accounts.models import Role
from ..calendar import local_today
from ..extensions import db
from ..messages import exc_text
from ..permissions import can_report_followup, can_review_followup, can_view_followup
from ..submissions.models import Submission
from . import operations as ops
from .models import Expected, FollowUp, FollowUpStatus

bp = Blueprint("followups", __name__, url_prefix="/followups")
FORM_ROWS = 5  # blank indicator rows on the form


def _followup(fu_id: int) -> FollowUp:
    fu = db.session.scalar(db.select(FollowUp).where(FollowUp.id == fu_id).options(
        joinedload(FollowUp.submission), joinedload(FollowUp.department), selectinload(FollowUp.indicators)))
    if fu is None or not can_view_followup(current_user, fu):
        abort(404)  # another department's follow-up does not exist for this user
    return fu


@bp.route("/")
@role_required(Role.office, Role.admin, Role.department)
def index():
    rows = ops.followup_list(current_user, limit=200)
    return render_template("followups/index.html", rows=rows, today=local_today())


@bp.route("/set/<int:sub_id>", methods=["GET", "POST"])
@role_required(Role.office)
def set_(sub_id: int):
    sub = db.session.get(Submission, sub_id)
    if sub is None:
        abort(404)
    fu = ops.followup_of(sub)
    error, field = None, None
    form = request.form
    if request.method == "POST":
        rows = [{"text": t, "target": g} for t, g in zip(form.getlist("indicator"), form.getlist("target"))]
        try:
            due = date.fromisoformat(form["due_on"]) if form.get("due_on") else None
        except ValueError:
            due, error, field = None, _("Enter the follow-up date as a date."), "due_on"
        if error is None:
            try:
                fu = ops.set_followup(current_user, sub, rows, due)
                db.session.commit()
                flash(_("The follow-up evaluation is set."), "success")
                return redirect(url_for(".detail", fu_id=fu.id))
            except ops.FollowUpError as exc:
                db.session.rollback()
                error, field = exc_text(exc), exc.field
    existing = [{"text": i.text, "target": i.target} for i in fu.indicators] if fu else []
    blank = [{"text": "", "target": ""}] * max(1, FORM_ROWS - len(existing))
    return render_template("followups/set.html", sub=sub, fu=fu, rows=existing + blank, error=error, field=field,
                           may_set=ops.may_set(sub), months=current_app.config["FOLLOWUP_MONTHS"])


@bp.route("/<int:fu_id>")
@role_required(Role.office, Role.admin, Role.department)
def detail(fu_id: int):
    fu = _followup(fu_id)
    return render_template("followups/detail.html", fu=fu, today=local_today(), Expected=Expected,
                           can_report=can_report_followup(current_user, fu) and fu.status is FollowUpStatus.scheduled,
                           can_review=can_review_followup(current_user, fu) and fu.status is FollowUpStatus.reported)


def _act(fu: FollowUp, action, success: str):
    try:
        action()
        db.session.commit()
        flash(success, "success")
    except ops.FollowUpError as exc:
        db.session.rollback()
        flash(exc_text(exc), "error")
    return redirect(url_for(".detail", fu_id=fu.id))


@bp.route("/<int:fu_id>/report", methods=["POST"])
@role_required(Role.department)
def report(fu_id: int):
    fu = _followup(fu_id)
    results = {k[len("result-"):]: v for k, v in request.form.items() if k.startswith("result-")}
    return _act(fu, lambda: ops.submit_report(current_user, fu, results, request.form.get("expected", ""),
                                              request.form.get("report_text", "")),
                _("The follow-up report was submitted to the committee office."))


@bp.route("/<int:fu_id>/accept", methods=["POST"])
@role_required(Role.office)
def accept(fu_id: int):
    fu = _followup(fu_id)
    return _act(fu, lambda: ops.accept_report(current_user, fu, request.form.get("note", "")),
                _("The follow-up report was accepted."))


@bp.route("/<int:fu_id>/new-review", methods=["POST"])
@role_required(Role.office)
def new_review(fu_id: int):
    fu = _followup(fu_id)
    return _act(fu, lambda: ops.request_new_review(current_user, fu, request.form.get("reason", "")),
                _("A new review was requested; the department was told to submit the policy again."))
