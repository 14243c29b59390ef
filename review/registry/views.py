"""Registry pages: the list, an entry, publication and later status, the inventory and its heatmap."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import Department, Role
from ..extensions import db
from ..messages import exc_text
from ..permissions import can_edit_entry, can_run_inventory, can_view_entry, can_view_registry
from . import operations as ops
from . import tasks  # noqa: F401  (registers the inventory job)
from .queries import FilterError, Filters, entries_page, filter_choices, get_entry, parse_filters
from .view_data import entry_detail, export_response, heatmap_rows, inventory_job, start_inventory

bp = Blueprint("registry", __name__, url_prefix="/registry")


def _viewer():
    if not current_user.is_authenticated:
        return None
    if not can_view_registry(current_user):
        abort(403)
    return current_user


def _filters() -> Filters:
    try:
        return parse_filters(request.args)
    except FilterError as exc:
        flash(exc_text(exc), "error")
        return Filters()


@bp.route("/")
@login_required
def index():
    viewer = _viewer()
    f = _filters()
    page, extra = entries_page(viewer, f, request.args.get("page", 1, type=int),
                               int(current_app.config["PAGE_SIZE"]))
    return render_template("registry/index.html", page=page, f=f, args=f.args(), **extra,
                           choices=filter_choices(viewer),
                           can_inventory=viewer.role in (Role.office, Role.department))


@bp.route("/export.xlsx")
@login_required
def export():
    return export_response(_viewer(), _filters())


def _entry_or_404(entry_id: int) -> RegistryEntry:
    viewer = _viewer()
    entry = get_entry(entry_id) or abort(404)
    if not can_view_entry(viewer, entry):
        abort(404)  # another department's entry does not exist for this user
    return entry


@bp.route("/<int:entry_id>")
@login_required
def detail(entry_id: int):
    entry = _entry_or_404(entry_id)
    return render_template("registry/detail.html", entry=entry, **entry_detail(entry),
                           can_edit=can_edit_entry(current_user, entry))


@bp.route("/<int:entry_id>/publish", methods=["POST"])
@login_required
def publish(entry_id: int):
    entry = _entry_or_404(entry_id)
    if not can_edit_entry(current_user, entry):
        abort(403)
    try:
        ops.record_publication(current_user, entry, request.form.get("doc_number"),
                               request.form.get("published_on"), request.form.get("effective_on"))
    except ops.RegistryError as exc:
        db.session.rollback()
        flash(exc_text(exc), "error")
    else:
        db.session.commit()
        flash(_("The publication is recorded: the policy is in force."), "success")
    return redirect(url_for("registry.detail", entry_id=entry_id))


@bp.route("/<int:entry_id>/status", methods=["POST"])
@login_required
def status(entry_id: int):
    entry = _entry_or_404(entry_id)
    if not can_edit_entry(current_user, entry):
        abort(403)
    try:
        ops.mark_status(current_user, entry, request.form.get("status", ""), request.form.get("on"),
                        request.form.get("note", ""))
    except ops.RegistryError as exc:
        db.session.rollback()
        flash(exc_text(exc), "error")
    else:
        db.session.commit()
        flash(_("The policy's status is recorded."), "success")
    return redirect(url_for("registry.detail", entry_id=entry_id))


@bp.route("/inventory", methods=["GET", "POST"])
@login_required
def inventory():
    if current_user.role not in (Role.office, Role.department):
        abort(403)
    departments = (db.session.scalars(db.select(Department).order_by(Department.name)).all()
                   if current_user.role is Role.office else [])
    if request.method == "POST":
        department_id = (current_user.department_id if current_user.role is Role.department
                         else request.form.get("department", type=int))
        if not can_run_inventory(current_user, department_id):
            flash(_("Choose the department whose documents these are."), "error")
        else:
            try:
                job = start_inventory(current_user, department_id, request.files.getlist("files"))
            except ops.RegistryError as exc:
                db.session.rollback()
                flash(exc_text(exc), "error")
            else:
                db.session.commit()
                return redirect(url_for("registry.inventory_result", job_id=job.id))
    return render_template("registry/inventory.html", departments=departments)


@bp.route("/inventory/<int:job_id>")
@login_required
def inventory_result(job_id: int):
    job = inventory_job(current_user, job_id) or abort(404)
    return render_template("registry/inventory_result.html", job=job, **heatmap_rows(job))
