"""In-app notifications plus mail, from one place.

Messages are stored as message ids with parameters and rendered in the reader's language; mails
are rendered in Chinese.
"""
from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale, gettext

from ..accounts.models import Role, User
from ..audit.models import Notification
from ..extensions import db
from .mail import queue_mail
from .messages import MESSAGES


def office_users() -> list[User]:
    return list(db.session.scalars(db.select(User).where(User.role == Role.office, User.active.is_(True))))


def justice_users() -> list[User]:
    return list(db.session.scalars(db.select(User).where(User.role == Role.justice, User.active.is_(True))))


def department_users(sub) -> list[User]:
    return list(db.session.scalars(
        db.select(User).where(User.department_id == sub.department_id, User.active.is_(True))))


def expert_users(assignments) -> list[User]:
    return [a.expert.user for a in assignments if a.expert.user is not None and a.expert.user.active]


def render(kind: str, params: dict) -> tuple[str, str]:
    subject, body = MESSAGES[kind]
    return gettext(subject, **params), gettext(body, **params)


def notify(users, kind: str, *, submission=None, url: str = "", mail: bool = True, **params) -> None:
    """Tell each user in the app and by mail (with a login link)."""
    params = {k: str(v) for k, v in params.items()}
    if submission is not None:
        params.setdefault("title", submission.title)
    seen: set[int] = set()
    for user in users:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        db.session.add(Notification(user_id=user.id, submission_id=getattr(submission, "id", None),
                                    kind=kind, message=kind, params=params, url=url))
        if mail and user.email:
            with force_locale("zh"):
                subject, body = render(kind, params)
                link = current_app.config["BASE_URL"].rstrip("/") + (url or "/")
                footer = gettext("Sign in to handle it: %(link)s", link=link)
            queue_mail(user.email, subject, f"{user.name}：\n\n{body}\n\n{footer}\n")


def submission_url(sub, who: str) -> str:
    endpoints = {"department": "submissions.detail", "office": "office.detail"}
    try:
        return url_for(endpoints[who], sub_id=sub.id)
    except RuntimeError:  # no request to build it from (a command run by cron)
        return "/"


def notify_transition(sub, action: str, actor, *, reason: str = "") -> None:
    open_experts = expert_users([a for a in sub.round_assignments() if a.status.is_open])
    dept = department_users(sub)
    office = office_users()
    targets = {
        "accept": (dept, "department"),
        "return": (dept, "department"),
        "resubmit": (office, "office"),
        "start_review": (dept, "department"),
        "close_review": (open_experts + dept, "department"),
        "opinions_complete": (office, "office"),
        "reopen_review": (dept, "department"),
        "decide": (dept, "department"),
        "confirm_filing": (dept, "department"),
        "revise": (office, "office"),
        "withdraw": (office + open_experts, "office"),
    }
    users, who = targets[action]
    users = [u for u in users if actor is None or u.id != actor.id]
    notify(users, f"submission.{action}", submission=sub, url=submission_url(sub, who),
           reason=reason or "-", round=sub.current_round)
