"""The figures of a filter, kept per process until the data they count changes.

Every change the statistics count leaves a trace that one cheap statement reads: a new audit event
(each transition, seat, opinion, decision, sheet, revision records one), a submission's updated_at,
a registry entry's updated_at or count. The key holds that signature, the filter, the holiday list
and the language, so a stale figure is never served; REVIEW_PAGE_CACHE_SIZE=0 turns it off."""
from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app
from sqlalchemy import func, select

from ..audit.models import AuditEvent
from .. import plain
from ..registry.models import RegistryEntry
from ..submissions.models import Submission
from .filters import StatsFilter
from .operations import collect_stats

_lock = threading.Lock()


def data_signature() -> tuple:
    # The counts stay (about 1 ms at 10,000 rows): on PostgreSQL an insert can commit after one
    # with a higher id, and a highest id would then miss it.
    return tuple(plain.rows(plain.built(("stats", "signature"), lambda: select(
        select(func.max(AuditEvent.id)).scalar_subquery(),
        select(func.max(Submission.updated_at)).scalar_subquery(),
        select(func.count()).select_from(Submission).scalar_subquery(),
        select(func.max(RegistryEntry.updated_at)).scalar_subquery(),
        select(func.count()).select_from(RegistryEntry).scalar_subquery())))[0])


_computing: dict[tuple, threading.Lock] = {}


def cached_stats(f: StatsFilter, config) -> dict:
    return stats_and_key(f, config)[0]


def stats_and_key(f: StatsFilter, config) -> tuple[dict, tuple | None]:
    """(the figures, the key they are kept under): the key changes whenever the figures may, so a
    page can keep what it renders of them under it too (None: caching is off)."""
    size = int(config.get("PAGE_CACHE_SIZE") or 0)
    if size <= 0:
        return collect_stats(f, config), None
    key = (f, data_signature(), str(config.get("HOLIDAYS")), str(config.get("EXTRA_WORKDAYS")))
    cache: OrderedDict = current_app.extensions.setdefault("stats_cache", OrderedDict())
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key], key
        # Requests that miss together wait for the first one's figures instead of each counting
        # them again (a page opened by many users right after a change).
        computing = _computing.setdefault(key, threading.Lock())
    with computing:
        with _lock:
            if key in cache:
                return cache[key], key
        try:
            stats = collect_stats(f, config)
            with _lock:
                cache[key] = stats
                while len(cache) > min(size, 64):
                    cache.popitem(last=False)
        finally:
            with _lock:
                _computing.pop(key, None)
    return stats, key
