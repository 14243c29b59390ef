"""Background jobs of submissions: reading an uploaded draft, then what the upload was for.

The browser's preview pages show the job's progress and reload when the draft is read; one-shot
callers (the API, a completion) name in the staged form what to do next (``then``), and the job
does it as the uploading user once the draft is read.
"""
from __future__ import annotations


from ..accounts.models import User
from ..extensions import db
from ..jobs import JobFailure, job_handler
from ..workflow import TransitionError
from . import operations as ops
from .models import StagedUpload, Submission
from .parsing import parse_draft
from .storage import upload_path


@job_handler("parse_draft")
def parse_staged_draft(job, progress) -> dict:
    staged = db.session.get(StagedUpload, job.payload["staged_id"])
    if staged is None:
        return {"status": "discarded"}
    draft = staged.file_of("draft")
    if draft is None or draft["storage_key"] != job.payload["key"]:
        return {"status": "superseded"}  # a newer draft was staged: its own job reads it
    progress(0, 1, note=draft["filename"])
    staged.parsed = parse_draft(upload_path(draft["storage_key"]), draft["filename"],
                                in_job=True)
    result = {"status": staged.parsed.get("status"), "clauses": len(staged.parsed.get("clauses") or [])}
    then = (staged.form or {}).get("then")
    if then:
        result.update(_continue(staged, then))
    return result


def _continue(staged: StagedUpload, then: str) -> dict:
    """Finish a one-shot upload as its user; a refusal discards the upload and says why."""
    actor = db.session.get(User, staged.user_id)
    try:
        if then == "submit":
            ops.refuse_unreadable(staged)
            return {"submission_id": ops.confirm_submission(actor, staged).id}
        sub = db.session.get(Submission, staged.submission_id)
        if then == "revise":
            ops.refuse_unreadable(staged)
            ops.confirm_revision(actor, sub, staged)
        elif then == "complete":
            ops.apply_completion(actor, sub, staged)
        else:
            raise JobFailure("job_unknown_kind")
        return {"submission_id": sub.id}
    except (ops.SubmissionError, TransitionError) as exc:
        code, params = exc.code, dict(getattr(exc, "params", None) or {})
        db.session.rollback()
        staged = db.session.get(StagedUpload, staged.id)
        if staged is not None and then != "complete":
            # A completion stays staged: the submission's page shows why it was refused.
            ops.discard_staged(staged)
            db.session.commit()
        raise JobFailure(code, str(exc), **params) from None
