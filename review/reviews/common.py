"""What the review operations share: their error, the actor guards, the screening answer set."""
from __future__ import annotations

from datetime import datetime, timezone

from ..accounts.models import Role, User
from ..workflow import TransitionError
from .models import Assignment

SCREENING_ANSWERS = ("是", "不知道", "否")
QUESTION_IDS = tuple(f"Q{n}" for n in range(1, 11))


class ReviewError(ValueError):
    def __init__(self, code: str, message: str, field: str | None = None):
        self.code = code
        self.field = field
        super().__init__(message)


def now() -> datetime:
    return datetime.now(timezone.utc)


def require_office(actor: User) -> None:
    if actor.role is not Role.office:
        raise TransitionError("forbidden", "only the committee office may do this")


def require_own(actor: User, assignment: Assignment) -> None:
    if actor.role is not Role.expert or actor.expert_id != assignment.expert_id:
        raise TransitionError("forbidden", "this invitation belongs to another expert")
