"""A registry of realistic size, bulk-inserted (benchmarks and the statement tests).

Entries go in by executemany with their ids given. The first ``linked`` submissions of
review/demo/volume.py become review rounds of the first entries; the others are inventory entries.
Each entry's searchable text is its title plus a rotating part of the shared draft's clauses and a
topic, so searches match a realistic share of the entries, not all or none.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import update

from ..extensions import db
from ..submissions.models import Submission
from .models import EntryOrigin, EntryStatus, RegistryEntry, RegistryText, refresh_reviewed
from .search import index_terms

TOPICS = ["学校卫生与近视防控", "食品安全与营养餐", "控烟与电子烟危害", "心理危机干预", "健康促进与健康教育",
          "职业卫生与劳动保护", "环境污染与健康风险", "养老服务与医养结合", "传染病防控", "交通安全与伤害预防",
          "机关档案管理", "政府采购流程", "城市道路照明", "公务用车管理"]
LEVELS = ["major", "minor", "minor", "none", "none", "none"]
STATUSES = [EntryStatus.in_force] * 6 + [EntryStatus.drafting, EntryStatus.revised, EntryStatus.abolished]


def load_registry_volume(parsed: dict, *, entries: int, linked: int = 0, departments: int = 20,
                         first_id: int = 1) -> list[int]:
    """Insert ``entries`` entries (ids from ``first_id``); returns their ids."""
    now = datetime.now(timezone.utc)
    clauses = [c.get("text") or "" for c in parsed.get("clauses") or []]
    answers = [{"id": q.get("id"), "topic": q.get("topic"), "answer": q.get("answer"),
                "reasons": [{"citation": r.get("citation", ""), "text": r.get("text", "")}
                            for r in (q.get("reasons") or [])[:2]]}
               for q in (parsed.get("screening") or {}).get("questions") or []]
    entry_rows, text_rows = [], []
    for n in range(entries):
        i = first_id + n
        topic = TOPICS[i % len(TOPICS)]
        level = LEVELS[i % len(LEVELS)]
        origin = EntryOrigin.submission if n < linked else EntryOrigin.inventory
        status = EntryStatus.under_review if origin is EntryOrigin.submission else STATUSES[i % len(STATUSES)]
        year = 2020 + i % 7
        published = date(year, 1 + i % 12, 1 + i % 28) if status is not EntryStatus.drafting and \
            origin is EntryOrigin.inventory else None
        title = f"关于{topic}的实施意见（第{i}号）"
        yes = sum(1 for a in answers if a["answer"] == "是") if level != "none" else 0
        entry_rows.append({
            "id": i, "title": title, "department_id": i % departments + 1, "doc_number":
                f"滨政发〔{year}〕{i}号" if published else "", "policy_type": None, "status": status,
            "origin": origin, "drafted_on": date(year, 1, 1), "published_on": published, "effective_on": published,
            "revised_on": published + timedelta(days=200) if status is EntryStatus.revised else None,
            "abolished_on": published + timedelta(days=300) if status is EntryStatus.abolished else None,
            "year": year, "status_note": "", "impact_level": level, "yes_count": min(yes, 10),
            "answers": answers if level != "none" else [dict(a, answer="否", reasons=[]) for a in answers],
            "source_filename": f"{title}.docx" if origin is EntryOrigin.inventory else "",
            "source_sha256": "", "source_format": "docx" if origin is EntryOrigin.inventory else "",
            "parse_status": "success", "parse_errors": [], "created_by_id": None,
            "created_at": now - timedelta(hours=i), "updated_at": now - timedelta(hours=i)})
        start = (i * 3) % max(len(clauses), 1)
        part = clauses[start:start + 4] if level != "none" else []
        text_rows.append({"entry_id": i, "terms": index_terms(title, [topic, *part])})
    for table, batch in ((RegistryEntry.__table__, entry_rows), (RegistryText.__table__, text_rows)):
        for start in range(0, len(batch), 5000):
            db.session.execute(table.insert(), batch[start:start + 5000])
    if linked:
        db.session.execute(update(Submission).where(Submission.id <= min(linked, entries))
                           .values(registry_entry_id=Submission.id + (first_id - 1)))
    refresh_reviewed(db.session)  # the listeners do not see bulk inserts
    if db.session.get_bind().dialect.name == "postgresql":
        from ..demo.volume import _reset_sequences

        _reset_sequences()
    return [r["id"] for r in entry_rows]
