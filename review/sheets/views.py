"""Opinion sheet pages: prepare and issue (office), view and download, revoke (admin)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.auth import role_required
from ..accounts.models import Role
from ..extensions import db
from ..reviews.models import Decision
from . import operations as ops
from .content import SheetView
from .forms import IssueForm, RevokeForm
from .models import SheetStatus
from .preview import preview_pdf
from .wording import sheet_wording

bp = Blueprint("sheets", __name__, url_prefix="/sheets")


@bp.record_once
def _page_globals(state) -> None:
    from ..verify.forms import OUTCOME_LABELS
    from .labels import page_label, page_rows, sheet_conclusion

    state.app.jinja_env.globals.update(
        sheet_label=page_label, sheet_page_rows=page_rows,
        intake_outcome=lambda code: str(OUTCOME_LABELS[code]) if code in OUTCOME_LABELS else code,
        sheet_conclusion=sheet_conclusion)

DOWNLOADS = {
    "pdf": ("pdf_key", "application/pdf"),
    "docx": ("docx_key", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


def _sheet_or_404(serial: str):
    sheet = ops.get_sheet(serial)
    if sheet is None:
        abort(404)
    return sheet


@bp.route("/prepare/<int:decision_id>", methods=["GET", "POST"])
@role_required(Role.office)
def prepare(decision_id: int):
    decision = db.session.get(Decision, decision_id) or abort(404)
    existing = ops.sheet_of_decision(decision)
    if existing is not None:
        return redirect(url_for("sheets.show", serial=existing.serial))
    drafted = ops.draft_items(decision)
    form = IssueForm(data={"items": drafted})
    if form.validate_on_submit():
        items = [entry.data for entry in form.items.entries]
        try:
            sheet, code = ops.issue_sheet(current_user, decision, items)
        except ops.SheetError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            if code:
                flash(_("Sheet %(serial)s issued. Its verification code is %(code)s: it is printed on the sheet "
                        "and shown here only once.", serial=sheet.serial, code=code), "success")
            else:
                flash(_("This decision already has its sheet."), "info")
            return redirect(url_for("sheets.show", serial=sheet.serial))
    preview = ops.build_facts(decision, [], decision.decided_at.date())
    view = SheetView(dict(preview, serial="", verify_url=""), sheet_wording())
    return render_template("sheets/prepare.html", form=form, decision=decision, view=view,
                           excerpts=[i["clause_text"] for i in drafted])


@bp.route("/prepare/<int:decision_id>/preview.pdf", methods=["GET", "POST"])
@role_required(Role.office)
def preview(decision_id: int):
    """The PDF as it will be issued: drafted wording (GET) or the wording in the form (POST)."""
    decision = db.session.get(Decision, decision_id) or abort(404)
    items = None
    if request.method == "POST":
        form = IssueForm()
        if not form.validate_on_submit():
            abort(400)
        items = [entry.data for entry in form.items.entries]
    try:
        pdf = preview_pdf(current_user, decision, items)
    except ops.SheetError as exc:
        abort(403 if exc.code == "forbidden" else 400, description=str(exc))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": "inline; filename=preview.pdf", "Cache-Control": "no-store",
        "X-Frame-Options": "SAMEORIGIN"})


@bp.route("/<serial>")
@login_required
def show(serial: str):
    sheet = _sheet_or_404(serial)
    if not ops.can_view(current_user, sheet):
        abort(403)
    from .jobs import rendering_job

    result = ops.verify_record(sheet)
    return render_template("sheets/show.html", sheet=sheet, result=result, rendering=rendering_job(sheet),
                           view=SheetView(sheet.facts, sheet_wording()), SheetStatus=SheetStatus,
                           can_download=ops.can_download(current_user, sheet),
                           revoke_form=RevokeForm() if ops.can_revoke(current_user) else None)


@bp.route("/<serial>/download/<fmt>")
@login_required
def download(serial: str, fmt: str):
    sheet = _sheet_or_404(serial)
    if fmt not in DOWNLOADS:
        abort(404)
    if not ops.can_download(current_user, sheet):
        abort(403)
    attr, mimetype = DOWNLOADS[fmt]
    if not getattr(sheet, attr):  # still being drawn by its job: the sheet's page shows the progress
        flash(_("The sheet's files are still being prepared."), "info")
        return redirect(url_for(".show", serial=sheet.serial))
    path = ops.sheet_path(getattr(sheet, attr))
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=f"{sheet.serial}.{fmt}")


@bp.route("/<serial>/qr.png")
@login_required
def qr(serial: str):
    sheet = _sheet_or_404(serial)
    if not ops.can_view(current_user, sheet):
        abort(403)
    if not sheet.pdf_key:
        abort(404)
    path = ops.sheet_path(ops.qr_key(sheet))
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="image/png", max_age=0)


@bp.route("/<serial>/revoke", methods=["POST"])
@role_required(Role.admin)
def revoke(serial: str):
    sheet = _sheet_or_404(serial)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for the revocation."), "error")
        return redirect(url_for("sheets.show", serial=serial))
    try:
        ops.revoke_sheet(current_user, sheet, form.reason.data)
    except ops.SheetError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Sheet %(serial)s is revoked.", serial=sheet.serial), "success")
    return redirect(url_for("sheets.show", serial=serial))
