"""The 初筛表: download (DOCX/PDF), the office's edit and finalise, and the calibration page."""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.auth import role_required
from ..accounts.models import Role
from ..extensions import db
from ..messages import error_text
from ..permissions import can_view_submission
from ..submissions.models import Submission
from . import operations as ops

bp = Blueprint("screening", __name__, url_prefix="/screening")

MIMETYPES = {"pdf": "application/pdf",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _submission(sub_id: int) -> Submission:
    sub = db.session.get(Submission, sub_id)
    if sub is None or not can_view_submission(current_user, sub):
        abort(404)
    return sub


@bp.route("/<int:sub_id>/form.<fmt>")
@login_required
def download(sub_id: int, fmt: str):
    if fmt not in MIMETYPES:
        abort(404)
    sub = _submission(sub_id)
    version = sub.current_version
    if version is None or not (version.screening or {}).get("questions"):
        abort(404)
    facts = ops.form_facts(sub, version)
    if fmt == "docx":
        from .render_docx import render_docx

        data = render_docx(facts)
    else:
        from ..sheets.render_pdf import SheetFontError
        from .render_pdf import render_pdf

        try:
            data = render_pdf(facts, str(current_app.config.get("SHEET_FONT") or ""))
        except SheetFontError:
            current_app.logger.exception("no CJK font for the screening form")
            return render_template("errors/error.html", code=503,
                                   message=_("The PDF cannot be made on this server (no Chinese font). "
                                             "Download the DOCX instead.")), 503
    name = f"初筛表-{sub.id}-{version.round}.{fmt}"
    return send_file(io.BytesIO(data), mimetype=MIMETYPES[fmt], as_attachment=True, download_name=name)


@bp.route("/<int:sub_id>/edit", methods=["GET", "POST"])
@role_required(Role.office)
def edit(sub_id: int):
    sub = _submission(sub_id)
    version = sub.current_version
    if version is None or not (version.screening or {}).get("questions"):
        abort(404)
    if request.method == "POST":
        data = {"answers": {k[len("answer-"):]: v for k, v in request.form.items() if k.startswith("answer-")},
                "reasons": {k[len("reasons-"):]: v for k, v in request.form.items() if k.startswith("reasons-")},
                "impact_level": request.form.get("impact_level", ""),
                "related_departments": request.form.get("related_departments", "")}
        try:
            if request.form.get("action") == "finalise":
                ops.edit_form(current_user, sub, data)
                ops.finalise_form(current_user, sub)
                message = _("The screening form is final.")
            else:
                ops.edit_form(current_user, sub, data)
                message = _("The screening form was saved.")
            db.session.commit()
            flash(message, "success")
            return redirect(url_for(".edit", sub_id=sub.id))
        except ops.ScreeningFormError as exc:
            db.session.rollback()
            flash(error_text(exc.code, str(exc)), "error")
    current = ops.current_form(version)
    return render_template("screening/edit.html", sub=sub, form=current, answers=ops.ANSWERS,
                           levels=ops.LEVELS, editable=ops.can_edit_form(current_user, sub, current["record"]))


@bp.route("/calibration")
@role_required(Role.office)
def calibration():
    from .calibration import questions_with_counts, screening_calibration

    cal = screening_calibration()
    return render_template("screening/calibration.html", cal=cal, rows=questions_with_counts(cal))
