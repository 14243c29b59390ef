"""The expert's review page, rendered once per state of the seat and kept in the process.

Experts reload this page all day and it is the heaviest page of the product: a 200-clause draft is
~1,000 tags. Two caches make a reload cost about as much as a small page:

- the clause list, the same for every expert of the round, once per version and language;
- the page body of one seat, keyed by a stamp that one SQL query reads (``review_stamp``): the
  seat's and the submission's state, the opinion's revision (raised by the database on any change
  to the opinion or its comments), the committee settings, the language, the selected clause.

The body is stored as segments around the CSRF token, which is the request's own, and around the
clause list, which is shared rather than copied. A body that shows other experts' opinions is
kept too: the stamp holds the submission's seats, their opinions' revisions and their experts'
last edit, so a peer's change gives a new key.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache

from flask import current_app, render_template
from markupsafe import Markup

from ..extensions import db
from ..i18n import language
from ..pagecache import app_cache
from ..submissions.models import Status
from .models import AssignmentStatus


def clause_list(version, sub=None) -> Markup:
    """The clause list of a version; from round 2 on, the clauses changed since the round before are marked."""
    cache = app_cache("clause_lists", 64)
    key = (version.id, version.parse_status, version.text_sha256, language())
    html = cache.get(key)
    if html is None:
        from .followup import changed_clauses

        changed = changed_clauses(sub, version.round) if sub is not None and version.round > 1 else {}
        html = Markup(render_template("reviews/_clauses.html", clauses=version.clauses, changed=changed,
                                      round=version.round))
        cache.put(key, html)
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


@dataclass(frozen=True)
class ReviewStamp:
    """What the review page of one seat depends on, read in one round trip."""

    assignment_id: int
    expert_id: int
    status: AssignmentStatus
    round: int
    due: date | None
    submission_status: Status
    current_round: int
    title: str
    submission_updated: datetime | None
    department: str
    opinion_revision: int | None
    committee_updated: datetime | None
    experts_see_peers: bool
    # The submission's seats as the peers' section shows them: their ids, their opinions' revisions
    # (raised on any change to an opinion or its comments, submission included) and their
    # experts' last edit (names). Part of the key, so a body with peers can be kept too.
    peers: tuple = ()

    @property
    def shows_peers(self) -> bool:
        from ..permissions import seat_sees_peers

        return seat_sees_peers(self.status, self.experts_see_peers)


def review_stamp(assignment_id: int) -> ReviewStamp | None:
    row = db.session.execute(_stamp_query(), {"assignment_id": assignment_id}).one_or_none()
    if row is None:
        return None
    *head, see_peers, seats, seat_ids, opinions, revisions, experts_updated = row
    stamp = ReviewStamp(*head, experts_see_peers=bool(see_peers))
    if not stamp.shows_peers:
        return stamp  # the peers' changes are not on this page: they do not renew its body
    return replace(stamp, peers=(seats, seat_ids, opinions, revisions, str(experts_updated)))


@lru_cache(maxsize=1)
def _stamp_query():
    """Built once: building a select costs more than running this one."""
    from ..accounts.models import Department
    from ..audit.models import CommitteeSetting
    from ..submissions.models import Submission
    from .models import Assignment, Opinion

    from ..experts.models import Expert

    committee = db.select(CommitteeSetting.updated_at, CommitteeSetting.experts_see_peers) \
        .where(CommitteeSetting.id == 1).subquery()
    seat = db.aliased(Assignment)
    opinion = db.aliased(Opinion)
    expert = db.aliased(Expert)
    # Over the whole submission, every round: the anonymous letters (专家A/B/C) are given over all
    # of its seats, and a superset only costs a render more often.
    same_submission = seat.submission_id == Assignment.submission_id
    seats = db.select(db.func.count()).select_from(seat).where(same_submission).correlate(Assignment).scalar_subquery()
    seat_ids = db.select(db.func.sum(seat.id)).where(same_submission).correlate(Assignment).scalar_subquery()
    opinions = (db.select(db.func.count()).select_from(opinion).join(seat, seat.id == opinion.assignment_id)
                .where(same_submission).correlate(Assignment).scalar_subquery())
    revisions = (db.select(db.func.sum(opinion.revision)).join(seat, seat.id == opinion.assignment_id)
                 .where(same_submission).correlate(Assignment).scalar_subquery())
    experts = (db.select(db.func.max(expert.updated_at)).join(seat, seat.expert_id == expert.id)
               .where(same_submission).correlate(Assignment).scalar_subquery())
    return (db.select(Assignment.id, Assignment.expert_id, Assignment.status, Assignment.round, Assignment.due,
                      Submission.status, Submission.current_round, Submission.title, Submission.updated_at,
                      Department.name, Opinion.revision, committee.c.updated_at, committee.c.experts_see_peers,
                      seats, seat_ids, opinions, revisions, experts)
            .join(Submission, Submission.id == Assignment.submission_id)
            .join(Department, Department.id == Submission.department_id)
            .outerjoin(Opinion, Opinion.assignment_id == Assignment.id)
            .outerjoin(committee, db.true())
            .where(Assignment.id == db.bindparam("assignment_id")))


_CSRF = "<!--csrf-token-->"  # escaping turns any "<" a user typed into "&lt;": these cannot collide
_CLAUSES = "<!--clause-list-->"


def review_body(key: tuple, build: Callable[[], dict], *, csrf_token: str) -> Markup:
    """The page body for ``key``: from the cache, or rendered from ``build()``'s context."""
    cache = app_cache("review_pages", current_app.config["PAGE_CACHE_SIZE"])
    segments = cache.get(key)
    if segments is None:
        context = build()
        clauses = context.pop("clauses_html")
        html = render_template("reviews/_review_body.html", **context,
                               csrf=Markup(_CSRF), clauses_html=Markup(_CLAUSES))
        parts: list = []
        for n, piece in enumerate(html.split(_CSRF)):
            if n:
                parts.append(None)  # the request's CSRF token goes here
            for m, text in enumerate(piece.split(_CLAUSES)):
                if m:
                    parts.append(clauses)
                parts.append(text)
        segments = tuple(parts)
        cache.put(key, segments)
    return Markup("".join(csrf_token if s is None else s for s in segments))
