"""The database:// rate-limit storage on PostgreSQL: one atomic upsert per hit."""
from __future__ import annotations

from tests.test_ratelimit import concurrent_counts


def test_rate_limit_counter_is_atomic_on_postgresql(pg_app):
    assert concurrent_counts(pg_app) == list(range(1, 17))
