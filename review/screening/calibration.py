"""Calibration: how often the experts' final screening answers agree with the system's, per question.

Two statements whatever the volume: one reads every submitted opinion's answers next to the system's
screening of the same round; one reads the clauses the system cited where they disagreed. An opinion
that gives no answer to a question is not counted for it (the API may submit without answers).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pipeline.citation import reference

from ..extensions import db
from ..reviews.models import Assignment, Opinion, OpinionStatus
from ..submissions.models import Clause, Submission, SubmissionVersion
from .operations import ANSWERS

MAX_DISAGREEMENTS = 200


@dataclass
class QuestionAgreement:
    id: str
    topic: str
    pairs: int = 0
    agree: int = 0
    confusion: dict[str, dict[str, int]] = field(default_factory=lambda: {a: {b: 0 for b in ANSWERS} for a in ANSWERS})

    @property
    def rate(self) -> float | None:
        return self.agree / self.pairs if self.pairs else None

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa of system vs expert; None when undefined (no pairs, or both always the same)."""
        n = self.pairs
        if not n:
            return None
        sys_marg = {a: sum(self.confusion[a].values()) for a in ANSWERS}
        exp_marg = {b: sum(self.confusion[a][b] for a in ANSWERS) for b in ANSWERS}
        pe = sum(sys_marg[a] * exp_marg[a] for a in ANSWERS) / (n * n)
        if pe >= 1.0:
            return None
        return (self.agree / n - pe) / (1 - pe)

    def to_dict(self) -> dict:
        r, k = self.rate, self.kappa
        return {"id": self.id, "topic": self.topic, "pairs": self.pairs, "agree": self.agree,
                "rate": None if r is None else round(r, 3), "kappa": None if k is None else round(k, 3),
                "confusion": self.confusion}


@dataclass
class Calibration:
    questions: list[QuestionAgreement]
    disagreements: list[dict]
    opinions: int

    def to_dict(self) -> dict:
        return {"opinions": self.opinions, "questions": [q.to_dict() for q in self.questions],
                "disagreements": self.disagreements}


def _questions() -> list[tuple[str, str]]:
    from pipeline.rubrics import screening

    return [(q[0], q[1]) for q in screening().questions]


def screening_calibration() -> Calibration:
    rows = db.session.execute(
        db.select(Opinion.screening, SubmissionVersion.screening, SubmissionVersion.id, Submission.id,
                  Submission.title, Assignment.round)
        .join(Assignment, Assignment.id == Opinion.assignment_id)
        .join(Submission, Submission.id == Assignment.submission_id)
        .join(SubmissionVersion, (SubmissionVersion.submission_id == Assignment.submission_id)
              & (SubmissionVersion.round == Assignment.round))
        .where(Opinion.status == OpinionStatus.submitted)
        .order_by(Opinion.submitted_at.desc(), Opinion.id.desc())).all()
    stats = {qid: QuestionAgreement(qid, topic) for qid, topic in _questions()}
    disagreements: list[dict] = []
    for expert_answers, system, version_id, sub_id, title, round_ in rows:
        system_q = {q.get("id"): q for q in (system or {}).get("questions") or [] if isinstance(q, dict)}
        for qid, answer in (expert_answers or {}).items():
            q = system_q.get(qid)
            if qid not in stats or answer not in ANSWERS or q is None or q.get("answer") not in ANSWERS:
                continue
            st = stats[qid]
            st.pairs += 1
            st.confusion[q["answer"]][answer] += 1
            if q["answer"] == answer:
                st.agree += 1
            elif len(disagreements) < MAX_DISAGREEMENTS:
                disagreements.append({"submission_id": sub_id, "title": title, "round": round_, "question": qid,
                                      "topic": st.topic, "system": q["answer"], "expert": answer,
                                      "version_id": version_id,
                                      "evidence": [str(c) for c in q.get("evidence") or []][:5]})
    _cite(disagreements)
    return Calibration(list(stats.values()), disagreements, len(rows))


def _cite(disagreements: list[dict]) -> None:
    """Replace clause ids by citations (第五条“…”): one statement for all of them."""
    versions = {d["version_id"] for d in disagreements if d["evidence"]}
    keys = {k for d in disagreements for k in d["evidence"]}
    refs: dict[tuple[int, str], str] = {}
    if versions:
        for vid, key, path, text in db.session.execute(
                db.select(Clause.version_id, Clause.key, Clause.path, Clause.text)
                .where(Clause.version_id.in_(versions), Clause.key.in_(keys))):
            refs[(vid, key)] = reference(path, text)
    for d in disagreements:
        d["clauses"] = [refs[(d["version_id"], k)] for k in d["evidence"] if (d["version_id"], k) in refs]
        del d["version_id"]


def questions_with_counts(cal: Calibration) -> list[tuple[QuestionAgreement, Counter]]:
    """Per question, how often the experts moved the system's answer to each other answer."""
    out = []
    for q in cal.questions:
        moved = Counter({f"{a}→{b}": n for a, row in q.confusion.items() for b, n in row.items() if a != b and n})
        out.append((q, moved))
    return out
