"""Rate-limit counters in the app's own database, so that every gunicorn worker sees them.

Flask-Limiter counts through a ``limits`` storage, and ``limits`` ships memory (per process),
Redis, Memcached and MongoDB storages but none in SQL. Rather than a second mechanism beside
Flask-Limiter (an attempts table like django-axes, for login only), this module adds the missing
storage: every limit in the app (login per account and per address, the anonymous verify pages)
is then shared through the one setting REVIEW_RATELIMIT_STORAGE_URI, whose default
``database://`` uses the app's database and whose ``redis://`` value uses ``limits``' own Redis
storage unchanged. Fixed windows only (Flask-Limiter's default strategy): one row per key, bumped
by a single atomic upsert (SQLite >= 3.35 and PostgreSQL both have INSERT ... ON CONFLICT ...
RETURNING), written in its own short transaction so that a count survives the request's rollback.
"""
from __future__ import annotations

import hashlib
import time

from limits.storage import Storage
from sqlalchemy import Float, Integer, String, case, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db

SWEEP_EVERY = 300.0  # seconds between deletions of expired counters, per process


class RateLimitCounter(db.Model):
    __tablename__ = "rate_limit_counter"

    # SHA-256 of the limiter's key: fixed width, and typed usernames are not kept in clear.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float)  # Unix time


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """``database://``: counters in the rate_limit_counter table of the current app's database."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._last_sweep = 0.0

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    @staticmethod
    def _engine():
        # The engine of the app serving the request: the Limiter object is shared by every app
        # created in the process (tests), the database is not.
        return db.engine

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = RateLimitCounter.__table__
        engine = self._engine()
        if engine.dialect.name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        elif engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            raise NotImplementedError(f"database:// rate limits need SQLite or PostgreSQL, not {engine.dialect.name}")
        expired = table.c.expires_at <= now
        stmt = insert(table).values(key=_digest(key), count=amount, expires_at=now + expiry)
        stmt = stmt.on_conflict_do_update(index_elements=[table.c.key], set_={
            "count": case((expired, amount), else_=table.c.count + amount),
            "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
        }).returning(table.c.count)
        with engine.begin() as conn:
            count = conn.execute(stmt).scalar_one()
            if now - self._last_sweep > SWEEP_EVERY:
                self._last_sweep = now
                conn.execute(delete(table).where(table.c.expires_at < now))
        return int(count)

    def _row(self, key: str):
        with self._engine().connect() as conn:
            return conn.execute(select(RateLimitCounter.count, RateLimitCounter.expires_at)
                                .where(RateLimitCounter.key == _digest(key))).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.count) if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row.expires_at) if row is not None and row.expires_at > time.time() else time.time()

    def check(self) -> bool:
        try:
            with self._engine().connect() as conn:
                conn.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self._engine().begin() as conn:
            return conn.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        with self._engine().begin() as conn:
            conn.execute(delete(RateLimitCounter.__table__).where(RateLimitCounter.key == _digest(key)))
