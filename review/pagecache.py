"""Rendered fragments kept in the process, for parts of pages that many views show unchanged.

A fragment's key must hold everything its HTML shows (or a stamp that changes with it), plus the
language: a stale fragment is never served, it is only not found. REVIEW_PAGE_CACHE_SIZE=0 turns
every cache off (each view renders afresh); each cache holds at most that many fragments.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app
from markupsafe import Markup


class LRU:
    """A small thread-safe LRU map; one per app (tests run several apps in one process)."""

    def __init__(self, size: int):
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict = OrderedDict()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def put(self, key, value) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def app_cache(name: str, size: int) -> LRU:
    caches = current_app.extensions.setdefault("review_render", {})
    cache = caches.get(name)
    if cache is None:
        cache = caches.setdefault(name, LRU(size))
    return cache


def fragment(name: str, key: Hashable, render: Callable[[], str]) -> Markup:
    """The HTML of ``render()`` for ``key``, from the cache ``name`` when it was rendered before."""
    size = int(current_app.config.get("PAGE_CACHE_SIZE") or 0)
    if size <= 0:
        return Markup(render())
    cache = app_cache(name, size)
    html = cache.get(key)
    if html is None:
        html = Markup(render())
        cache.put(key, html)
    return html


def nav_links(role: str) -> Markup:
    """The navigation links of a role, in the reader's language (base.html, every page)."""
    from flask import render_template, request

    from .i18n import language

    return fragment("nav", (role, language(), request.script_root),
                    lambda: render_template("_nav_links.html", role=role))


def list_rows(name: str, template: str, items, row_key, **context) -> Markup:
    """The rows of a list page rendered from ``template`` (items=..., **context), kept while every
    row's ``row_key(item, context)`` and the language are the same."""
    from flask import render_template

    from .i18n import language

    items = list(items)
    key = (template, tuple(row_key(item, context) for item in items), language())
    return fragment(name, key, lambda: render_template(template, items=items, **context))


# What each kept list row shows (templates/*/_*_rows.html); a value missing here would go stale.
def queue_row_key(s, _context) -> tuple:
    # A plain row of office/queue.py (``department`` is the department's display name).
    return (s.id, s.title, s.department, s.policy_type, s.current_round, s.status, s.created_at,
            s.review_due)


def expert_row_key(e, context) -> tuple:
    return (e.id, e.name, e.active, e.title, e.affiliation, tuple(e.domains or ()), e.expertise,
            context["loads"].get(e.id, 0), e.max_load)


def register_row_key(s, _context) -> tuple:
    # A plain row of sheets/register.py:register_page. A sheet's facts are signed and never change;
    # its status and intakes (their number) do.
    return (s.id, s.serial, s.status, s.intakes)


def init_app(app) -> None:
    app.jinja_env.globals.update(nav_links=nav_links, list_rows=list_rows, queue_row_key=queue_row_key,
                                 expert_row_key=expert_row_key, register_row_key=register_row_key)
