"""The registry's search, filters and evaluation counts on PostgreSQL (tsvector over the same terms)."""
from __future__ import annotations

from review.experts.models import Expert
from review.extensions import db
from review.registry.models import RegistryEntry
from review.registry.operations import evaluation_counts
from review.registry.queries import Filters, count_entries, entries_query
from tests.conftest import Factory
from tests.registry.builders import department, entry, reviewed_round


def test_registry_search_and_counts_on_postgresql(pg_app):
    office = Factory(pg_app).user("office", username="office")
    expert = Expert(name="甲", domains=["school_health"], title="教授", affiliation="天津医科大学")
    db.session.add(expert)
    edu = department("教育局")
    a = entry(edu, "校园控烟实施方案", level="major", yes=4, text="校园内全面禁止吸烟，禁止销售电子烟。")
    entry(edu, "学生营养餐管理办法", level="minor", yes=1, text="减少高盐高糖高脂食品供应。")
    entry(edu, "机关档案管理办法", level="none", text="文书档案整理归档。")
    reviewed_round(a, office, expert, seq=1)
    db.session.commit()

    def titles(**kw):
        return {e.title for e in db.session.scalars(entries_query(office, Filters(**kw)))}

    assert titles(q="电子烟") == {"校园控烟实施方案"}
    assert titles(q="高盐 高糖") == {"学生营养餐管理办法"}
    assert titles(q="烟") == {"校园控烟实施方案"}  # prefix of the bigrams
    assert titles(q="垃圾分类") == set()
    assert titles(q="'&|!:*()") == {"校园控烟实施方案", "学生营养餐管理办法", "机关档案管理办法"}  # no terms: no filter
    assert titles(reviewed="yes") == {"校园控烟实施方案"}
    assert count_entries(office, Filters(reviewed="no")) == 2
    assert [(r["health_related"], r["reviewed"]) for r in evaluation_counts()] == [(2, 1)]
    assert db.session.scalar(db.select(db.func.count()).select_from(RegistryEntry)) == 3
