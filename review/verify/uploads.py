"""Limits on files checked without signing in: a small size cap with its own message, and an
upload budget per client address (on top of the lookup budget)."""
from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import limiter

# One budget per client address for every anonymous file check, pages and API alike.
upload_limit = limiter.shared_limit(lambda: current_app.config["VERIFY_UPLOAD_RATE_LIMIT"], scope="verify-upload")


def cap_bytes() -> int:
    return int(current_app.config["VERIFY_MAX_MB"]) * 1024 * 1024


def refuse_oversized() -> str | None:
    """The message when an anonymous upload is over the cap (checked before the body is read);
    a signed-in user has the app's general upload limit."""
    if current_user.is_authenticated:
        return None
    cap = cap_bytes()
    length = request.content_length
    if length is None:
        request.max_content_length = cap  # no declared length: reading stops at the cap (413)
        return None
    if length <= cap:
        return None
    return _("A file checked without signing in may be at most %(limit)s MB; this upload is %(size).1f MB. "
             "An issued sheet PDF is far smaller: upload the file as you received it.",
             limit=current_app.config["VERIFY_MAX_MB"], size=length / (1024 * 1024))
