"""Precedents: similar concluded drafts and earlier opinions on similar clauses, per viewer."""
from __future__ import annotations

from sqlalchemy import event

from review.extensions import db
from review.routing.precedents import precedents_for
from tests.decision.conftest import EXPERTS, OPINION


def test_office_sees_the_similar_concluded_draft_and_its_clause_opinions(world):
    p = precedents_for(world["office"], world["new"], world["new"].current_version.id)
    assert [d["title"] for d in p.drafts] == ["校园健康促进行动实施方案"]
    d = p.drafts[0]
    assert d["department"] == world["dept"].department.full_name
    assert d["conclusion"] == "modify" and d["date"]
    assert p.clauses, "the canteen clause has earlier opinions"
    first = p.clauses[0]
    assert first["clause"] == "一、"
    assert "食品安全" in first["shared"]
    assert {o["text"] for o in first["opinions"]} == {OPINION}
    assert {o["expert"] for o in first["opinions"]} <= {n for n, _, _ in EXPERTS} and first["opinions"][0]["expert"]


def test_the_draft_itself_is_never_its_own_precedent(world):
    old = world["old"]
    p = precedents_for(world["office"], old, old.current_version.id)
    assert all(d["submission_id"] != old.id for d in p.drafts)


def test_department_never_sees_another_departments_draft(world):
    other = precedents_for(world["other"], world["new"], world["new"].current_version.id)
    assert not other.drafts and not other.clauses
    own = precedents_for(world["dept"], world["new"], world["new"].current_version.id)
    assert own.drafts


def test_experts_read_opinions_without_names_when_the_committee_anonymises(world):
    from review.audit.models import CommitteeSetting

    expert = world["experts"][0]
    named = precedents_for(expert, world["new"], world["new"].current_version.id)
    assert named.clauses[0]["opinions"][0]["expert"]
    db.session.merge(CommitteeSetting(id=1, name="", experts_see_peers=False, anonymise_panel=True))
    db.session.commit()
    anon = precedents_for(expert, world["new"], world["new"].current_version.id)
    assert anon.clauses[0]["opinions"][0]["text"] == OPINION
    assert all(not o["expert"] for c in anon.clauses for o in c["opinions"])
    office = precedents_for(world["office"], world["new"], world["new"].current_version.id)
    assert office.clauses[0]["opinions"][0]["expert"]


def _count_statements(fn):
    n = [0]

    def count(*_a, **_k):
        n[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return n[0]


def test_lookup_is_a_bounded_number_of_statements_and_cached(world):
    from review.submissions import operations as sops
    from tests.decision.conftest import NEW_LINES, submit_draft

    new = world["new"]
    first = _count_statements(lambda: precedents_for(world["office"], new, new.current_version.id))
    again = _count_statements(lambda: precedents_for(world["office"], new, new.current_version.id))
    assert again <= 2 < first  # the signature (and committee settings): index and result come from the cache
    for i in range(2):  # more submissions do not mean more statements
        submit_draft(sops, world["dept"], f"草案{i}", NEW_LINES)
    db.session.commit()
    office, version_id = world["office"], new.current_version.id
    db.session.refresh(office)
    assert _count_statements(lambda: precedents_for(office, new, version_id)) <= 2


def test_office_page_and_review_page_show_precedents(world, client, auth):
    auth.login("office")
    page = client.get(f"/office/submissions/{world['new'].id}").get_data(as_text=True)
    assert 'id="precedents"' in page and "校园健康促进行动实施方案" in page and OPINION in page


def test_review_page_shows_precedents_to_the_seated_expert(world, client, auth):
    from datetime import date, timedelta

    from review.reviews import operations as rops
    from review.submissions import operations as sops

    new = world["new"]
    sops.accept_submission(world["office"], new)
    expert = world["experts"][1]
    a = rops.assign_experts(world["office"], new, [expert.expert_id], date.today() + timedelta(days=14))
    db.session.commit()
    seat = next(x for x in new.round_assignments() if x.expert_id == expert.expert_id)
    auth.login(expert.username)
    page = client.get(f"/reviews/{seat.id}").get_data(as_text=True)
    assert 'id="precedents"' in page and OPINION in page


def test_office_proposal_shows_reasons_in_domain_terms(world, client, auth):
    import re

    from review.submissions import operations as sops

    sops.accept_submission(world["office"], world["new"])
    db.session.commit()
    auth.login("office")
    page = client.get(f"/office/submissions/{world['new'].id}").get_data(as_text=True)
    assert re.search(r"领域匹配 \d\.\d\d · 专长相似 \d\.\d\d", page)
    blocks = re.findall(r'<div class="small reasons">(.*?)</div>', page, re.S)
    # reasons proper: without the quoted clause words and the field labels
    shown = [re.sub(r"“[^”]*”|<span class=\"muted\">[^<]*</span>", "", b) for b in blocks]
    assert blocks and all(not re.search("行动|模式|参与|主任|意见", b) for b in shown)
    assert "“" in blocks[0]  # the clause is cited with its first words
