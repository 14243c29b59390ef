"""Rendering an issued sheet's files (PDF, DOCX, QR) in a background job.

The sheet row, its serial and its signature are written by the request that issues it; the job
draws the files. The verification code is printed on the sheet but only its hash is kept, so
the job carries it encrypted with the instance's secret key and drops it once the files exist.
"""
from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from ..accounts.models import User
from ..extensions import db
from ..jobs import JobFailure, job_handler
from ..jobs import enqueue, latest_job
from .models import OpinionSheet
from .operations import SheetError, render_issued


def _fernet() -> Fernet:
    key = hashlib.sha256(b"hiap-review sheet code\0" + str(current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def subject(sheet: OpinionSheet) -> str:
    return f"sheet:{sheet.id}"


def start_rendering(actor: User, sheet: OpinionSheet, code: str):
    return enqueue("render_sheet", {"sheet_id": sheet.id, "code": _fernet().encrypt(code.encode()).decode()},
                   owner=actor, subject=subject(sheet), total=1)


def rendering_job(sheet: OpinionSheet):
    """The job drawing the sheet's files while they do not exist yet."""
    return None if sheet.pdf_key else latest_job(subject(sheet))


@job_handler("render_sheet")
def render_sheet(job, progress) -> dict:
    sheet = db.session.get(OpinionSheet, job.payload["sheet_id"])
    if sheet is None:
        raise JobFailure("not_found")
    if sheet.pdf_key:
        return {"serial": sheet.serial}  # drawn by an earlier run
    try:
        code = _fernet().decrypt(job.payload["code"].encode()).decode()
    except (InvalidToken, KeyError):
        raise JobFailure("sheet_code_lost") from None
    try:
        render_issued(db.session.get(User, job.owner_id) if job.owner_id else None, sheet, code)
    except SheetError as exc:
        raise JobFailure(exc.code) from None
    job.payload = {"sheet_id": sheet.id}  # the code is not kept once it is printed
    return {"serial": sheet.serial}
