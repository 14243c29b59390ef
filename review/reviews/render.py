"""The clause list of a draft version, rendered once per version and language.

The list is the heavy part of the expert's review page (a 200-clause draft is ~1,000 tags) and is
the same for every expert of the round, so it is cached in the process. Per-expert content (their
comments) is laid over it on the page, not baked into it.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from flask import render_template
from markupsafe import Markup

from ..i18n import language

_lock = threading.Lock()
_cache: OrderedDict[tuple, Markup] = OrderedDict()
_SIZE = 64


def clause_list(version) -> Markup:
    key = (version.id, version.parse_status, version.text_sha256, language())
    with _lock:
        html = _cache.get(key)
        if html is not None:
            _cache.move_to_end(key)
            return html
    html = Markup(render_template("reviews/_clauses.html", clauses=version.clauses))
    with _lock:
        _cache[key] = html
        while len(_cache) > _SIZE:
            _cache.popitem(last=False)
    return html


_datalists: dict[str, Markup] = {}


def determinant_datalist() -> Markup:
    """The <datalist> of the 66 determinants: the same for every page view, so built once per language."""
    from markupsafe import escape

    from pipeline.rubrics import screening

    locale = language()
    html = _datalists.get(locale)
    if html is None:
        options = "".join(f'<option value="{escape(f"{cat}·{item}")}">'
                          for cat, item in screening().determinants.values())
        html = _datalists[locale] = Markup(f'<datalist id="determinants">{options}</datalist>')
    return html
