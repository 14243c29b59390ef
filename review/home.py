"""Landing pages: every role lands on its own home page."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from .accounts.auth import role_required
from .accounts.models import Role
from .extensions import db

bp = Blueprint("home", __name__)

HOME_ENDPOINTS = {
    Role.department: "home.department",
    Role.office: "home.office",
    Role.expert: "home.expert",
    Role.justice: "home.justice",
    Role.admin: "admin.index",
}


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return redirect(url_for(HOME_ENDPOINTS[current_user.role]))


@bp.route("/department")
@role_required(Role.department)
def department():
    from .submissions.models import Submission

    submissions = db.session.scalars(
        db.select(Submission)
        .where(Submission.department_id == current_user.department_id)
        .order_by(Submission.updated_at.desc())
        .limit(10)
    ).all()
    return render_template("home/department.html", submissions=submissions)


@bp.route("/office")
@role_required(Role.office)
def office():
    from .submissions.models import Status, Submission

    counts = dict(
        db.session.execute(
            db.select(Submission.status, db.func.count(Submission.id)).group_by(Submission.status)
        ).all()
    )
    intake = db.session.scalars(
        db.select(Submission).where(Submission.status == Status.submitted).order_by(Submission.created_at)
    ).all()
    return render_template("home/office.html", counts=counts, intake=intake, Status=Status)


@bp.route("/expert")
@role_required(Role.expert)
def expert():
    from .reviews.models import Assignment

    assignments = db.session.scalars(
        db.select(Assignment)
        .where(Assignment.expert_id == current_user.expert_id)
        .order_by(Assignment.invited_at.desc())
        .limit(20)
    ).all()
    return render_template("home/expert.html", assignments=assignments)


@bp.route("/justice")
@role_required(Role.justice)
def justice():
    from .sheets.models import OpinionSheet

    sheets = db.session.scalars(
        db.select(OpinionSheet).order_by(OpinionSheet.issued_at.desc()).limit(10)
    ).all()
    return render_template("home/justice.html", sheets=sheets)


@bp.app_errorhandler(403)
def forbidden(error):
    return render_template("errors/error.html", code=403), 403


@bp.app_errorhandler(404)
def not_found(error):
    return render_template("errors/error.html", code=404), 404


@bp.app_errorhandler(413)
def too_large(error):
    return render_template("errors/error.html", code=413), 413
