"""Departments, users and API tokens."""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, func
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import enum_column, tz_datetime, utcnow

if TYPE_CHECKING:
    from ..experts.models import Expert


class Role(str, enum.Enum):
    department = "department"
    office = "office"
    expert = "expert"
    justice = "justice"
    admin = "admin"


class Department(db.Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    # Abbreviation used in issuing-document numbers, e.g. 滨教.
    code: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)

    users: Mapped[list["User"]] = relationship(back_populates="department")

    @hybrid_property
    def display(self) -> str:
        """The name shown everywhere in lists and pages: the full name when known (滨海新区教育局)."""
        return self.full_name or self.name

    @display.inplace.expression
    @classmethod
    def _display_expression(cls):
        # The same in SQL, for lists read as plain rows.
        return func.coalesce(func.nullif(cls.full_name, ""), cls.name)

    def names(self) -> list[str]:
        """Every name under which the department may appear in an affiliation."""
        return [n for n in {self.name, self.full_name} if n]

    def __repr__(self) -> str:
        return f"<Department {self.name}>"


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(
            "role != 'department' OR department_id IS NOT NULL", name="department_user_has_department"
        ),
        CheckConstraint("role != 'expert' OR expert_id IS NOT NULL", name="expert_user_has_profile"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("expert.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(10), default="")
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)

    department: Mapped[Department | None] = relationship(back_populates="users")
    expert: Mapped["Expert | None"] = relationship(back_populates="user")

    # The key of the browser session this object was loaded for (see LoginSession); flask-login
    # stores get_id() in the session and the remember cookie.
    session_key = None  # str, set on the loaded object; not a column

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_key}" if self.session_key else str(self.id)

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def has_role(self, *roles: Role | str) -> bool:
        return self.role.value in {r.value if isinstance(r, Role) else r for r in roles}

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(tz_datetime())
    last_used_at: Mapped[datetime | None] = mapped_column(tz_datetime())
    revoked_at: Mapped[datetime | None] = mapped_column(tz_datetime())

    user: Mapped[User] = relationship()

    def state(self, now: datetime) -> str:
        """active, expired or revoked (now: an aware UTC datetime)."""
        if self.revoked_at is not None:
            return "revoked"
        expires = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=timezone.utc)
        return "expired" if expires <= now else "active"


class LoginSession(db.Model):
    """One signed-in browser. The session and remember cookies carry its key (only the key's
    SHA-256 is stored); a request whose key has no live row here is anonymous, so signing out,
    a password change or deactivation ends sessions on the server, not only in the browser."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(tz_datetime())
    ended_at: Mapped[datetime | None] = mapped_column(tz_datetime())

    user: Mapped[User] = relationship()
