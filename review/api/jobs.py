"""GET /api/v1/jobs/<id>: a background job started by an API call (202 answers point here)."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from ..extensions import db
from ..jobs.models import Job
from ..jobs.views import job_state
from ..permissions import can_view_job
from .common import ApiError, api_auth, bp


@bp.get("/jobs/<int:job_id>")
@api_auth()
def job(job_id: int):
    found = db.session.get(Job, job_id)
    if found is None or not can_view_job(current_user, found):
        raise ApiError(404, "not_found", "no such job")
    return jsonify(job_state(found))
