"""Administration: users and the expert committee."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
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
    return render_template("admin/experts.html", page=page, form=form, q=q)
