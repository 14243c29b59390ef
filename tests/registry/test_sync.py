"""A submission creates and updates its registry entry; publication and later status."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import FileStorage

from review.experts.models import Expert
from review.extensions import db
from review.registry import operations as ops
from review.registry.models import EntryOrigin, EntryStatus
from review.submissions import operations as sops
from tests.docs import LETTER, docx_bytes
from tests.registry.builders import entry, reviewed_round


def fs(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def test_submission_creates_and_updates_its_entry(app, make):
    dept = make.user("department", username="edu", department="教育局")
    office = make.user("office", username="office")
    staged = sops.stage_submission(dept, {"title": "校园健康促进行动实施方案", "policy_type": "normative"},
                                   draft=fs(docx_bytes(), "方案.docx"), letter=fs(LETTER, "公函.txt"))
    sub = sops.confirm_submission(dept, staged)
    db.session.commit()
    e = sub.registry_entry
    assert e is not None and e.origin is EntryOrigin.submission and e.status is EntryStatus.under_review
    assert e.title == "校园健康促进行动实施方案" and e.department_id == dept.department_id
    assert e.impact_level in ("minor", "major") and len(e.answers) == 10
    assert e.yes_count == sum(1 for a in e.answers if a["answer"] == "是")
    from review.registry.search import matching_ids
    from review.registry.models import RegistryEntry

    hits = db.session.scalars(db.select(RegistryEntry.id).where(RegistryEntry.id.in_(matching_ids("校长陪餐")))).all()
    assert hits == [e.id]
    assert not db.session.scalars(db.select(RegistryEntry.id).where(
        RegistryEntry.id.in_(matching_ids("垃圾分类")))).all()
    sops.accept_submission(office, sub)
    sops.withdraw_submission(dept, sub, "另行起草")
    db.session.commit()
    assert e.status is EntryStatus.drafting


def test_publication_needs_an_approved_round(app, make):
    dept = make.user("department", username="edu", department="教育局")
    office = make.user("office", username="office")
    expert = Expert(name="甲", domains=["school_health"], title="教授", affiliation="天津医科大学")
    db.session.add(expert)
    dep = db.session.get(type(dept.department), dept.department_id)
    e = entry(dep, "甲方案", origin=EntryOrigin.submission)
    with pytest.raises(ops.RegistryError) as err:
        ops.record_publication(dept, e, "滨教发〔2026〕3号", "2026-03-01")
    assert err.value.code == "not_approved"
    reviewed_round(e, office, expert, conclusion="modify", seq=1)
    assert not ops.can_publish(e)
    reviewed_round(e, office, expert, conclusion="approve", seq=2)
    assert ops.can_publish(e)
    for args, code in [(("", "2026-03-01"), "missing_doc_number"), (("滨教发〔2026〕3号", "3/1"), "bad_date"),
                       (("滨教发〔2026〕3号", (date.today() + timedelta(days=3)).isoformat()), "date_in_future"),
                       (("滨教发〔2026〕3号", "2026-03-01", "2026-02-01"), "effective_before_published")]:
        with pytest.raises(ops.RegistryError) as err:
            ops.record_publication(dept, e, *args)
        assert err.value.code == code
    ops.record_publication(dept, e, "滨教发〔2026〕3号", "2026-03-01")
    assert e.status is EntryStatus.in_force and e.effective_on == date(2026, 3, 1) and e.year == 2026
    with pytest.raises(ops.RegistryError) as err:
        ops.mark_status(dept, e, "abolished", "2026-02-01")
    assert err.value.code == "before_publication"
    ops.mark_status(dept, e, "revised", "2026-04-01", "第二条修订")
    assert e.status is EntryStatus.revised and e.revised_on == date(2026, 4, 1)
    ops.mark_status(dept, e, "abolished", "2026-05-01", "被新规替代")
    db.session.commit()
    assert e.status is EntryStatus.abolished and e.abolished_on == date(2026, 5, 1)
    with pytest.raises(ops.RegistryError):
        ops.mark_status(dept, e, "revised", "2026-06-01")
