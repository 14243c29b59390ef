"""The 初筛表 of a round: the system's screening, the office's edits until it is final, the export facts.

Screening JSON (the pipeline's contract): {questions: [{id, topic, answer, evidence: [clause ids],
reasons: [{clause_id, citation, determinant, outcome, text}]}], populations, domains, yes_count,
major_impact, impact_level}. Older results lack ``reasons`` and ``impact_level``: the form then cites
the evidence clauses and derives the level from ``major_impact`` and the 是 answers.
"""
from __future__ import annotations

from datetime import date

from pipeline.citation import reference

from ..accounts.models import Role, User
from ..audit.operations import record_event
from ..extensions import db
from ..reviews.common import ReviewError, now
from ..submissions.models import Clause, Status, Submission, SubmissionVersion
from .models import ScreeningForm
from .wording import wording

ANSWERS = ("是", "不知道", "否")
LEVELS = ("none", "minor", "major")
# Once experts read the form, it is what they confirm or change: it no longer moves.
_FINAL_STATES = (Status.under_review, Status.deliberation, Status.concluded, Status.withdrawn)
MAX_REASON = 500
MAX_REASONS = 10
MAX_RELATED = 300


class ScreeningFormError(ReviewError):
    pass


def form_of(version: SubmissionVersion) -> ScreeningForm | None:
    return db.session.scalar(db.select(ScreeningForm).where(ScreeningForm.version_id == version.id))


def is_final(sub: Submission, form: ScreeningForm | None) -> bool:
    return (form is not None and form.finalised_at is not None) or sub.status in _FINAL_STATES


def can_edit_form(user: User, sub: Submission, form: ScreeningForm | None) -> bool:
    return user.role in (Role.office, Role.admin) and not is_final(sub, form)


def system_level(screening: dict) -> str:
    level = screening.get("impact_level")
    if level in LEVELS:
        return level
    if screening.get("major_impact"):
        return "major"
    yes = sum(1 for q in screening.get("questions") or [] if q.get("answer") == "是")
    return "minor" if yes or any(q.get("answer") == "不知道" for q in screening.get("questions") or []) else "none"


def _clause_refs(version: SubmissionVersion) -> dict[str, tuple[str, str]]:
    """clause key → (path, citation): one statement."""
    rows = db.session.execute(db.select(Clause.key, Clause.path, Clause.text)
                              .where(Clause.version_id == version.id)).all()
    return {k: (p, reference(p, t)) for k, p, t in rows}


def _reasons(q: dict, refs: dict[str, tuple[str, str]]) -> list[dict]:
    out = []
    for r in q.get("reasons") or []:
        if not isinstance(r, dict):
            continue
        cid = str(r.get("clause_id") or "")
        citation = r.get("citation") or (refs.get(cid, ("", ""))[1])
        out.append({"clause_id": cid, "citation": citation, "text": str(r.get("text") or "").strip(),
                    "determinant": r.get("determinant") or "", "outcome": r.get("outcome") or ""})
    if not out:  # old data: the evidence clauses are the references
        out = [{"clause_id": str(c), "citation": refs[str(c)][1], "text": "", "determinant": "", "outcome": ""}
               for c in q.get("evidence") or [] if str(c) in refs]
    return out


def system_questions(version: SubmissionVersion) -> list[dict]:
    screening = version.screening or {}
    refs = _clause_refs(version)
    return [{"id": str(q.get("id") or ""), "topic": str(q.get("topic") or ""),
             "answer": q.get("answer") if q.get("answer") in ANSWERS else "不知道",
             "evidence": [str(c) for c in q.get("evidence") or []], "reasons": _reasons(q, refs)}
            for q in screening.get("questions") or [] if isinstance(q, dict)]


def current_form(version: SubmissionVersion) -> dict:
    """What the form says now: the office's copy when there is one, else the system's screening."""
    form = form_of(version)
    screening = version.screening or {}
    if form is not None:
        return {"questions": form.questions, "impact_level": form.impact_level or system_level(screening),
                "related_departments": form.related_departments, "edited": True,
                "final": form.finalised_at is not None, "record": form}
    return {"questions": system_questions(version), "impact_level": system_level(screening),
            "related_departments": "", "edited": False, "final": False, "record": None}


def _clean_reasons(raw: str, old: list[dict]) -> list[dict]:
    """One reason per line; a line that keeps an old reason's text keeps its clause reference."""
    by_text = {r.get("text") or r.get("citation"): r for r in old}
    out = []
    for line in (raw or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line) > MAX_REASON:
            raise ScreeningFormError("reason_too_long", f"a reason is longer than {MAX_REASON} characters", "reasons")
        kept = by_text.get(line)
        out.append({**kept, "text": line} if kept else
                   {"clause_id": "", "citation": "", "text": line, "determinant": "", "outcome": ""})
    if len(out) > MAX_REASONS:
        raise ScreeningFormError("too_many_reasons", f"at most {MAX_REASONS} reasons per question", "reasons")
    return out


def edit_form(actor: User, sub: Submission, data: dict) -> ScreeningForm:
    """Save the office's answers and reasons. ``data``: {answers: {Q: 是|不知道|否}, reasons: {Q: text},
    impact_level, related_departments}. Every change is recorded in the audit trail."""
    version = sub.current_version
    form = form_of(version) if version else None
    if version is None or not (version.screening or {}).get("questions"):
        raise ScreeningFormError("no_screening", "this round has no screening to edit")
    if not can_edit_form(actor, sub, form):
        raise ScreeningFormError("screening_final" if actor.role in (Role.office, Role.admin) else "forbidden",
                                 "the screening form is final" if is_final(sub, form) else "only the office edits it")
    before = current_form(version)
    answers, reasons = data.get("answers") or {}, data.get("reasons") or {}
    questions, changes = [], {}
    for q in before["questions"]:
        answer = answers.get(q["id"], q["answer"])
        if answer not in ANSWERS:
            raise ScreeningFormError("bad_screening", f"{q['id']}: the answer must be 是, 不知道 or 否", "answers")
        new_reasons = _clean_reasons(reasons[q["id"]], q["reasons"]) if q["id"] in reasons else q["reasons"]
        if answer != q["answer"] or [r["text"] for r in new_reasons] != [r["text"] for r in q["reasons"]]:
            changes[q["id"]] = {"from": q["answer"], "to": answer}
        questions.append({**q, "answer": answer, "reasons": new_reasons})
    level = data.get("impact_level") or before["impact_level"]
    if level not in LEVELS:
        raise ScreeningFormError("bad_impact_level", "the impact level must be none, minor or major", "impact_level")
    related = " ".join(str(data.get("related_departments", before["related_departments"]) or "").split())
    if len(related) > MAX_RELATED:
        raise ScreeningFormError("related_too_long", f"at most {MAX_RELATED} characters", "related_departments")
    if form is None:
        form = ScreeningForm(version_id=version.id)
        db.session.add(form)
    form.questions, form.impact_level, form.related_departments = questions, level, related
    form.updated_by_id = actor.id
    db.session.flush()
    record_event(sub, actor, "edit_screening", data={
        "questions": changes, "impact_level": {"from": before["impact_level"], "to": level},
        "related_departments": related})
    return form


def finalise_form(actor: User, sub: Submission) -> ScreeningForm:
    version = sub.current_version
    form = form_of(version) if version else None
    if version is None or not (version.screening or {}).get("questions"):
        raise ScreeningFormError("no_screening", "this round has no screening to finalise")
    if not can_edit_form(actor, sub, form):
        raise ScreeningFormError("screening_final", "the screening form is final already")
    if form is None:
        current = current_form(version)
        form = ScreeningForm(version_id=version.id, questions=current["questions"],
                             impact_level=current["impact_level"], related_departments="")
        db.session.add(form)
    form.finalised_at, form.finalised_by_id = now(), actor.id
    db.session.flush()
    record_event(sub, actor, "finalise_screening", data={"impact_level": form.impact_level})
    return form


def chinese_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def form_facts(sub: Submission, version: SubmissionVersion) -> dict:
    """Everything the DOCX and PDF print, in the form's own (Chinese) wording."""
    w = wording()
    current = current_form(version)
    screening = version.screening or {}
    category = "，".join(x for x in (w["categories"].get(sub.policy_type.value),
                                      w["stages"].get(sub.stage.value)) if x)
    submitter = " / ".join(x for x in (sub.contact_name, sub.contact_phone) if x) or w["none_text"]
    pops = [p.get("zh") or p.get("code") for p in screening.get("populations") or [] if isinstance(p, dict)]
    return {
        "title": w["title"], "labels": w["labels"],
        "header": [(w["labels"]["name"], sub.title), (w["labels"]["category"], category),
                   (w["labels"]["department"], sub.department.full_name), (w["labels"]["submitter"], submitter),
                   (w["labels"]["date"], chinese_date(version.created_at.date() if version.created_at else None)),
                   (w["labels"]["method"], w["method_reviewed"] if current["edited"] else w["method_auto"]),
                   (w["labels"]["related"], current["related_departments"] or w["none_text"])],
        "questions": current["questions"], "populations": [p for p in pops if p],
        "level": current["impact_level"], "level_text": w["levels"][current["impact_level"]],
        "final": is_final(sub, current["record"]),
    }

