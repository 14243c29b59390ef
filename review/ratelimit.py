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
from sqlalchemy import Float, Integer, String, create_engine, delete, event, select, text
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


def _counter_engine():
    """The current app's engine; on SQLite a second small engine on the same file whose commits
    do not wait for the disk (WAL + synchronous=NORMAL: a machine crash may lose the last counts,
    never the file's consistency), leaving the app's own data on its stricter setting."""
    from flask import current_app

    engine = db.engine
    if engine.dialect.name != "sqlite":
        return engine
    counter = current_app.extensions.get("ratelimit_engine")
    if counter is None or counter.url != engine.url:
        counter = create_engine(engine.url, pool_size=2, max_overflow=8)

        @event.listens_for(counter, "connect")
        def _pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            for pragma in ("journal_mode=WAL", "busy_timeout=30000", "synchronous=NORMAL"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        current_app.extensions["ratelimit_engine"] = counter
    return counter


# The same text on SQLite and PostgreSQL; a fixed statement is compiled once, where the ORM
# construct with its CASE expressions was compiled on every hit (~1 ms of CPU).
_UPSERT = text(
    "INSERT INTO rate_limit_counter (key, count, expires_at) VALUES (:key, :amount, :expires) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN rate_limit_counter.expires_at <= :now THEN :amount ELSE rate_limit_counter.count + :amount END, "
    "expires_at = CASE WHEN rate_limit_counter.expires_at <= :now THEN :expires ELSE rate_limit_counter.expires_at END "
    "RETURNING count")


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
        return _counter_engine()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        engine = self._engine()
        if engine.dialect.name not in ("sqlite", "postgresql"):
            raise RuntimeError(f"REVIEW_RATELIMIT_STORAGE_URI=database:// needs SQLite or PostgreSQL, not "
                               f"{engine.dialect.name}: set it to redis://…")
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")  # same trade as on SQLite
            count = conn.execute(_UPSERT, {"key": _digest(key), "amount": amount, "now": now,
                                           "expires": now + expiry}).scalar_one()
            if now - self._last_sweep > SWEEP_EVERY:
                self._last_sweep = now
                conn.execute(delete(RateLimitCounter.__table__).where(RateLimitCounter.expires_at < now))
            conn.commit()
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
