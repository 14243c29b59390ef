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


def test_the_reviewed_flag_follows_sheets_and_revocations(app, make):
    """The list's "reviewed" filter reads a column kept at each commit: set when a decided round
    with an expert opinion gets its sheet, cleared when that sheet is revoked; a bulk load sets it
    with refresh_reviewed."""
    from review.registry.models import refresh_reviewed
    from review.sheets.models import OpinionSheet
    from review.sheets.operations import revoke_sheet

    office = make.user("office", username="office")
    admin = make.user("admin", username="admin")
    expert = Expert(name="甲", domains=["school_health"], title="教授", affiliation="天津医科大学")
    db.session.add(expert)
    edu = department("教育局")
    done, pending = entry(edu, "甲方案", level="major"), entry(edu, "乙方案", level="minor")
    db.session.commit()
    assert (done.reviewed, pending.reviewed) == (False, False)
    sub = reviewed_round(done, office, expert, seq=1)
    reviewed_round(pending, office, expert, sheet=False, seq=2)
    db.session.commit()
    assert (done.reviewed, pending.reviewed) == (True, False)
    revoke_sheet(admin, db.session.scalar(db.select(OpinionSheet).filter_by(submission_id=sub.id)), "误发")
    db.session.commit()
    assert done.reviewed is False
    db.session.execute(db.update(RegistryEntry).values(reviewed=True))  # a bulk write past the listeners
    refresh_reviewed(db.session)
    db.session.commit()
    assert (done.reviewed, pending.reviewed) == (False, False)
