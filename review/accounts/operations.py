"""Account operations: authentication, users, departments, tokens, passwords."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask_babel import gettext as _

from .. import validation as v
from ..extensions import db
from .auth import check_password, end_sessions, hash_password, new_token
from .models import ApiToken, Department, Role, User
from .passwords import password_problem

DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 366


class AccountError(ValueError):
    """A user-facing problem with an account request (field: the form field it concerns)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


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
        raise AccountError(_("The username must have 1 to 80 characters."), "username")
    if problem := password_problem(password, username, display_name, email):
        raise AccountError(problem)
    if db.session.scalar(db.select(User).where(User.username == username)) is not None:
        raise AccountError(_("The user %(name)s already exists.", name=username), "username")
    user = User(username=username, role=role, password_hash=hash_password(password),
                display_name=display_name, email=email)
    if role is Role.department:
        if not department:
            raise AccountError(_("A department user needs a department."), "department")
        user.department = get_or_create_department(department)
    elif department:
        raise AccountError(_("Only department users belong to a department."), "department")
    if role is Role.expert:
        if not expert_name:
            raise AccountError(_("An expert user needs an expert profile."), "expert")
        expert = db.session.scalar(db.select(Expert).where(Expert.name == expert_name))
        if expert is None:
            raise AccountError(_("There is no expert profile named %(name)s; import the experts first.", name=expert_name), "expert")
        if expert.user is not None:
            raise AccountError(_("The expert %(name)s already has a login (%(username)s).", name=expert_name,
                                 username=expert.user.username), "expert")
        user.expert = expert
        user.display_name = user.display_name or expert.name
        user.email = user.email or expert.email
    elif expert_name:
        raise AccountError(_("Only expert users link to an expert profile."), "expert")
    db.session.add(user)
    db.session.flush()
    return user


def create_token(username: str, name: str = "", days: int = DEFAULT_TOKEN_DAYS) -> str:
    """A new API token for the user; returned once, stored as its SHA-256."""
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        raise AccountError(_("There is no user %(name)s.", name=username), "username")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise AccountError(_("A token lasts 1 to %(n)s days.", n=MAX_TOKEN_DAYS), "days")
    token, token_hash = new_token()
    db.session.add(ApiToken(user=user, token_hash=token_hash, name=name[:100],
                            expires_at=datetime.now(timezone.utc) + timedelta(days=days)))
    db.session.flush()
    return token


def revoke_tokens(*, token_id: int | None = None, username: str | None = None, name: str | None = None) -> int:
    """Revoke one token by id, or a user's tokens (those with the name, when given)."""
    stmt = db.select(ApiToken).where(ApiToken.revoked_at.is_(None))
    if token_id is not None:
        stmt = stmt.where(ApiToken.id == token_id)
    elif username:
        stmt = stmt.join(User, User.id == ApiToken.user_id).where(User.username == username)
        if name is not None:
            stmt = stmt.where(ApiToken.name == name)
    else:
        raise AccountError(_("Name a token id or a username."))
    now = datetime.now(timezone.utc)
    tokens = db.session.scalars(stmt).all()
    for token in tokens:
        token.revoked_at = now
    db.session.flush()
    return len(tokens)


def change_password(user: User, current: str, new: str) -> None:
    """The user's own change: the current password is required; other browsers are signed out."""
    if not check_password(user, current):
        raise AccountError(_("The current password is wrong."), "current")
    _set_password(user, new)
    end_sessions(user, keep_current=True)


def reset_password(admin: User, user: User, new: str) -> None:
    """An administrator sets a new password; every session of the user ends."""
    if not admin.has_role(Role.admin):
        raise AccountError(_("Only an administrator can reset passwords."))
    _set_password(user, new)
    end_sessions(user)


def update_user(admin: User, user: User, *, display_name: str, email: str, department: str | None = None) -> None:
    """An administrator corrects a user's name, e-mail and (for department users) department."""
    if not admin.has_role(Role.admin):
        raise AccountError(_("Only an administrator can edit users."))
    try:
        user.display_name = v.line(display_name, "display_name", max_len=100)
        user.email = v.email(email)
        department = v.line(department, "department", max_len=100) or None
    except v.TextError as exc:
        raise AccountError(exc.text()) from None
    if user.role is Role.department:
        if not department:
            raise AccountError(_("A department user needs a department."))
        user.department = _department_by_any_name(department) or get_or_create_department(department)
    elif department:
        raise AccountError(_("Only department users belong to a department."))


def _department_by_any_name(name: str) -> Department | None:
    """The department called ``name`` or whose full name it is (the form offers the full names)."""
    return db.session.scalar(db.select(Department).where(
        db.or_(Department.name == name, Department.full_name == name)))


def set_active(admin: User, user: User, active: bool) -> None:
    if user.id == admin.id and not active:
        raise AccountError(_("You cannot deactivate yourself."))
    user.active = active
    if not active:  # its API tokens stop too: user_from_bearer checks the user is active
        end_sessions(user)


def _set_password(user: User, new: str) -> None:
    if problem := password_problem(new, user.username, user.display_name, user.email):
        raise AccountError(problem, "new")
    user.password_hash = hash_password(new)
