"""Sheet endpoints: verification by serial and code (no login, rate-limited), the draft check,
and the sheet files for the office, the owning department and the justice bureau."""
from __future__ import annotations

from flask import jsonify, request, send_file
from flask_login import current_user

from ..accounts.models import Role
from ..sheets import operations as ops
from ..sheets.views import DOWNLOADS
from ..verify.uploads import refuse_oversized, upload_limit
from ..verify.views import verify_limit
from .common import ApiError, api_auth, bp

NOT_FOUND = "no sheet with this serial number and code"


@bp.get("/sheets/<serial>")
@verify_limit
def sheet_status(serial: str):
    result = ops.verify(serial, request.args.get("code", ""))
    if not result.found:
        raise ApiError(404, "not_found", NOT_FOUND)
    return jsonify(result.to_api())


@bp.post("/sheets/check-pdf")
@verify_limit
@upload_limit
def sheet_check_pdf():
    """The verdict on a sheet PDF (read in the sandboxed child), against the register."""
    refusal = refuse_oversized()
    if refusal:
        raise ApiError(413, "too_large", refusal, field="sheet")
    upload = request.files.get("sheet")
    if upload is None or not upload.filename:
        raise ApiError(400, "sheet_required", "send the sheet PDF as the multipart field 'sheet'", field="sheet")
    check = ops.check_sheet_pdf(upload.read())
    if check.verdict == "unreadable":
        raise ApiError(422, "unreadable", "; ".join(check.messages()), field="sheet")
    return jsonify(check.to_api())


@bp.post("/sheets/<serial>/check-draft")
@verify_limit
@upload_limit
def sheet_check_draft(serial: str):
    refusal = refuse_oversized()
    if refusal:
        raise ApiError(413, "too_large", refusal, field="draft")
    sheet = ops.find_by_code(serial, request.form.get("code", ""))
    if sheet is None:
        raise ApiError(404, "not_found", NOT_FOUND)
    draft = request.files.get("draft")
    if draft is None or not draft.filename:
        raise ApiError(400, "draft_required", "send the draft as the multipart field 'draft'", field="draft")
    result = ops.check_draft(sheet, draft)
    if result["error"]:
        raise ApiError(400, "unreadable_draft", result["error"], field="draft")
    return jsonify({k: result[k] for k in ("matches", "by", "sha256", "text_sha256", "changed_clauses")})


@bp.get("/sheets/<serial>/<fmt>")
@api_auth(Role.office, Role.department, Role.justice)
def sheet_file(serial: str, fmt: str):
    sheet = ops.get_sheet(serial)
    if sheet is None or fmt not in DOWNLOADS:
        raise ApiError(404, "not_found", f"no sheet {serial} as {fmt}")
    if not ops.can_download(current_user, sheet):
        raise ApiError(403, "forbidden", "this sheet belongs to another department")
    attr, mimetype = DOWNLOADS[fmt]
    if not getattr(sheet, attr):
        raise ApiError(409, "sheet_rendering", "the sheet's files are still being drawn; try again in a moment")
    path = ops.sheet_path(getattr(sheet, attr))
    if not path.is_file():
        raise ApiError(404, "not_found", "the sheet file is missing")
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=f"{sheet.serial}.{fmt}")
