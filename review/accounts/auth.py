"""Authentication: server-side sessions for the browser, bearer tokens for the API, role guards."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from functools import lru_cache, wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort, current_app, session
from flask_login import current_user, login_user, logout_user

from ..extensions import db, login_manager
from .models import ApiToken, LoginSession, Role, User

_hasher = PasswordHasher()
# A token's last use is written at most this often: one UPDATE per API call would serialise them.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# -- API tokens -----------------------------------------------------------------------------------


def new_token() -> tuple[str, str]:
    """A fresh API token and the SHA-256 under which it is stored."""
    token = "hiap_" + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return _sha256(token)


def user_from_bearer(header: str | None) -> tuple[User | None, str]:
    """The token's user, or None and why: missing, invalid, expired or revoked."""
    if not header or not header.startswith("Bearer "):
        return None, "missing"
    token = db.session.scalar(
        db.select(ApiToken).where(ApiToken.token_hash == hash_token(header[len("Bearer "):].strip())))
    if token is None or not token.user.active:
        return None, "invalid"
    now = datetime.now(timezone.utc)
    state = token.state(now)
    if state != "active":
        return None, state
    if token.last_used_at is None or _utc(token.last_used_at) + LAST_USE_RESOLUTION <= now:
        token.last_used_at = now
        db.session.commit()  # recorded even for read-only requests
    return token.user, ""


# -- browser sessions -----------------------------------------------------------------------------


def start_session(user: User, *, remember: bool = False) -> None:
    """Sign the browser in: a new LoginSession row whose key the cookies carry."""
    key = secrets.token_urlsafe(32)
    days = int(current_app.config["SESSION_DAYS"])
    now = datetime.now(timezone.utc)
    # The user's expired rows go now, so the table holds about one row per live browser.
    db.session.execute(db.delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at < now))
    db.session.add(LoginSession(user=user, key_hash=_sha256(key), expires_at=now + timedelta(days=days)))
    db.session.flush()
    user.session_key = key
    login_user(user, remember=remember, duration=timedelta(days=days))


def end_session() -> None:
    """Sign this browser out; its cookies stop working on every worker."""
    key = getattr(current_user, "session_key", None)
    if key:
        db.session.execute(db.update(LoginSession).where(
            LoginSession.key_hash == _sha256(key), LoginSession.ended_at.is_(None)
        ).values(ended_at=datetime.now(timezone.utc)))
    logout_user()


def end_sessions(user: User, *, keep_current: bool = False) -> int:
    """End the user's sessions (all, or all but this browser's); returns how many ended."""
    stmt = db.update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    key = getattr(current_user, "session_key", None) if keep_current else None
    if key and current_user.id == user.id:
        stmt = stmt.where(LoginSession.key_hash != _sha256(key))
    return db.session.execute(stmt.values(ended_at=datetime.now(timezone.utc))).rowcount


def session_user(cookie_id: str) -> User | None:
    """The user of a live session, from the id in the session or remember cookie ("<id>:<key>")."""
    user_id, _, key = cookie_id.partition(":")
    if not key or not user_id.isdigit():
        return None  # a cookie from before server-side sessions
    user = db.session.scalar(_session_user_query(), {"key_hash": _sha256(key), "now": datetime.now(timezone.utc),
                                                      "user_id": int(user_id)})
    if user is not None:
        user.session_key = key
    return user


@lru_cache(maxsize=1)
def _session_user_query():
    """Built once: every request of a signed-in user runs it, and building it costs more than running it."""
    return db.select(User).join(LoginSession, LoginSession.user_id == User.id).where(
        LoginSession.key_hash == db.bindparam("key_hash"), LoginSession.ended_at.is_(None),
        LoginSession.expires_at > db.bindparam("now", type_=LoginSession.expires_at.type),
        User.id == db.bindparam("user_id"), User.active.is_(True))


def role_required(*roles: Role):
    """Guard a view: the user must be logged in and hold one of the roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def init_app(app: Flask) -> None:
    days = int(app.config["SESSION_DAYS"])
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=days)
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=days)

    @login_manager.user_loader
    def load_user(cookie_id: str) -> User | None:
        user = session_user(cookie_id)
        if user is None:
            session.pop("_user_id", None)  # ended elsewhere: forget it in this browser too
        return user
