"""A job's state for the progress bars (polled as JSON), its own page, and the retry button."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..extensions import db
from ..listing import paginate
from ..validation import local_path
from ..messages import error_text
from ..permissions import can_view_job
from . import operations as ops
from .models import Job, JobStatus

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _visible_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or not can_view_job(current_user, job):
        abort(404)
    return job


def job_state(job: Job) -> dict:
    state = job.as_dict()
    state["message"] = error_text(job.error_code, "", None, **(job.error_params or {})) if job.error_code else ""
    return state


@bp.get("/")
@login_required
def index():
    """The office and the admin see every task, failed ones first; others see their own."""
    query = db.select(Job)
    if current_user.role not in (Role.office, Role.admin):
        query = query.where(Job.owner_id == current_user.id)
    status = request.args.get("status", "")
    if status in {s.value for s in JobStatus}:
        query = query.where(Job.status == JobStatus(status))
    query = query.order_by((Job.status == JobStatus.failed).desc(), Job.id.desc())
    page = paginate(query)
    return render_template("jobs/index.html", page=page, status=status, statuses=list(JobStatus))


@bp.get("/<int:job_id>.json")
@login_required
def state(job_id: int):
    return jsonify(job_state(_visible_job(job_id)))


@bp.get("/<int:job_id>")
@login_required
def detail(job_id: int):
    job = _visible_job(job_id)
    return render_template("jobs/detail.html", job=job, back=local_path(request.args.get("next")))


@bp.post("/<int:job_id>/retry")
@login_required
def retry(job_id: int):
    job = _visible_job(job_id)
    if job.status is JobStatus.failed:
        ops.retry(job)
        db.session.commit()
        flash(_("The task was started again."), "info")
    return redirect(local_path(request.form.get("next")) or url_for(".detail", job_id=job.id))



@bp.app_template_global()
def job_message(job: Job) -> str:
    return job_state(job)["message"]


_KINDS = {"parse_draft": _l("Reading a draft"), "send_mail": _l("Sending a mail"),
          "batch_assign": _l("Batch assignment"), "render_sheet": _l("Preparing an opinion sheet"),
          "build_precedents": _l("Indexing the concluded reviews (precedents)")}
_STATUS = {"queued": _l("Waiting for a worker"), "running": _l("Running"), "done": _l("Done"), "failed": _l("Failed")}


@bp.app_template_global()
def job_status_label(job: Job | JobStatus) -> str:
    status = job if isinstance(job, JobStatus) else job.status
    return str(_STATUS[status.value])


@bp.app_template_global()
def job_kind_label(job: Job) -> str:
    return str(_KINDS.get(job.kind, job.kind))



@bp.app_template_global()
def error_message(code: str, params: dict | None = None) -> str:
    return error_text(code, "", None, **(params or {}))
