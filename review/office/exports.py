"""The office's lists as Excel files: the queue and the progress board, with the pages' filters.

Each export is one statement over columns (no ORM rows), whatever the number of rows."""
from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.auth import role_required
from ..accounts.models import Department, Role
from ..calendar import local_today
from ..experts.models import Expert
from ..exports import workbook_response
from ..extensions import db
from ..i18n import label
from ..listing import filtered_submissions
from ..reviews.models import Assignment
from ..submissions.models import PolicyType, Status, Submission
from .views import bp


def queue_rows(args) -> list[list]:
    query, _args = filtered_submissions(
        select(Submission.id, Submission.title, Department.display, Submission.policy_type, Submission.current_round,
               Submission.status, Submission.created_at, Submission.review_due)
        .join(Department, Department.id == Submission.department_id))
    # Labels and the time zone looked up once, not per row (a 10,000-row export).
    types = {t: label("policy_type", t) for t in PolicyType}
    statuses = {s: label("status", s) for s in Status}
    zone = ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))
    return [[sid, title, dept, types[ptype], rnd, statuses[status],
             (created if created.tzinfo else created.replace(tzinfo=timezone.utc)).astimezone(zone).date().isoformat(),
             due.isoformat() if due else ""]
            for sid, title, dept, ptype, rnd, status, created, due in db.session.execute(query)]


def board_rows() -> list[list]:
    today = local_today()
    query = (select(Submission.id, Submission.title, Department.display, Submission.current_round, Expert.name,
                    Assignment.status, Assignment.due)
             .join(Department, Department.id == Submission.department_id)
             .outerjoin(Assignment, (Assignment.submission_id == Submission.id)
                        & (Assignment.round == Submission.current_round))
             .outerjoin(Expert, Expert.id == Assignment.expert_id)
             .where(Submission.status == Status.under_review)
             .order_by(Submission.review_due.asc().nulls_last(), Submission.id, Assignment.id))
    rows = []
    for sid, title, dept, rnd, expert, status, due in db.session.execute(query):
        overdue = bool(status is not None and status.is_open and due and due < today)
        rows.append([sid, title, dept, rnd, expert or "", label("assignment", status) if status else "",
                     due.isoformat() if due else "", _("Overdue") if overdue else ""])
    return rows


@bp.route("/queue.xlsx")
@role_required(Role.office)
def queue_xlsx():
    header = [_("No."), _("Title"), _("Department"), _("Type"), _("Round"), _("Status"), _("Submitted"), _("Due")]
    return workbook_response(queue_rows(request.args), header, f"{_('Submissions')}-{local_today():%Y%m%d}.xlsx",
                             title=_("Submissions"))


@bp.route("/board.xlsx")
@role_required(Role.office)
def board_xlsx():
    header = [_("No."), _("Title"), _("Department"), _("Round"), _("Expert"), _("Status"), _("Due"), _("Overdue")]
    return workbook_response(board_rows(), header, f"{_('Progress board')}-{local_today():%Y%m%d}.xlsx",
                             title=_("Progress board"))
