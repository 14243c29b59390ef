"""Verification: the public page (serial + code, or the QR URL), draft and PDF checks, the public
key; and for the justice bureau the register of sheets and the legality-review intake."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.auth import role_required
from ..accounts.models import Role
from ..extensions import db, limiter
from ..sheets import operations as ops
from ..sheets import signing
from ..sheets.models import SheetStatus
from ..submissions.models import Conclusion
from .forms import DraftCheckForm, IntakeForm, PdfCheckForm, VerifyForm
from .uploads import refuse_oversized, upload_limit

bp = Blueprint("verify", __name__, url_prefix="/verify")

# One budget per client address for every lookup by serial and code, pages and API alike.
verify_limit = limiter.shared_limit(lambda: current_app.config["VERIFY_RATE_LIMIT"], scope="verify")


@bp.route("/", methods=["GET", "POST"])
def index():
    form = VerifyForm()
    if form.validate_on_submit():
        return redirect(url_for("verify.sheet", serial=form.serial.data.strip(), code=form.code.data.strip()))
    return render_template("verify/index.html", form=form, pdf_form=PdfCheckForm())


@bp.route("/<serial>")
@verify_limit
def sheet(serial: str):
    code = request.args.get("code", "").strip()
    if not code:
        # The printed address leads here without the code: ask for it rather than say "not found".
        form = VerifyForm(data={"serial": serial})
        return render_template("verify/index.html", form=form, pdf_form=PdfCheckForm(), ask_code=True)
    result = ops.verify(serial, code)
    draft_form = DraftCheckForm(code=code) if result.found else None
    return render_template("verify/result.html", result=result, serial=serial, draft_form=draft_form,
                           draft_action=url_for("verify.check_draft", serial=serial)), (200 if result.found else 404)


@bp.route("/<serial>/draft", methods=["POST"])
@verify_limit
@upload_limit
def check_draft(serial: str):
    refusal = refuse_oversized()
    if refusal:
        return _refused(refusal)
    form = DraftCheckForm()
    sheet = ops.find_by_code(serial, form.code.data or "")
    if sheet is None:
        return render_template("verify/result.html", result=ops.VerificationResult(found=False), serial=serial,
                               draft_form=None), 404
    return _draft_result(sheet, form, url_for("verify.check_draft", serial=serial))


def _draft_result(sheet, form, action: str):
    comparison = ops.check_draft(sheet, form.draft.data) if form.validate_on_submit() else None
    intake_form = None
    if comparison is not None and ops.can_record_intake(current_user):
        intake_form = IntakeForm(draft_matches="1" if comparison["matches"] else "0",
                                 outcome=_suggested_outcome(sheet, comparison["matches"]))
    return render_template("verify/result.html", result=ops.verify_record(sheet), serial=sheet.serial,
                           draft_form=form, draft_action=action, comparison=comparison, intake_form=intake_form,
                           sheet=sheet)


@bp.route("/pdf", methods=["POST"])
@verify_limit
@upload_limit
def check_pdf():
    refusal = refuse_oversized()
    if refusal:
        return _refused(refusal)
    form = PdfCheckForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(e, "error")
        return redirect(url_for("verify.index"))
    check = ops.check_sheet_pdf(form.sheet.data.read())  # read in the sandboxed child
    return render_template("verify/pdf_result.html", check=check), (422 if check.verdict == "unreadable" else 200)


def _refused(message: str):
    """An upload refused before its body was read: the form again, with the reason."""
    flash(message, "error")
    return render_template("verify/index.html", form=VerifyForm(formdata=None),
                           pdf_form=PdfCheckForm(formdata=None)), 413


@bp.route("/public-key.pem")
def public_key():
    pair = signing.load_keypair(current_app.config["KEY_DIR"])
    return Response(pair.public_pem, mimetype="application/x-pem-file",
                    headers={"Content-Disposition": f'attachment; filename="hiap-sheet-{pair.key_id}.pem"'})


# -- justice bureau -----------------------------------------------------------------------------


@bp.route("/register")
@role_required(Role.justice, Role.office, Role.admin)
def register():
    args = request.args
    year = args.get("year", type=int)
    filters = {"status": args.get("status", ""), "conclusion": args.get("conclusion", ""),
               "department": args.get("department", "").strip(), "year": year, "q": args.get("q", "").strip()}
    page = ops.register_page(filters, args.get("page", 1, type=int), int(current_app.config["PAGE_SIZE"]))
    return render_template("verify/register.html", page=page, filters=filters,
                           statuses=[s.value for s in SheetStatus], conclusions=[c.value for c in Conclusion],
                           departments=ops.register_departments(), years=ops.register_years())


@bp.route("/sheets/<serial>")
@role_required(Role.justice, Role.office, Role.admin)
def detail(serial: str):
    sheet = ops.get_sheet(serial) or abort(404)
    return render_template("verify/detail.html", sheet=sheet, result=ops.verify_record(sheet),
                           draft_form=DraftCheckForm(),
                           intake_form=IntakeForm(outcome=_suggested_outcome(sheet, None))
                           if ops.can_record_intake(current_user) else None)


def _suggested_outcome(sheet, draft_matches: bool | None) -> str:
    """What the intake form proposes: accepted only for a valid 审查同意 sheet whose draft was not
    shown to differ; otherwise returned, so that a hurried click never admits the wrong version."""
    approved = sheet.status.value == "valid" and (sheet.facts or {}).get("conclusion") == "approve"
    return "accepted" if approved and draft_matches is not False else "returned"


@bp.route("/sheets/<serial>/draft", methods=["POST"])
@role_required(Role.justice, Role.office, Role.admin)
def detail_draft(serial: str):
    sheet = ops.get_sheet(serial) or abort(404)
    return _draft_result(sheet, DraftCheckForm(), url_for("verify.detail_draft", serial=serial))


@bp.route("/sheets/<serial>/intake", methods=["POST"])
@role_required(Role.justice)
def intake(serial: str):
    sheet = ops.get_sheet(serial) or abort(404)
    form = IntakeForm()
    if form.validate_on_submit():
        matches = {"1": True, "0": False}.get(form.draft_matches.data or "")
        try:
            ops.record_intake(current_user, sheet, form.received_on.data, form.outcome.data, form.note.data,
                              draft_matches=matches)
        except ops.SheetError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("The legality-review intake of %(serial)s is recorded.", serial=sheet.serial), "success")
    else:
        flash(_("Check the intake form: %(errors)s", errors="; ".join(
            f"{k}: {', '.join(v)}" for k, v in form.errors.items())), "error")
    return redirect(url_for("verify.detail", serial=serial))


from . import exports  # noqa: E402,F401  (registers the register export on this blueprint)
