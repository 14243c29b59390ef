"""The API blueprint, its authentication and its JSON errors."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from ..accounts.auth import user_from_bearer
from ..accounts.models import Role
from ..extensions import csrf, db, login_manager

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies: no cross-site request can carry them


@bp.before_request
def _bearer_only() -> None:
    """The API's user comes from the bearer token alone. The browser's session cookie is ignored
    here: a cross-site form could send the cookie (the API has no CSRF token), never the header."""
    user, problem = user_from_bearer(request.headers.get("Authorization"))
    g._login_user = user or login_manager.anonymous_user()  # what flask-login's current_user reads
    g.api_auth_problem = problem


def _unauthorized_detail() -> str:
    problem = g.get("api_auth_problem", "missing")
    if problem == "expired":
        return _("This API token has expired. Ask the administrator for a new one.")
    if problem == "revoked":
        return _("This API token has been revoked.")
    if problem == "invalid":
        return _("This API token is not valid.")
    return _("Send the header Authorization: Bearer <token>.")


class ApiError(Exception):
    def __init__(self, status: int, error: str, detail: str = "", **extra):
        self.status = status
        self.error = error
        self.detail = detail
        self.extra = extra
        super().__init__(detail or error)


def error_response(status: int, error: str, detail: str = "", **extra):
    body = {"error": error, "detail": detail, **extra}
    return jsonify(body), status


def api_auth(*roles: Role):
    """Require a bearer token; with roles, require one of them (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return error_response(401, "unauthorized", _unauthorized_detail())
            if roles and not current_user.has_role(*roles):
                return error_response(403, "forbidden", f"this needs the role {' or '.join(r.value for r in roles)}")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "send a JSON object with Content-Type: application/json")
    return data


def get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        raise ApiError(404, "not_found", f"no {model.__tablename__} {object_id}")
    return obj


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    db.session.rollback()
    return error_response(exc.status, exc.error, exc.detail, **exc.extra)


def register_error_handlers(app) -> None:
    """Every error under /api/ answers JSON, never an HTML page."""
    from ..reviews.operations import ReviewError
    from ..submissions.operations import SubmissionError
    from ..workflow import TransitionError

    def is_api() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(TransitionError)
    def _transition(exc: TransitionError):
        db.session.rollback()
        status = 403 if exc.code == "forbidden" else (400 if exc.code == "reason_required" else 409)
        if is_api():
            return error_response(status, exc.code, str(exc))
        from flask import abort

        abort(403 if status == 403 else 409)

    @app.errorhandler(SubmissionError)
    @app.errorhandler(ReviewError)
    def _user_error(exc):
        db.session.rollback()
        status = 403 if exc.code == "forbidden" else 400
        if is_api():
            return error_response(status, exc.code, str(exc), **({"field": exc.field} if exc.field else {}))
        from flask import render_template

        from ..messages import exc_text

        return render_template("errors/error.html", code=status, message=exc_text(exc)), status

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if is_api():
            return error_response(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"),
                                  exc.description or "")
        return exc

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        db.session.rollback()
        app.logger.exception("unhandled error")
        if is_api():
            return error_response(500, "internal_error", "an unexpected error was logged")
        from flask import render_template

        return render_template("errors/error.html", code=500), 500
