"""The statistics page (office, admin) and its annual report."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..accounts.models import Department
from .. import plain
from ..extensions import db
from ..i18n import language
from ..pagecache import fragment
from ..jobs import Job, JobStatus
from ..messages import error_text
from ..permissions import can_view_job, can_view_statistics
from ..submissions.models import Submission
from .cache import stats_and_key
from .charts import chart_specs, days, percent
from .filters import FilterError, StatsFilter, parse_filters
from .jobs import KIND, report_path, start_report

bp = Blueprint("stats", __name__, url_prefix="/stats")
VENDOR_ECHARTS = Path(__file__).resolve().parent.parent / "static" / "vendor" / "echarts.min.js"


def request_filters() -> tuple[StatsFilter, str | None]:
    """The page's filters; a bad value is explained and ignored (the figures show unfiltered)."""
    tz = current_app.config["TIMEZONE"]
    args = request.args
    if "year" not in args:  # the page opens on this year; "all years" sends year= empty
        from ..calendar import local_today

        args = {**args.to_dict(), "year": str(local_today().year)}
    try:
        return parse_filters(args, tz), None
    except FilterError as exc:
        return StatsFilter(tz=tz), error_text(exc.code, **exc.params)


def filter_choices() -> tuple[list[tuple[int, str]], list[int]]:
    departments = plain.rows(plain.built(("stats", "departments"), lambda: select(
        Department.id, Department.display).order_by(Department.name)))
    # Two scalar subqueries: SQLite answers a lone min() or max() from the index, not both at once.
    lo, hi = plain.rows(plain.built(("stats", "years"), lambda: select(
        select(func.min(Submission.created_at)).scalar_subquery(),
        select(func.max(Submission.created_at)).scalar_subquery())))[0]
    f = StatsFilter(tz=current_app.config["TIMEZONE"])
    years = list(range(f.local(hi).year, f.local(lo).year - 1, -1)) if lo is not None else []
    return [tuple(d) for d in departments], years


@bp.route("/")
@login_required
def index():
    if not can_view_statistics(current_user):
        abort(403)
    f, problem = request_filters()
    if problem:
        flash(problem, "error")
    stats, key = stats_and_key(f, current_app.config)
    departments, years = filter_choices()
    if f.year is not None and f.year not in years:
        years = sorted({*years, f.year}, reverse=True)
    echarts = VENDOR_ECHARTS.is_file()

    def render_figures() -> str:
        return render_template("stats/_figures.html", stats=stats, charts=chart_specs(stats), echarts=echarts,
                               percent=percent, days=days)

    # The figures' HTML is kept under the figures' own key (None only when caching is off, and
    # fragment() then renders afresh).
    figures = fragment("stats_figures", (key, language(), echarts), render_figures)
    return render_template("stats/index.html", figures=figures, f=f, departments=departments,
                           years=years, echarts=echarts), (400 if problem else 200)


@bp.route("/report", methods=["POST"])
@login_required
def report():
    """Start the annual work report of the chosen year (a background job) and follow it."""
    if not can_view_statistics(current_user):
        abort(403)
    try:
        f = parse_filters({"year": request.form.get("year", "")}, current_app.config["TIMEZONE"])
    except FilterError as exc:
        flash(error_text(exc.code, **exc.params), "error")
        return redirect(url_for(".index"))
    if f.year is None:
        flash(error_text("report_year_required"), "error")
        return redirect(url_for(".index"))
    job = start_report(current_user, f.year)
    db.session.commit()
    return redirect(url_for(".report_job", job_id=job.id))


def _report_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.kind != KIND:
        abort(404)
    if not (can_view_statistics(current_user) and can_view_job(current_user, job)):
        abort(403)
    return job


@bp.route("/report/<int:job_id>")
@login_required
def report_job(job_id: int):
    job = _report_job(job_id)
    return render_template("stats/report.html", job=job, year=job.payload.get("year"))


@bp.route("/report/<int:job_id>/download")
@login_required
def report_download(job_id: int):
    job = _report_job(job_id)
    path = report_path(job)
    if job.status is not JobStatus.done or path is None or not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=f"年度工作报告-{job.payload.get('year')}.docx",
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
