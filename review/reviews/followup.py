"""Round n checks round n-1: each earlier opinion item with the department's response, the clause as
it was and as it is now, and each expert's finding (已落实 / 未落实)."""
from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.citation import cite
from pipeline.diff import char_diff, diff_clauses

from ..extensions import db
from ..submissions.models import Submission, SubmissionVersion
from .aggregation import responses_for_round
from .common import ReviewError
from .models import CheckStatus, ClauseComment, ItemCheck, Opinion

MAX_NOTE = 2000


@dataclass
class RoundItem:
    comment: ClauseComment
    response: object | None  # RevisionResponse
    citation: str  # the clause as people cite it (第五条, 四、（三）); '' for a general comment
    before: str  # the clause's text in the earlier round
    after: str | None  # its text now; None when the clause was removed
    op: str  # unchanged | changed | removed | general
    segments: list[tuple[str, str]] = field(default_factory=list)  # char_diff(before, after)
    new_clause_id: int | None = None


def _version(sub: Submission, round_: int) -> SubmissionVersion | None:
    return next((v for v in sub.versions if v.round == round_), None)


def _alignment(old: SubmissionVersion, new: SubmissionVersion) -> list[dict]:
    as_dicts = lambda v: [{"id": c.id, "path": c.path, "text": c.text} for c in v.clauses]  # noqa: E731
    return diff_clauses(as_dicts(old), as_dicts(new))


def changed_clauses(sub: Submission, round_: int) -> dict[int, str]:
    """Clause ids of round ``round_`` that were added or changed since the round before: {id: op}."""
    new, old = _version(sub, round_), _version(sub, round_ - 1)
    if new is None or old is None:
        return {}
    return {c["new_id"]: c["op"] for c in _alignment(old, new) if c["op"] in ("added", "changed")}


def round_items(sub: Submission, round_: int) -> list[RoundItem]:
    """Round ``round_``'s view of round ``round_ - 1``'s opinion items, in the order of the draft."""
    pairs = responses_for_round(sub, round_)
    if not pairs:
        return []
    new, old = _version(sub, round_), _version(sub, round_ - 1)
    moved = {c["old_id"]: c for c in _alignment(old, new) if c["old_id"] is not None} if new and old else {}
    items = []
    for comment, response in pairs:
        clause = comment.clause
        if clause is None:
            items.append(RoundItem(comment, response, "", "", None, "general"))
            continue
        change = moved.get(clause.id) or {"op": "removed", "after": None, "new_id": None}
        after = change["after"]
        items.append(RoundItem(comment, response, cite(clause.path), clause.text, after, change["op"],
                               char_diff(clause.text, after) if after is not None else [],
                               change["new_id"]))
    items.sort(key=lambda i: (i.comment.clause.ordinal if i.comment.clause else -1, i.comment.id))
    return items


def save_checks(opinion: Opinion, sub: Submission, round_: int, checks: dict) -> None:
    """Set the expert's findings: {comment_id: {"status": "done" | "not_done" | "", "note": str}}.
    An empty status removes the finding; only items of the previous round can be checked."""
    allowed = {c.id for c, _r in responses_for_round(sub, round_)}
    current = {c.comment_id: c for c in opinion.checks}
    for raw_id, value in checks.items():
        try:
            comment_id = int(raw_id)
        except (TypeError, ValueError):
            raise ReviewError("unknown_item", f"unknown opinion item {raw_id!r}", "checks") from None
        if comment_id not in allowed:
            raise ReviewError("unknown_item", f"opinion item {comment_id} is not one of the previous round's",
                              "checks")
        status = (value or {}).get("status") or ""
        note = ((value or {}).get("note") or "").strip()[:MAX_NOTE]
        existing = current.get(comment_id)
        if not status:
            if existing is not None:
                opinion.checks.remove(existing)
            continue
        try:
            status = CheckStatus(status)
        except ValueError:
            raise ReviewError("bad_check", "a finding is done or not_done", "checks") from None
        if existing is None:
            opinion.checks.append(ItemCheck(comment_id=comment_id, status=status, note=note))
        else:
            existing.status, existing.note = status, note


def item_marks(opinions: list[Opinion]) -> dict[int, dict[int, ItemCheck]]:
    """{comment_id: {opinion_id: check}} for the given (submitted) opinions, in one query."""
    ids = [o.id for o in opinions]
    if not ids:
        return {}
    marks: dict[int, dict[int, ItemCheck]] = {}
    for check in db.session.scalars(db.select(ItemCheck).where(ItemCheck.opinion_id.in_(ids))):
        marks.setdefault(check.comment_id, {})[check.opinion_id] = check
    return marks
