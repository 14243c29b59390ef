"""Bounded work per request: each main page runs as many SQL statements on a committee ten times
the size, and no template loads anything lazily."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import before_render_template, template_rendered
from sqlalchemy import event
from sqlalchemy.orm import Session

from review.extensions import db


def statements_of(site, username: str, path: str) -> list[str]:
    site.get(username, path)  # first view: logs in, computes and stores what is stored (proposals)
    site.app.extensions.pop("review_render", None)  # the review page's rendered-body cache: count a miss
    with site.counting() as statements:
        response = site.get(username, path)
    assert response.status_code == 200, (path, response.status_code)
    return statements


def test_statement_counts_do_not_grow_with_the_data(sites):
    small, large = sites["small"], sites["large"]
    assert len(large.volume.under_review) > 20 > len(small.volume.under_review)  # the board spans pages
    report, grown = [], []
    for name, (username, path) in small.pages().items():
        n_small = len(statements_of(small, username, path))
        large_user, large_path = large.pages()[name]
        n_large = len(statements_of(large, large_user, large_path))
        report.append(f"{name}: {n_small} -> {n_large}")
        if n_large > n_small:
            grown.append(name)
    print("\n".join(report))
    assert not grown, "statements grew with the data: " + "; ".join(report)


@contextmanager
def lazy_loads_while_rendering(app):
    """Records every load a template triggers: a relationship, a deferred column or an expired row."""
    state = {"depth": 0}
    loads: list[str] = []

    def started(_sender, template, **_kw):
        state["depth"] += 1

    def finished(_sender, template, **_kw):
        state["depth"] -= 1

    def on_execute(orm_state):
        if state["depth"] and (orm_state.is_relationship_load or orm_state.is_column_load):
            loads.append(str(orm_state.statement).splitlines()[0][:200])

    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    event.listen(Session, "do_orm_execute", on_execute)
    try:
        yield loads
    finally:
        event.remove(Session, "do_orm_execute", on_execute)
        before_render_template.disconnect(started, app)
        template_rendered.disconnect(finished, app)


@pytest.mark.parametrize("page", ["board", "detail (proposal)", "detail (under review)", "queue", "queue (all)",
                                  "expert list", "sheet register", "review page", "audit page", "registry",
                                  "registry (searched)", "registry entry", "statistics"])
def test_templates_never_load_lazily(sites, page):
    site = sites["large"]
    username, path = site.pages()[page]
    site.get(username, path)
    site.app.extensions.pop("review_render", None)  # render the review page's body, not its cached copy
    with lazy_loads_while_rendering(site.app) as loads:
        response = site.get(username, path)
    assert response.status_code == 200
    assert loads == [], f"{page} loaded from its template: {loads}"


def test_the_detection_sees_a_lazy_load(sites):
    """The check above would fail on a template that reads an unloaded relationship."""
    site = sites["small"]
    from flask import render_template_string

    from review.submissions.models import Submission

    with site.app.test_request_context(), lazy_loads_while_rendering(site.app) as loads:
        sub = db.session.get(Submission, site.volume.under_review[0])
        render_template_string("{{ sub.department.name }}{{ sub.assignments|length }}", sub=sub)
        db.session.remove()
    assert len(loads) == 2
