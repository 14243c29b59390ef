"""Authentication: sessions for the browser, bearer tokens for the API, role guards."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort
from flask_login import current_user

from ..extensions import db, login_manager
from .models import ApiToken, Role, User

_hasher = PasswordHasher()


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


def new_token() -> tuple[str, str]:
    """A fresh API token and the SHA-256 under which it is stored."""
    token = "hiap_" + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_from_bearer(header: str | None) -> User | None:
    if not header or not header.startswith("Bearer "):
        return None
    token_hash = hash_token(header[len("Bearer "):].strip())
    token = db.session.scalar(
        db.select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked.is_(False))
    )
    if token is None or not token.user.active:
        return None
    token.last_used_at = datetime.now(timezone.utc)
    db.session.commit()  # recorded even for read-only requests
    return token.user


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
    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None

    @login_manager.request_loader
    def load_from_token(req) -> User | None:
        # Only the API accepts bearer tokens; browser pages stay session-only (and CSRF-protected).
        if not req.path.startswith("/api/"):
            return None
        return user_from_bearer(req.headers.get("Authorization"))
