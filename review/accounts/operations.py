"""Account operations: authentication, users, departments, tokens."""
from __future__ import annotations

from .. import validation as v
from ..extensions import db
from .auth import check_password, hash_password, new_token
from .models import ApiToken, Department, Role, User


class AccountError(ValueError):
    """A user-facing problem with an account request."""


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None or not user.active:
        # Hash anyway so that timing does not reveal which usernames exist.
        hash_password(password)
        return None
    return user if check_password(user, password) else None


def get_or_create_department(name: str, full_name: str = "", code: str = "") -> Department:
    dept = db.session.scalar(db.select(Department).where(Department.name == name))
    if dept is None:
        dept = Department(name=name, full_name=full_name or name, code=code)
        db.session.add(dept)
        db.session.flush()
    else:
        if full_name:
            dept.full_name = full_name
        if code:
            dept.code = code
    return dept


def create_user(
    username: str,
    role: Role | str,
    password: str,
    *,
    department: str | None = None,
    expert_name: str | None = None,
    display_name: str = "",
    email: str = "",
) -> User:
    from ..experts.models import Expert

    role = Role(role)
    try:
        username = v.line(username, "username")
        display_name = v.line(display_name, "display_name", max_len=100)
        email = v.email(email)
        department = v.line(department, "department", max_len=100) or None
    except v.TextError as exc:
        raise AccountError(exc.text()) from None
    if not username or len(username) > 80:
        raise AccountError("username must be 1 to 80 characters")
    if len(password) < 8:
        raise AccountError("password must have at least 8 characters")
    if db.session.scalar(db.select(User).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} already exists")
    user = User(username=username, role=role, password_hash=hash_password(password),
                display_name=display_name, email=email)
    if role is Role.department:
        if not department:
            raise AccountError("a department user needs --department")
        user.department = get_or_create_department(department)
    elif department:
        raise AccountError("only department users belong to a department")
    if role is Role.expert:
        if not expert_name:
            raise AccountError("an expert user needs --expert NAME (the expert profile)")
        expert = db.session.scalar(db.select(Expert).where(Expert.name == expert_name))
        if expert is None:
            raise AccountError(f"no expert profile named {expert_name!r}; import the experts first")
        if expert.user is not None:
            raise AccountError(f"expert {expert_name!r} already has a login ({expert.user.username})")
        user.expert = expert
        user.display_name = user.display_name or expert.name
        user.email = user.email or expert.email
    elif expert_name:
        raise AccountError("only expert users link to an expert profile")
    db.session.add(user)
    db.session.flush()
    return user


def create_token(username: str, label: str = "") -> str:
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}")
    token, token_hash = new_token()
    db.session.add(ApiToken(user=user, token_hash=token_hash, label=label))
    db.session.flush()
    return token
