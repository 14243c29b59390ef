"""The evaluation rate's counts, against a hand-built data set."""
from __future__ import annotations

from review.experts.models import Expert
from review.extensions import db
from review.registry.models import RegistryEntry
from review.registry.operations import evaluation_counts
from tests.registry.builders import department, entry, reviewed_round


def test_evaluation_counts_per_department_and_year(app, make):
    office = make.user("office", username="office")
    expert = Expert(name="甲", domains=["school_health"], title="教授", affiliation="天津医科大学")
    db.session.add(expert)
    edu, env = department("教育局"), department("生态环境局")
    # 教育局 2026: three health-related (major, minor, minor), one not; two of them reviewed.
    reviewed_round(entry(edu, "甲方案", level="major"), office, expert, seq=1)
    reviewed_round(entry(edu, "乙方案", level="minor"), office, expert, conclusion="modify", seq=2)
    entry(edu, "丙方案", level="minor")
    reviewed_round(entry(edu, "丁方案", level="none"), office, expert, seq=3)  # reviewed but not health-related
    # Not counted as reviewed: a decision without a sheet, a round without an expert opinion, a revoked sheet.
    reviewed_round(entry(edu, "戊方案", level="major", year=2025), office, expert, sheet=False)
    reviewed_round(entry(edu, "己方案", level="major", year=2025), office, expert, seat_status="declined", seq=4)
    reviewed_round(entry(edu, "庚方案", level="minor", year=2025), office, expert, revoked=True, seq=5)
    # 生态环境局 2026: one reviewed out of one; an entry screened before any answer counts nowhere.
    reviewed_round(entry(env, "辛方案", level="major"), office, expert, seq=6)
    entry(env, "壬方案", level="")
    db.session.commit()

    rows = {(r["department"], r["year"]): (r["health_related"], r["reviewed"]) for r in evaluation_counts()}
    assert rows == {("滨海新区教育局", 2026): (3, 2), ("滨海新区教育局", 2025): (3, 0),
                    ("滨海新区生态环境局", 2026): (1, 1)}
    assert [(r["department_id"], r["year"], r["health_related"], r["reviewed"])
            for r in evaluation_counts(year=2026, department_id=edu.id)] == [(edu.id, 2026, 3, 2)]
    assert evaluation_counts(year=2024) == []
    # A second decided round of the same entry does not count it twice.
    first = db.session.scalar(db.select(RegistryEntry).filter_by(title="甲方案"))
    reviewed_round(first, office, expert, seq=7)
    assert evaluation_counts(year=2026, department_id=edu.id)[0]["reviewed"] == 2
