"""Routing inside the app: expert profiles from the database, one index per process.

The index is rebuilt only when a profile changes (the signature covers every expert's update
time, load and submitted opinions), so per-item routing as a draft arrives stays cheap.
"""
from __future__ import annotations

import hashlib
import threading
from datetime import date

from flask import current_app

from pipeline.routing import (
    EmbeddingCache,
    ExpertIndex,
    ExpertProfile,
    Proposal,
    load_embedder,
    propose_panel,
)

from ..calendar import add_working_days, app_calendar, local_today
from ..experts.models import Expert, ExpertConflict
from ..extensions import db
from ..reviews.models import (
    Assignment,
    AssignmentStatus,
    ClauseComment,
    Opinion,
    OpinionStatus,
)

_lock = threading.Lock()
_cache: dict[str, tuple[str, ExpertIndex]] = {}


def open_loads() -> dict[int, int]:
    open_states = [s for s in AssignmentStatus if s.is_open]
    rows = db.session.execute(
        db.select(Assignment.expert_id, db.func.count(Assignment.id))
        .where(Assignment.status.in_(open_states)).group_by(Assignment.expert_id)
    ).all()
    return dict(rows)


def _opinion_texts() -> dict[int, str]:
    """The text of each expert's own submitted opinions: summaries and clause comments."""
    texts: dict[int, list[str]] = {}
    rows = db.session.execute(
        db.select(Assignment.expert_id, Opinion.summary, ClauseComment.text, ClauseComment.suggestion)
        .join(Opinion, Opinion.assignment_id == Assignment.id)
        .outerjoin(ClauseComment, ClauseComment.opinion_id == Opinion.id)
        .where(Opinion.status == OpinionStatus.submitted)
    ).all()
    for expert_id, summary, comment, suggestion in rows:
        bucket = texts.setdefault(expert_id, [])
        for part in (summary, comment, suggestion):
            if part and part not in bucket:
                bucket.append(part)
    return {k: "\n".join(v) for k, v in texts.items()}


def expert_profiles() -> list[ExpertProfile]:
    loads = open_loads()
    opinions = _opinion_texts()
    conflicts: dict[int, list[str]] = {}
    for c in db.session.scalars(db.select(ExpertConflict)):
        conflicts.setdefault(c.expert_id, []).extend(c.department.names())
    return [
        ExpertProfile(
            id=e.id, name=e.name, title=e.title, affiliation=e.affiliation, domains=list(e.domains),
            expertise=e.expertise, opinions_text=opinions.get(e.id, ""), max_load=e.max_load,
            open_load=loads.get(e.id, 0), unavailable=[(p.start, p.end) for p in e.unavailable],
            conflict_departments=conflicts.get(e.id, []), active=e.active,
        )
        for e in db.session.scalars(db.select(Expert).order_by(Expert.id))
    ]


def _signature(profiles: list[ExpertProfile]) -> str:
    digest = hashlib.sha256()
    for p in profiles:
        digest.update(repr((p.id, p.name, p.title, p.affiliation, p.domains, p.expertise, p.opinions_text,
                            p.max_load, p.open_load, p.unavailable, p.conflict_departments, p.active)).encode())
    return digest.hexdigest()


def expert_index() -> ExpertIndex:
    profiles = expert_profiles()
    signature = _signature(profiles)
    key = f"{current_app.config['SQLALCHEMY_DATABASE_URI']}|{current_app.config['EMBEDDING_MODEL']}"
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == signature:
            return cached[1]
    embedder = None
    if current_app.config["EMBEDDING_MODEL"]:
        cache = EmbeddingCache(current_app.config["CACHE_DIR"])
        embedder = load_embedder(current_app.config["EMBEDDING_MODEL"], cache=cache)
    index = ExpertIndex(profiles, embedder=embedder)
    with _lock:
        _cache[key] = (signature, index)
    return index


def review_period(start: date | None = None, due: date | None = None) -> tuple[date, date]:
    start = start or local_today()
    if due is None:
        holidays, extra = app_calendar(current_app.config)
        due = add_working_days(start, int(current_app.config["REVIEW_WORKING_DAYS"]), holidays, extra)
    return start, due


_prepared: dict[str, object] = {}


def prepared_draft(parsed: dict):
    """The draft tokenised once per text (segmentation is the costly part of ranking a draft)."""
    from pipeline.routing import prepare_draft

    key = parsed.get("text_sha256") or ""
    if not key:
        return prepare_draft(parsed)
    with _lock:
        hit = _prepared.get(key)
    if hit is None:
        hit = prepare_draft(parsed)
        with _lock:
            if len(_prepared) > 256:
                _prepared.clear()
            _prepared[key] = hit
    return hit


def propose_for_draft(parsed: dict, department_names: list[str], *, k: int, drafters=(),
                      due: date | None = None, alternates: int = 2) -> Proposal:
    return propose_panel(prepared_draft(parsed), expert_index(), department=department_names,
                         drafters=list(drafters), k=k, period=review_period(due=due), alternates=alternates)


def propose_for_submission(sub, *, due: date | None = None) -> Proposal:
    version = sub.current_version
    return propose_for_draft(version.parsed or {}, sub.department.names(), k=sub.panel_size,
                             drafters=[e.id for e in sub.drafters], due=due or sub.review_due)


def default_due() -> date:
    return review_period()[1]


def excluded_reasons(proposal: Proposal) -> dict[int, list[str]]:
    return {e.expert.id: [w.code for w in e.why] for e in proposal.excluded}




def propose_batch(subs: list, *, due: date | None = None):
    """Panels for many accepted submissions at once, maximising total affinity under the experts'
    loads, each draft's top-domain coverage and the conflicts (min-cost flow)."""
    from pipeline.routing import assign_batch

    period = review_period(due=due)
    drafts = [(s.id, s.current_version.parsed or {}, s.department.names()) for s in subs]
    drafters = {s.id: [e.id for e in s.drafters] for s in subs}
    k = max((s.panel_size for s in subs), default=int(current_app.config["PANEL_SIZE"]))
    return assign_batch(drafts, expert_index(), k=k, period=period, drafters=drafters)
