"""Administration: users and the expert committee."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_babel import gettext as _

from ..accounts.auth import role_required
from ..accounts.models import Role, User
from ..experts.models import Expert
from ..experts.operations import ImportError_, import_experts_csv
from ..extensions import db
from .forms import ExpertImportForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@role_required(Role.admin)
def index():
    users = db.session.scalars(db.select(User).order_by(User.role, User.username)).all()
    return render_template("admin/index.html", users=users)


@bp.route("/experts", methods=["GET", "POST"])
@role_required(Role.admin, Role.office)
def experts():
    form = ExpertImportForm()
    if form.validate_on_submit():
        try:
            report = import_experts_csv(form.file.data.read(), set(current_app.extensions["domains"]))
        except ImportError_ as exc:
            db.session.rollback()
            for line, message in exc.problems:
                flash(_("Line %(line)s: %(message)s", line=line, message=message), "error")
            flash(_("Nothing was imported: fix the rows above and upload again."), "error")
        else:
            db.session.commit()
            flash(_("Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
                    created=len(report.created), updated=len(report.updated),
                    unchanged=len(report.unchanged)), "success")
            return redirect(url_for("admin.experts"))
    q = request.args.get("q", "").strip()
    query = db.select(Expert).order_by(Expert.name)
    if q:
        like = f"%{q}%"
        query = query.where(db.or_(Expert.name.like(like), Expert.affiliation.like(like),
                                   Expert.expertise.like(like)))
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    from ..routing.operations import open_loads

    return render_template("admin/experts.html", page=page, form=form, q=q, loads=open_loads(e.id for e in page.items))


@bp.route("/experts/<int:expert_id>", methods=["GET", "POST"])
@role_required(Role.admin, Role.office)
def expert(expert_id: int):
    from datetime import date

    from ..accounts.models import Department
    from ..experts.operations import ExpertError, add_unavailability, declare_conflict, update_expert

    item = db.session.get(Expert, expert_id)
    if item is None:
        abort(404)
    error = None
    if request.method == "POST":
        action = request.form.get("action", "save")
        try:
            if action == "save":
                update_expert(item, {**request.form.to_dict(), "domains": request.form.getlist("domains")},
                              set(current_app.extensions["domains"]))
            elif action == "unavailable":
                add_unavailability(item, date.fromisoformat(request.form["start"]),
                                   date.fromisoformat(request.form["end"]), request.form.get("note", ""))
            elif action == "remove_unavailable":
                item.unavailable = [p for p in item.unavailable if str(p.id) != request.form.get("period_id")]
            elif action == "conflict":
                dept = db.session.get(Department, request.form.get("department_id", type=int) or 0)
                if dept is None:
                    raise ExpertError("bad_department", "choose a department", "department_id")
                declare_conflict(item, dept, request.form.get("reason", ""))
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.expert", expert_id=item.id))
        except (ExpertError, ValueError, KeyError) as exc:
            db.session.rollback()
            error = str(exc) if isinstance(exc, ExpertError) else _("Enter valid dates.")
    departments = db.session.scalars(db.select(Department).order_by(Department.name)).all()
    return render_template("admin/expert.html", expert=item, error=error, departments=departments,
                           domains=current_app.extensions["domains"].values())


@bp.route("/users/new", methods=["POST"])
@role_required(Role.admin)
def create_user():
    from ..accounts.operations import AccountError, create_user as create

    form = request.form
    try:
        user = create(form.get("username", "").strip(), form.get("role", ""), form.get("password", ""),
                      department=form.get("department") or None, expert_name=form.get("expert") or None,
                      display_name=form.get("display_name", ""), email=form.get("email", ""))
        db.session.commit()
        flash(_("User %(name)s created.", name=user.username), "success")
    except (AccountError, ValueError) as exc:
        db.session.rollback()
        flash(_("The user was not created: %(why)s", why=str(exc)), "error")
    return redirect(url_for("admin.index"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@role_required(Role.admin)
def toggle_user(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if user.id == current_user.id:
        flash(_("You cannot deactivate yourself."), "error")
    else:
        user.active = not user.active
        db.session.commit()
    return redirect(url_for("admin.index"))
