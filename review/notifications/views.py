"""In-app notifications."""
from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from ..audit.models import Notification
from .. import plain
from ..extensions import db
from ..listing import paginate
from ..i18n import content
from .messages import MESSAGES

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


# Parameters that carry document or user content (a title, a name, a reason) are marked as such.
CONTENT_PARAMS = {"title", "department", "expert", "reason", "serial"}


def render_message(n: Notification) -> Markup:
    subject, body = MESSAGES.get(n.kind, (n.message, n.message))
    params = {k: content(v) if k in CONTENT_PARAMS else v for k, v in (n.params or {}).items()}
    try:
        return escape(gettext(body)) % params
    except (KeyError, ValueError, TypeError):
        return escape(gettext(subject))


@bp.route("/")
@login_required
def index():
    query = (db.select(Notification).where(Notification.user_id == current_user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    page = paginate(query)
    return render_template("notifications/index.html", page=page, render_message=render_message)


@bp.route("/read", methods=["POST"])
@login_required
def mark_read():
    db.session.execute(db.update(Notification).where(Notification.user_id == current_user.id)
                       .values(read=True))
    db.session.commit()
    return redirect(url_for(".index"))


@lru_cache(maxsize=1)
def _unread_query():
    """Built once: the navigation of every page runs it (a plain read: review/plain.py)."""
    return db.select(db.func.count()).select_from(Notification).where(Notification.user_id == db.bindparam("user_id"),
                                                           Notification.read.is_(False))


@bp.app_context_processor
def unread_count():
    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        return plain.scalar(_unread_query(), {"user_id": current_user.id}) or 0

    return {"unread_notifications": count}
