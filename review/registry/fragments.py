"""Lines of the registry list rendered once and kept (review/pagecache.py), keyed by every value a
line shows: an entry's change, a new decided round or sheet, a renamed department or another
language is a new key, so a kept line is never stale."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from ..i18n import language
from ..pagecache import fragment


def registry_row(e, reviews: list[dict], reviewed: bool, show_department: bool) -> Markup:
    key = (e.id, e.updated_at, e.title, e.origin, e.department if show_department else None,
           e.doc_number, e.status, e.impact_level, e.yes_count, e.year,
           tuple((r["round"], r["conclusion"], r.get("sheet_serial")) for r in reviews), reviewed, language())
    return fragment("registry_rows", key, lambda: render_template(
        "registry/_row.html", e=e, reviews=reviews, reviewed=reviewed, show_department=show_department))


def registry_filters(f, choices: dict, role: str) -> Markup:
    """The filter form: its key is the chosen filters, the departments and years offered, the
    reader's role (a department has no department filter) and the language."""
    key = (tuple(sorted(f.args().items())), tuple((d.id, d.display) for d in choices["departments"]),
           tuple(choices["years"]), role, language())
    return fragment("registry_filters", key, lambda: render_template(
        "registry/_filters.html", f=f, choices=choices, role=role))


def init_app(app) -> None:
    app.jinja_env.globals.update(registry_row=registry_row, registry_filters=registry_filters)
