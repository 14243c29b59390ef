"""Shared column helpers for the models."""
from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum as SAEnum


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def enum_column(enum_cls: type[enum.Enum], name: str | None = None) -> SAEnum:
    """Store enums by value as plain strings with a CHECK constraint (portable, readable).

    ``name`` names the CHECK constraint; give one when a table has two columns of the same enum
    (PostgreSQL wants constraint names unique per table)."""
    return SAEnum(
        enum_cls,
        values_callable=lambda cls: [m.value for m in cls],
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=32,
        name=name or enum_cls.__name__.lower(),
    )


def tz_datetime() -> DateTime:
    return DateTime(timezone=True)
