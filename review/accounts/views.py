from __future__ import annotations


from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from ..extensions import db, limiter
from ..i18n import LOCALES
from ..validation import local_path
from . import operations
from .auth import end_session, end_sessions, start_session
from .forms import LoginForm, PasswordChangeForm

bp = Blueprint("accounts", __name__)


def _login_key() -> str:
    # Per account and address: a shared office address does not lock colleagues out, and one
    # account cannot be guessed at from many requests.
    return f"{request.remote_addr}|{(request.form.get('username') or '').strip().lower()}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_key)
# Per address over all usernames: one address trying a few passwords on many accounts (spraying).
@limiter.limit(lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"], methods=["POST"],
               key_func=get_remote_address, scope="login-address")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.username.data.strip(), form.password.data)
        if user is None:
            flash(_("Wrong username or password."), "error")
        else:
            start_session(user, remember=form.remember.data)
            db.session.commit()
            return redirect(local_path(request.args.get("next")) or url_for("home.index"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    end_session()
    db.session.commit()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            operations.change_password(current_user, form.current.data, form.new.data)
        except operations.AccountError as exc:
            db.session.rollback()
            (form.current if exc.field == "current" else form.new).errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Your password is changed. Other browsers signed in as you are signed out."), "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/password.html", form=form)


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    end_sessions(current_user, keep_current=True)
    db.session.commit()
    flash(_("Every other browser signed in as you is signed out."), "success")
    return redirect(url_for("accounts.password"))


@bp.route("/locale/<code>", methods=["POST"])
def set_locale(code: str):
    if code in LOCALES:
        session["locale"] = code
    return redirect(local_path(request.form.get("next")) or url_for("home.index"))

