"""Routing inside the app: expert profiles from the database, one index per process.

Per request, routing costs one read of the pool's generation row (``store.pool_signature``) and one
look-up of the stored proposal. Only when the pool changed is anything rebuilt, and then only what changed: the
profiles' text (segmented and stored per expert in ``ExpertTokens``) when an expert or their
submitted opinions changed, the loads, periods and conflicts otherwise.
"""
from __future__ import annotations

import copy
import dataclasses
import threading
from datetime import date

from flask import current_app
from sqlalchemy.orm import joinedload

from pipeline.routing import (
    EmbeddingCache,
    ExpertIndex,
    ExpertProfile,
    Proposal,
    load_embedder,
    propose_panel,
)
from pipeline.routing.text import tokenize

from ..calendar import add_working_days, app_calendar, local_today
from ..experts.models import Expert, ExpertConflict, ExpertUnavailability
from ..extensions import db
from ..reviews.models import (
    Assignment,
    AssignmentStatus,
    ClauseComment,
    Opinion,
    OpinionStatus,
)
from . import store
from .models import ExpertTokens

_lock = threading.Lock()
# Per database and model: (text signature, index of the profiles' text), and the last index with
# the pool's state applied: (text signature, state signature, index).
_cache: dict[str, tuple[str, ExpertIndex]] = {}
_state_cache: dict[str, tuple[str, str, ExpertIndex]] = {}


def open_loads(expert_ids=None) -> dict[int, int]:
    open_states = [s for s in AssignmentStatus if s.is_open]
    query = (db.select(Assignment.expert_id, db.func.count())
             .where(Assignment.status.in_(open_states)).group_by(Assignment.expert_id))
    if expert_ids is not None:
        query = query.where(Assignment.expert_id.in_(list(expert_ids)))
    return dict(db.session.execute(query).all())


def _opinion_texts(expert_ids: list[int]) -> dict[int, str]:
    """The text of these experts' own submitted opinions: summaries and clause comments."""
    texts: dict[int, list[str]] = {}
    for start in range(0, len(expert_ids), 500):
        rows = db.session.execute(
            db.select(Assignment.expert_id, Opinion.summary, ClauseComment.text, ClauseComment.suggestion)
            .join(Opinion, Opinion.assignment_id == Assignment.id)
            .outerjoin(ClauseComment, ClauseComment.opinion_id == Opinion.id)
            .where(Opinion.status == OpinionStatus.submitted,
                   Assignment.expert_id.in_(expert_ids[start:start + 500]))
            .order_by(Opinion.id, ClauseComment.id)
        ).all()
        for expert_id, summary, comment, suggestion in rows:
            bucket = texts.setdefault(expert_id, [])
            for part in (summary, comment, suggestion):
                if part and part not in bucket:
                    bucket.append(part)
    return {k: "\n".join(v) for k, v in texts.items()}


def _text_versions() -> dict[int, str]:
    """Per expert, what their profile text is made of: update time and submitted opinions."""
    rows = db.session.execute(
        db.select(Assignment.expert_id, db.func.count(Opinion.id), db.func.max(Opinion.id))
        .join(Opinion, Opinion.assignment_id == Assignment.id)
        .where(Opinion.status == OpinionStatus.submitted).group_by(Assignment.expert_id)).all()
    return {expert_id: f"{n}:{last}" for expert_id, n, last in rows}


def _text_profiles() -> tuple[list[ExpertProfile], list[list[str]]]:
    """Every expert's profile (without loads or periods) and its tokens; segments only the experts
    whose text changed since their tokens were stored, and stores the new tokens."""
    experts = db.session.scalars(db.select(Expert).order_by(Expert.id)).all()
    opinions = _text_versions()
    stored = {t.expert_id: t for t in db.session.scalars(db.select(ExpertTokens))}
    versions = {e.id: f"{e.updated_at.isoformat() if e.updated_at else ''}|{opinions.get(e.id, '0:')}"
                for e in experts}
    stale = [e.id for e in experts if e.id not in stored or stored[e.id].version != versions[e.id]]
    fresh_texts = _opinion_texts(stale) if stale else {}
    profiles, tokens, rows = [], [], []
    for e in experts:
        text = fresh_texts.get(e.id, "") if e.id in stale or e.id not in stored else stored[e.id].opinions_text
        p = ExpertProfile(id=e.id, name=e.name, title=e.title, affiliation=e.affiliation, domains=list(e.domains),
                          expertise=e.expertise, opinions_text=text, max_load=e.max_load, active=e.active)
        if e.id in stored and e.id not in stale:
            toks = list(stored[e.id].tokens)
        else:
            toks = tokenize(p.text())
            rows.append({"expert_id": e.id, "version": versions[e.id], "opinions_text": text, "tokens": toks})
        profiles.append(p)
        tokens.append(toks)
    if rows:
        store.upsert(ExpertTokens, rows, ["expert_id"])
    return profiles, tokens


def _with_state(profiles: list[ExpertProfile]) -> list[ExpertProfile]:
    """The profiles with today's loads, unavailable periods and declared conflicts."""
    loads = open_loads()
    periods: dict[int, list] = {}
    for expert_id, start, end in db.session.execute(
            db.select(ExpertUnavailability.expert_id, ExpertUnavailability.start, ExpertUnavailability.end)
            .where(ExpertUnavailability.end >= local_today()).order_by(ExpertUnavailability.start)):
        periods.setdefault(expert_id, []).append((start, end))
    conflicts: dict[int, list[str]] = {}
    for c in db.session.scalars(db.select(ExpertConflict).options(joinedload(ExpertConflict.department))):
        conflicts.setdefault(c.expert_id, []).extend(c.department.names())
    return [dataclasses.replace(p, open_load=loads.get(p.id, 0), unavailable=periods.get(p.id, []),
                                conflict_departments=conflicts.get(p.id, [])) for p in profiles]


def expert_profiles() -> list[ExpertProfile]:
    profiles, _ = _text_profiles()
    return _with_state(profiles)


def expert_index(signature: dict[str, str] | None = None) -> ExpertIndex:
    signature = signature or store.pool_signature()
    key = f"{current_app.config['SQLALCHEMY_DATABASE_URI']}|{current_app.config['EMBEDDING_MODEL']}"
    with _lock:
        hit = _state_cache.get(key)
        if hit is not None and hit[:2] == (signature["text"], signature["state"]):
            return hit[2]
        base = _cache.get(key)
    if base is None or base[0] != signature["text"]:
        profiles, tokens = _text_profiles()
        embedder = None
        if current_app.config["EMBEDDING_MODEL"]:
            cache = EmbeddingCache(current_app.config["CACHE_DIR"])
            embedder = load_embedder(current_app.config["EMBEDDING_MODEL"], cache=cache)
        base = (signature["text"], ExpertIndex(profiles, embedder=embedder, tokens=tokens))
        with _lock:
            _cache[key] = base
    # The text matrices stay; only the profiles' loads, periods and conflicts are replaced.
    index = copy.copy(base[1])
    index.profiles = _with_state(base[1].profiles)
    with _lock:
        _state_cache[key] = (signature["text"], signature["state"], index)
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
    """The proposal for the submission's current draft, computed once per draft version, panel size,
    department, drafters, review period and state of the pool, and stored; read back otherwise."""
    return proposal_and_key(sub, due=due)[0]


def proposal_and_key(sub, *, due: date | None = None) -> tuple[Proposal, str]:
    """``propose_for_submission`` and the key it is stored under (it hashes every input)."""
    version = sub.current_version
    signature = store.pool_signature()
    department = sub.department.names()
    drafters = sorted(e.id for e in sub.drafters)
    period = review_period(due=due or sub.review_due)
    key = store.proposal_key(version.id, [sub.panel_size, department, drafters, period], signature)
    stored = store.load_proposal(version.id, key)
    if stored is not None:
        return stored, key
    proposal = propose_panel(prepared_draft(version.parsed or {}), expert_index(signature), department=department,
                             drafters=drafters, k=sub.panel_size, period=period)
    store.save_proposal(version.id, key, proposal)
    return proposal, key


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
