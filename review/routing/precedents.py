"""Precedents for a draft from the committee's concluded work, filtered by what the viewer may see.

A fixed number of SQL statements per request: one reads the signature of the concluded work (count,
newest id and update of the concluded submissions, newest decision; opinions are locked once
submitted, so comments change nothing until their submission concludes), the index is rebuilt from
three statements only when that changes, and a draft's raw result is cached per version and signature.
"""
from __future__ import annotations

import os
import pickle
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from flask import current_app, has_request_context

from pipeline.citation import cite, quote
from pipeline.routing import prepare_draft
from pipeline.routing.precedents import PastClause, PastDraft, PrecedentIndex, SimilarClause, SimilarDraft

from ..accounts.models import Department
from ..experts.models import Expert
from ..extensions import db
from ..jobs import job_handler
from ..jobs.operations import enqueue_once
from ..permissions import precedent_visible, sees_expert_names
from ..reviews.models import Assignment, ClauseComment, Decision, Opinion, OpinionStatus
from ..submissions.models import Clause, Status, Submission, SubmissionVersion

_lock = threading.Lock()
_indexes: dict[str, tuple[tuple, PrecedentIndex]] = {}
_results: dict[tuple, tuple[list[SimilarDraft], list[SimilarClause], dict]] = {}
_RESULTS_MAX = 512


@dataclass
class Precedents:
    """What one viewer sees: similar concluded drafts and opinions given on similar clauses."""

    drafts: list[dict] = field(default_factory=list)
    clauses: list[dict] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.drafts or self.clauses)


def _signature() -> tuple:
    """One statement: what the index depends on."""
    return tuple(str(v) for v in db.session.execute(_signature_query()).one())


@lru_cache(maxsize=1)
def _signature_query():
    """Built once: every page with precedents runs it, and building it costs more than running it."""
    concluded = Submission.status == Status.concluded
    return db.select(
        db.select(db.func.max(Submission.id)).where(concluded).scalar_subquery(),
        db.select(db.func.count()).select_from(Submission).where(concluded).scalar_subquery(),
        db.select(db.func.max(Submission.updated_at)).where(concluded).scalar_subquery(),
        db.select(db.func.max(Decision.id)).scalar_subquery(),
    )


def _build() -> PrecedentIndex:
    """Three statements: concluded submissions, their current clauses, the opinions on those clauses."""
    last = db.select(Decision.submission_id, db.func.max(Decision.decided_at).label("at")) \
        .group_by(Decision.submission_id).subquery()
    subs = db.session.execute(
        db.select(Submission.id, Submission.title, Submission.department_id, Department.full_name,
                  Submission.conclusion, last.c.at, Submission.current_round)
        .join(Department, Department.id == Submission.department_id)
        .outerjoin(last, last.c.submission_id == Submission.id)
        .where(Submission.status == Status.concluded).order_by(Submission.id)).all()
    texts: dict[int, list[str]] = {}
    clause_rows = db.session.execute(
        db.select(Clause.id, SubmissionVersion.submission_id, Clause.path, Clause.text)
        .join(SubmissionVersion, SubmissionVersion.id == Clause.version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(Submission.status == Status.concluded, SubmissionVersion.round == Submission.current_round,
               Clause.kind.in_(("body", "table"))).order_by(Clause.version_id, Clause.ordinal)).all()
    for _cid, sub_id, _path, text in clause_rows:
        texts.setdefault(sub_id, []).append(text)
    opinions: dict[int, list[dict]] = {}
    comment_rows = db.session.execute(
        db.select(ClauseComment.clause_id, ClauseComment.text, ClauseComment.suggestion, Expert.name,
                  Assignment.round)
        .join(Opinion, Opinion.id == ClauseComment.opinion_id)
        .join(Assignment, Assignment.id == Opinion.assignment_id)
        .join(Expert, Expert.id == Assignment.expert_id)
        .join(Submission, Submission.id == Assignment.submission_id)
        .where(Opinion.status == OpinionStatus.submitted, Submission.status == Status.concluded,
               ClauseComment.clause_id.is_not(None)).order_by(ClauseComment.id)).all()
    for clause_id, text, suggestion, expert, round_ in comment_rows:
        opinions.setdefault(clause_id, []).append(
            {"text": text, "suggestion": suggestion, "expert": expert, "round": round_})
    meta = {s.id: s for s in subs}
    drafts = [PastDraft(s.id, s.title, texts.get(s.id, []),
                        {"department_id": s.department_id, "department": s.full_name,
                         "conclusion": s.conclusion.value if s.conclusion else "",
                         "date": s.at.date().isoformat() if s.at else ""}) for s in subs]
    clauses = [PastClause(cid, sub_id, path, text, opinions[cid]) for cid, sub_id, path, text in clause_rows
               if cid in opinions and sub_id in meta]
    return PrecedentIndex(drafts, clauses)


def precedent_index() -> tuple[tuple, PrecedentIndex]:
    """The index of the concluded work as it stands, or the newest one built.

    Building it costs seconds per thousand concluded drafts, so a request never does: a background
    job (``build_precedents``) writes it to the instance cache, every web process loads that file,
    and while a newer one is being built the pages use the previous one. Outside a request (CLI,
    the worker itself) and with an in-process queue it is built in place."""
    signature = _signature()
    key = current_app.config["SQLALCHEMY_DATABASE_URI"]
    with _lock:
        cached = _indexes.get(key)
    if cached is not None and cached[0] == signature:
        return cached
    stored = _load_stored(signature)
    if stored is None or stored[0] != signature:
        if not has_request_context() or _queue_is_immediate():
            stored = (signature, _build())
            _store(stored)
        else:
            _ask_for_build(key, signature)
            if stored is None:
                stored = cached or (("",), PrecedentIndex([], []))
    with _lock:
        _indexes[key] = stored
    return stored


_asked: dict[str, tuple[tuple, float]] = {}
_ASK_AGAIN_SECONDS = 30.0


def _ask_for_build(key: str, signature: tuple) -> None:
    """A build job for this signature, asked once per process and half-minute: the pages that meet
    a stale index meanwhile use the previous one without a statement each to ask again."""
    now = time.monotonic()
    with _lock:
        asked = _asked.get(key)
        if asked is not None and asked[0] == signature and now - asked[1] < _ASK_AGAIN_SECONDS:
            return
        _asked[key] = (signature, now)
    enqueue_once("build_precedents", subject="precedents")


def _queue_is_immediate() -> bool:
    from ..jobs.queue import queue_for

    return queue_for(current_app).immediate


def _store_dir() -> Path:
    return Path(current_app.config["CACHE_DIR"]) / "precedents"


def _store(built: tuple[tuple, PrecedentIndex]) -> None:
    folder = _store_dir()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{os.getpid()}-{threading.get_ident()}.tmp"
    with open(tmp, "wb") as fh:
        pickle.dump(built, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, folder / "index.pickle")  # readers see the old file or the new one, never half


def _load_stored(signature: tuple) -> tuple[tuple, PrecedentIndex] | None:
    """The stored index (written by this instance's own worker, in its instance folder)."""
    path = _store_dir() / "index.pickle"
    try:
        with _lock:
            cached = _indexes.get(current_app.config["SQLALCHEMY_DATABASE_URI"])
        mtime = path.stat().st_mtime
        if cached is not None and _stored_mtime.get(str(path)) == mtime:
            return cached  # the file has not changed since this process read it
        with open(path, "rb") as fh:
            built = pickle.load(fh)  # noqa: S301 - our own cache file, not user input
        _stored_mtime[str(path)] = mtime
        return built
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


_stored_mtime: dict[str, float] = {}


@job_handler("build_precedents")
def build_precedents(job, progress) -> dict:
    signature = _signature()
    stored = _load_stored(signature)
    if stored is not None and stored[0] == signature:
        return {"drafts": len(stored[1]), "fresh": True}
    built = (signature, _build())
    _store(built)
    return {"drafts": len(built[1])}


def _version_draft(version_id: int) -> dict:
    rows = db.session.execute(db.select(Clause.path, Clause.text, Clause.domains)
                              .where(Clause.version_id == version_id, Clause.kind.in_(("body", "table")))
                              .order_by(Clause.ordinal)).all()
    return {"title": "", "clauses": [{"path": p or f"#{i + 1}", "text": t, "domains": d or []}
                                     for i, (p, t, d) in enumerate(rows)]}


def _raw(version_id: int, submission_id: int, title: str):
    signature, index = precedent_index()
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], version_id, signature)
    with _lock:
        hit = _results.get(key)
    if hit is not None:
        return hit
    draft = _version_draft(version_id)
    draft["title"] = title
    text = prepare_draft(draft)
    hit = (index.similar_drafts(text, k=10, exclude=(submission_id,)),
           index.similar_clauses(text, k=10, exclude=(submission_id,)),
           {d.key: d for d in index.drafts})
    with _lock:
        if len(_results) > _RESULTS_MAX:
            _results.clear()
        _results[key] = hit
    return hit


def precedents_for(viewer, submission: Submission, version_id: int, *, k: int = 5) -> Precedents:
    """The precedents ``viewer`` may see for ``submission``'s version ``version_id``."""
    drafts, clauses, by_key = _raw(version_id, submission.id, submission.title)
    names = sees_expert_names(viewer)
    out = Precedents()
    for d in drafts:
        if precedent_visible(viewer, d.draft.meta["department_id"]):
            out.drafts.append({"submission_id": d.draft.key, "title": d.draft.title, "score": round(d.score, 2),
                               **{k2: v for k2, v in d.draft.meta.items() if k2 != "department_id"}})
    for c in clauses:
        past = by_key.get(c.past.draft_key)
        if past is None or not precedent_visible(viewer, past.meta["department_id"]):
            continue
        out.clauses.append({
            "clause": cite(c.path) or quote(c.text), "text": quote(c.text, 40), "score": round(c.score, 2),
            "shared": c.shared, "past_title": past.title, "past_submission_id": past.key,
            "past_clause": cite(c.past.path) or quote(c.past.text), "past_text": quote(c.past.text, 60),
            "opinions": [{"text": o["text"], "suggestion": o["suggestion"],
                          "expert": o["expert"] if names else ""} for o in c.past.opinions],
        })
    out.drafts, out.clauses = out.drafts[:k], out.clauses[:k]
    return out


def precedents_for_assignment(viewer, assignment_id: int) -> Precedents:
    """For the review page, which does not load the submission: one statement finds the version."""
    row = db.session.execute(
        db.select(SubmissionVersion.id, Submission).select_from(Assignment)
        .join(Submission, Submission.id == Assignment.submission_id)
        .join(SubmissionVersion, (SubmissionVersion.submission_id == Submission.id)
              & (SubmissionVersion.round == Assignment.round))
        .where(Assignment.id == assignment_id)).one_or_none()
    if row is None:
        return Precedents()
    return precedents_for(viewer, row[1], row[0])
