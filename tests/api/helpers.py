"""Helpers shared by the API tests."""
from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage

from review.accounts.models import User


def fs(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def upload(data: bytes, name: str):
    """A file for the test client's multipart body."""
    return (io.BytesIO(data), name)


def seat(sub, user: User):
    return next(a for a in sub.round_assignments() if a.expert_id == user.expert_id)
