"""The register of opinion sheets as an Excel file, with the page's filters (one statement)."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..accounts.auth import role_required
from ..accounts.models import Role
from ..calendar import local_today
from ..exports import workbook_response
from ..extensions import db
from ..i18n import label
from ..sheets import operations as ops
from ..sheets.models import LegalityIntake, OpinionSheet
from .views import bp


def register_filters(args) -> dict:
    return {"status": args.get("status", ""), "conclusion": args.get("conclusion", ""),
            "department": args.get("department", "").strip(), "year": args.get("year", type=int),
            "q": args.get("q", "").strip()}


def register_rows(filters: dict) -> list[list]:
    intakes = (select(func.count(LegalityIntake.id)).where(LegalityIntake.sheet_id == OpinionSheet.id)
               .correlate(OpinionSheet).scalar_subquery())
    ids = ops.register_query(**filters).with_only_columns(OpinionSheet.id, OpinionSheet.serial, OpinionSheet.facts,
                                                          OpinionSheet.status, intakes)
    return [[serial, (facts or {}).get("title", ""), (facts or {}).get("department", ""),
             (facts or {}).get("conclusion_label", ""), label("sheet", status), (facts or {}).get("issued_on", ""),
             n or 0] for _id, serial, facts, status, n in db.session.execute(ids)]


@bp.route("/register.xlsx")
@role_required(Role.justice, Role.office, Role.admin)
def register_xlsx():
    header = [_("Serial"), _("Title"), _("Department"), _("Conclusion"), _("Status"), _("Issued"), _("Intake")]
    return workbook_response(register_rows(register_filters(request.args)), header,
                             f"{_('Register of opinion sheets')}-{local_today():%Y%m%d}.xlsx",
                             title=_("Register of opinion sheets"))
