"""Landing pages: every role lands on its own home page."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user

from .accounts.auth import role_required
from .accounts.models import Role

bp = Blueprint("home", __name__)

HOME_ENDPOINTS = {
    Role.department: "submissions.index",
    Role.office: "office.queue",
    Role.expert: "reviews.index",
    Role.justice: "verify.register",
    Role.admin: "admin.index",
}


@bp.route("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=86400)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return redirect(url_for(HOME_ENDPOINTS[current_user.role]))


@bp.route("/justice")
@role_required(Role.justice)
def justice():
    return redirect(url_for("verify.register"))


def _error_page(code: int):
    """HTML for the pages, JSON {error, detail} for the API, from one place."""
    from flask import request

    if request.path.startswith("/api/"):
        from werkzeug.exceptions import default_exceptions

        from .api.common import error_response

        exc = default_exceptions[code]()
        return error_response(code, exc.name.lower().replace(" ", "_"), exc.description)
    return render_template("errors/error.html", code=code), code


@bp.app_errorhandler(403)
def forbidden(error):
    return _error_page(403)


@bp.app_errorhandler(404)
def not_found(error):
    return _error_page(404)


@bp.app_errorhandler(413)
def too_large(error):
    from flask import request

    from .api.common import error_response
    from .submissions.limits import too_large_message

    message = too_large_message()  # names the limit hit: size, file count or a text field
    if request.path.startswith("/api/"):
        return error_response(413, "request_entity_too_large", message)
    return render_template("errors/error.html", code=413, message=message), 413


@bp.app_errorhandler(429)
def too_many(error):
    return _error_page(429)
