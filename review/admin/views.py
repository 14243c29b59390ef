"""Administration: users and the expert committee."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_babel import gettext as _

from ..accounts.auth import role_required
from ..accounts.models import Role, User
from ..experts.models import Expert
from ..experts.operations import ImportError_, expert_list_page, import_experts_csv
from ..extensions import db
from .forms import ExpertImportForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@role_required(Role.admin)
def index():
    from sqlalchemy.orm import selectinload

    users = db.session.scalars(db.select(User).options(selectinload(User.department))
                               .order_by(User.role, User.username)).all()
    return render_template("admin/index.html", users=users, **_choices())


def _choices() -> dict:
    """What the user forms offer to pick from (searchable lists): departments, expert profiles without a login."""
    from ..accounts.models import Department

    departments = db.session.scalars(db.select(Department).order_by(Department.name)).all()
    linked = db.select(User.expert_id).where(User.expert_id.is_not(None))
    experts = db.session.execute(db.select(Expert.name, Expert.affiliation).where(Expert.id.not_in(linked))
                                 .order_by(Expert.name)).all()
    return {"departments": departments, "free_experts": experts}


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.admin)
def edit_user(user_id: int):
    from ..accounts.operations import AccountError, update_user

    user = _user_or_404(user_id)
    if request.method == "POST":
        try:
            update_user(current_user, user, display_name=request.form.get("display_name", ""),
                        email=request.form.get("email", ""), department=request.form.get("department") or None)
            db.session.commit()
            flash(_("User %(name)s saved.", name=user.username), "success")
            return redirect(url_for("admin.index"))
        except AccountError as exc:
            db.session.rollback()
            flash(_("The user was not saved: %(why)s", why=str(exc)), "error")
    return render_template("admin/user.html", user=user, **_choices())


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
    # A domain is found by its code or either label ("慢性病" finds every 慢性病防治 expert).
    codes = [d.code for d in current_app.extensions["domains"].values()
             if q.lower() in d.code or q in d.zh or q.lower() in d.en.lower()] if q else []
    page = expert_list_page(q, codes, request.args.get("page", 1, type=int), int(current_app.config["PAGE_SIZE"]))
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


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@role_required(Role.admin)
def toggle_user(user_id: int):
    from ..accounts.operations import AccountError, set_active

    user = _user_or_404(user_id)
    try:
        set_active(current_user, user, not user.active)
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
    return redirect(url_for("admin.index"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@role_required(Role.admin)
def reset_password(user_id: int):
    from ..accounts.operations import AccountError, reset_password as reset

    user = _user_or_404(user_id)
    try:
        reset(current_user, user, request.form.get("password", ""))
    except AccountError as exc:
        db.session.rollback()
        flash(_("The password of %(name)s was not changed: %(why)s", name=user.username, why=str(exc)), "error")
    else:
        db.session.commit()
        flash(_("The password of %(name)s is reset and all of their sessions are ended.", name=user.username),
              "success")
    return redirect(url_for("admin.index"))


@bp.route("/users/<int:user_id>/sign-out", methods=["POST"])
@role_required(Role.admin)
def sign_out_user(user_id: int):
    from ..accounts.auth import end_sessions

    user = _user_or_404(user_id)
    ended = end_sessions(user, keep_current=True)
    db.session.commit()
    flash(_("%(name)s is signed out everywhere (%(n)s sessions ended).", name=user.username, n=ended), "success")
    return redirect(url_for("admin.index"))


@bp.route("/tokens", methods=["GET", "POST"])
@role_required(Role.admin)
def tokens():
    from datetime import datetime, timezone

    from ..accounts.models import ApiToken
    from ..accounts.operations import DEFAULT_TOKEN_DAYS, AccountError, create_token

    new_token = None
    if request.method == "POST":
        try:
            new_token = create_token(request.form.get("username", "").strip(), request.form.get("name", "").strip(),
                                     request.form.get("days", DEFAULT_TOKEN_DAYS, type=int) or 0)
        except AccountError as exc:
            db.session.rollback()
            flash(_("The token was not created: %(why)s", why=str(exc)), "error")
        else:
            db.session.commit()
    rows = db.session.scalars(db.select(ApiToken).options(db.joinedload(ApiToken.user))
                              .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()
    return render_template("admin/tokens.html", tokens=rows, now=datetime.now(timezone.utc), new_token=new_token,
                           default_days=DEFAULT_TOKEN_DAYS)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@role_required(Role.admin)
def revoke_token(token_id: int):
    from ..accounts.operations import revoke_tokens

    if revoke_tokens(token_id=token_id):
        db.session.commit()
        flash(_("The token is revoked."), "success")
    return redirect(url_for("admin.tokens"))
