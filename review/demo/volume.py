"""A committee's few years of data, bulk-inserted: for the volume benchmark and the statement tests.

Rows go in by executemany with their ids given (no ORM unit of work), so 10,000 submissions,
1,000 experts and 50,000 audit events load in seconds. The draft's parsed result is computed once
by the caller and shared by every version. Logins: ``vol-office``, ``vol-admin``, ``vol-justice``,
``vol-dept``, ``vol-e0``... (experts with open seats), all with the given password hash.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select, text

from ..accounts.models import Department, Role, User
from ..audit.models import AuditEvent
from ..experts.models import Expert, ExpertConflict, ExpertUnavailability
from ..extensions import db
from ..reviews.models import Assignment, AssignmentStatus, ClauseComment, Decision, Opinion, OpinionStatus
from ..sheets.models import LegalityIntake, OpinionSheet, SheetStatus
from ..submissions.models import (
    Clause, Conclusion, FileKind, PolicyType, Status, StoredFile, Submission, SubmissionVersion,
)

DOMAINS = ["school_health", "nutrition_food", "tobacco_alcohol", "mental_health", "health_promotion",
           "occupational_health", "environment_health", "elderly_care"]
TOPICS = ["学校卫生与近视防控", "食品安全与营养餐", "控烟与电子烟危害", "心理危机干预", "健康促进与健康教育",
          "职业卫生与劳动保护", "环境污染与健康风险", "养老服务与医养结合", "传染病防控", "交通安全与伤害预防"]
# Of every 20 submissions: where they stand.
MIX = ([Status.concluded] * 8 + [Status.under_review] * 4 + [Status.accepted] * 2 + [Status.submitted] * 2
       + [Status.deliberation] * 2 + [Status.returned, Status.withdrawn])
USERS = 12  # vol-e0 .. vol-e11 log in as experts


@dataclass
class Volume:
    """Ids of the rows the pages under test show."""

    accepted: list[int] = field(default_factory=list)
    under_review: list[int] = field(default_factory=list)
    concluded: list[int] = field(default_factory=list)
    seats: dict[str, int] = field(default_factory=dict)  # expert username -> an open assignment id
    # expert username -> a submitted seat of a concluded submission (its page shows the peers' opinions)
    submitted_seats: dict[str, int] = field(default_factory=dict)


def load_volume(parsed: dict, password_hash: str, *, submissions: int, experts: int, events: int) -> Volume:
    now = datetime.now(timezone.utc)
    today = date.today()
    out = Volume()
    rows: dict[type, list[dict]] = {m: [] for m in (
        Department, Expert, User, ExpertUnavailability, ExpertConflict, Submission, SubmissionVersion, StoredFile,
        Clause, Assignment, Opinion, ClauseComment, Decision, OpinionSheet, LegalityIntake, AuditEvent)}
    n_depts = 20
    for d in range(1, n_depts + 1):
        rows[Department].append({"id": d, "name": f"第{d}局", "full_name": f"滨海新区第{d}局"})
    for e in range(1, experts + 1):
        topic = TOPICS[e % len(TOPICS)]
        rows[Expert].append({"id": e, "name": f"专家{e:05d}", "title": "教授", "affiliation": f"第{e % 50}研究院",
                             "domains": [DOMAINS[e % len(DOMAINS)], DOMAINS[(e * 7) % len(DOMAINS)]],
                             "expertise": f"{topic}，{TOPICS[(e * 3) % len(TOPICS)]}", "email": "", "max_load": 12,
                             "active": e % 97 != 0, "created_at": now, "updated_at": now})
        if e % 10 == 0:
            rows[ExpertUnavailability].append({"id": e // 10, "expert_id": e, "start": today + timedelta(days=e % 40),
                                               "end": today + timedelta(days=e % 40 + 7), "note": ""})
        if e % 25 == 0:
            rows[ExpertConflict].append({"id": e // 25, "expert_id": e, "department_id": e % n_depts + 1,
                                         "reason": "", "created_at": now})
    base = {"password_hash": password_hash, "display_name": "", "email": "", "active": True, "locale": "",
            "created_at": now, "department_id": None, "expert_id": None}
    users = [("vol-office", Role.office, {}), ("vol-admin", Role.admin, {}), ("vol-justice", Role.justice, {}),
             ("vol-dept", Role.department, {"department_id": 1})]
    users += [(f"vol-e{i}", Role.expert, {"expert_id": i + 1}) for i in range(min(USERS, experts))]
    for uid, (name, role, extra) in enumerate(users, start=1):
        rows[User].append({**base, "id": uid, "username": name, "role": role, **extra})
    dept_user = 4
    experts_with_login = min(USERS, experts)
    clauses = parsed.get("clauses") or []
    ids = {"assignment": 0, "opinion": 0, "comment": 0, "clause": 0, "decision": 0, "sheet": 0}
    for s in range(1, submissions + 1):
        status = MIX[s % len(MIX)]
        created = now - timedelta(days=(submissions - s) * 3 * 365 / submissions, hours=s % 24)
        due = today + timedelta(days=s % 30 - 5) if status in (Status.under_review, Status.deliberation,
                                                               Status.concluded) else None
        conclusion = Conclusion.modify if status is Status.concluded else None
        rows[Submission].append({
            "id": s, "title": f"{TOPICS[s % len(TOPICS)]}管理办法（第{s}号）", "department_id": s % n_depts + 1,
            "policy_type": PolicyType.normative, "stage": "drafting", "contact_name": "", "contact_phone": "",
            "status": status, "conclusion": conclusion, "current_round": 1, "panel_size": 3, "review_due": due,
            "return_reason": "", "created_by_id": dept_user, "created_at": created, "updated_at": created})
        rows[SubmissionVersion].append({
            "id": s, "submission_id": s, "round": 1, "draft_sha256": parsed.get("sha256", ""),
            "text_sha256": parsed.get("text_sha256", ""), "parse_status": parsed.get("status", ""),
            "parsed": parsed if s == 1 else None, "screening": parsed.get("screening") if s == 1 else None, "note": "",
            "created_by_id": dept_user, "created_at": created})
        rows[StoredFile].append({"id": s, "version_id": s, "kind": FileKind.draft, "filename": "审查稿.docx",
                                 "storage_key": f"volume/{s}.docx", "size": 40_000,
                                 "sha256": hashlib.sha256(str(s).encode()).hexdigest(), "created_at": created})
        first_clause = ids["clause"] + 1
        for n, c in enumerate(clauses):
            ids["clause"] += 1
            rows[Clause].append({"id": ids["clause"], "version_id": s, "key": c["id"], "ordinal": n,
                                 "path": c.get("path") or "", "text": c["text"], "page": c.get("page"),
                                 "kind": c.get("kind") or "body", "determinants": [], "domains": []})
        if status is Status.accepted:
            out.accepted.append(s)
        if status not in (Status.under_review, Status.deliberation, Status.concluded):
            continue
        if status is Status.under_review:
            out.under_review.append(s)
        elif status is Status.concluded:
            out.concluded.append(s)
        panel = [(s * 3 + seat) % experts + 1 for seat in range(3)]
        if status is Status.under_review and (s % experts_with_login + 1) not in panel:
            panel[1] = s % experts_with_login + 1  # an open seat of an expert who logs in
        for seat, expert_id in enumerate(panel):
            ids["assignment"] += 1
            a_status = AssignmentStatus.submitted
            if status is Status.under_review and seat != 0:
                a_status = AssignmentStatus.accepted if seat == 1 else AssignmentStatus.invited
            rows[Assignment].append({
                "id": ids["assignment"], "submission_id": s, "round": 1, "expert_id": expert_id, "status": a_status,
                "due": due, "reasons": {"domains": [DOMAINS[expert_id % len(DOMAINS)]], "terms": [], "clauses": []},
                "score": 0.5, "decline_reason": "", "invited_at": created, "responded_at": None,
                "replaced_by_id": None, "invited_by_id": 1})
            if a_status.is_open and expert_id <= USERS:
                out.seats.setdefault(f"vol-e{expert_id - 1}", ids["assignment"])
            if status is Status.concluded and expert_id <= USERS:
                out.submitted_seats.setdefault(f"vol-e{expert_id - 1}", ids["assignment"])
            if a_status is AssignmentStatus.submitted:
                ids["opinion"] += 1
                rows[Opinion].append({
                    "id": ids["opinion"], "assignment_id": ids["assignment"], "status": OpinionStatus.submitted,
                    "recommendation": Conclusion.modify, "summary": f"建议完善{TOPICS[expert_id % len(TOPICS)]}相关条款",
                    "screening": {}, "submitted_at": created, "updated_at": created, "revision": 1})
                ids["comment"] += 1
                rows[ClauseComment].append({
                    "id": ids["comment"], "opinion_id": ids["opinion"],
                    "clause_id": first_clause if clauses else None, "text": "该条款应明确责任主体",
                    "suggestion": "增加监督检查要求", "determinant": "", "severity": "medium", "created_at": created})
        if status is Status.concluded:
            ids["decision"] += 1
            rows[Decision].append({"id": ids["decision"], "submission_id": s, "round": 1, "conclusion": conclusion,
                                   "proposed": conclusion, "reason": "", "dissent": [], "decided_by_id": 1,
                                   "decided_at": created})
            ids["sheet"] += 1
            year = created.year
            rows[OpinionSheet].append({
                "id": ids["sheet"], "decision_id": ids["decision"], "submission_id": s,
                "serial": f"滨健审〔{year}〕{ids['sheet']}号", "year": year, "seq": ids["sheet"],
                "code_hash": "0" * 64, "facts": {"title": rows[Submission][-1]["title"],
                                                 "department": f"第{s % n_depts + 1}局",
                                                 "conclusion_label": "修改后发布", "issued_on": created.date().isoformat()},
                "signature": "", "key_id": "", "status": SheetStatus.valid, "superseded_by_id": None,
                "revoked_reason": "", "revoked_at": None, "issued_at": created, "docx_key": "", "pdf_key": ""})
            if s % 3 == 0:
                rows[LegalityIntake].append({"id": ids["sheet"], "sheet_id": ids["sheet"], "received_on": created.date(),
                                             "outcome": "accepted", "note": "", "draft_matches": True,
                                             "recorded_by_id": 3, "recorded_at": created})
    for ev in range(1, events + 1):
        sub = rows[Submission][(ev * 7919) % submissions]
        rows[AuditEvent].append({"id": ev, "submission_id": sub["id"], "actor_id": 1, "action": "note",
                                 "from_state": "", "to_state": "", "reason": "", "round": 1, "data": None,
                                 "created_at": sub["created_at"] + timedelta(minutes=ev % 600)})
    for model, batch in rows.items():  # Core executemany: no unit of work for rows given whole
        for start in range(0, len(batch), 5000):
            db.session.execute(model.__table__.insert(), batch[start:start + 5000])
    # Every version reads the same draft: its JSON is encoded once and copied by the database.
    version = SubmissionVersion.__table__
    first = select(version.c.parsed, version.c.screening).where(version.c.id == 1).subquery()
    db.session.execute(version.update().where(version.c.id > 1).values(
        parsed=select(first.c.parsed).scalar_subquery(), screening=select(first.c.screening).scalar_subquery()))
    _reset_sequences()
    from ..routing.models import bump_pool_generation

    bump_pool_generation(db.session)  # rows went in past the unit of work and its listeners
    return out


def _reset_sequences() -> None:
    """Ids were given, so a PostgreSQL sequence must be moved past them for the next insert."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement in (True, "auto"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                    f"coalesce((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false)"))
