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
                                  "expert list", "sheet register", "review page",
                                  "review page (submitted, peers shown)", "audit page", "registry",
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


def test_the_review_page_reads_any_number_of_peers_in_the_same_statements(tmp_path, parsed_draft):
    """The two sizes above have three seats per panel; a panel that grew (replacements, a larger
    panel) must not add statements per submitted opinion either."""
    from datetime import datetime, timezone

    from review.reviews.models import Assignment, AssignmentStatus, ClauseComment, Opinion, OpinionStatus
    from review.submissions.models import Clause, Conclusion
    from tests.perf.conftest import SIZES, build_site

    from review.audit.models import CommitteeSetting

    site = build_site(tmp_path, SIZES["small"], parsed_draft)
    with site.app.app_context():
        db.session.add(CommitteeSetting(id=1, name="", experts_see_peers=False, anonymise_panel=False))
        db.session.commit()
    username, seat = sorted(site.volume.submitted_seats.items())[0]
    before = statements_of(site, username, f"/reviews/{seat}")
    with site.app.app_context():
        a = db.session.get(Assignment, seat)
        taken = {x.expert_id for x in a.submission.assignments}
        clause = db.session.scalars(db.select(Clause.id).where(Clause.version_id == a.submission.current_version.id)).first()
        for expert_id in [e for e in range(1, SIZES["small"]["experts"] + 1) if e not in taken][:3]:
            extra = Assignment(submission_id=a.submission_id, round=a.round, expert_id=expert_id,
                               status=AssignmentStatus.submitted)
            opinion = Opinion(assignment=extra, status=OpinionStatus.submitted, recommendation=Conclusion.modify,
                              summary="补充意见", submitted_at=datetime.now(timezone.utc))
            opinion.comments = [ClauseComment(clause_id=clause, text=f"意见{n}", suggestion="") for n in range(2)]
            db.session.add_all([extra, opinion])
        db.session.commit()
        db.session.remove()
    after = statements_of(site, username, f"/reviews/{seat}")
    page = site.get(username, f"/reviews/{seat}").get_data(as_text=True)
    assert page.count("补充意见") == 3  # the three new peers are shown
    assert len(after) == len(before), [" ".join(s.split())[:120] for s in after]
