"""Round 2 checks each request of round 1: responses, the clause then and now, 已落实 / 未落实 marks."""
from __future__ import annotations

import re

from pipeline.diff import char_diff
from review.extensions import db
from review.reviews import operations as rops
from review.reviews.models import CheckStatus, ItemCheck
from review.submissions import operations as sops
from tests.docs import REVISED_LINES, docx_bytes
from tests.workflow.conftest import fs


def test_char_diff_marks_words_not_whole_clauses():
    runs = char_diff("严格落实校长陪餐制度，减少高盐高糖高脂食品供应。", "严格落实校长陪餐制度，禁止供应含糖饮料，减少高盐高糖高脂食品供应。")
    assert runs == [("equal", "严格落实校长陪餐制度，"), ("insert", "禁止供应含糖饮料，"), ("equal", "减少高盐高糖高脂食品供应。")]
    assert char_diff("每学期一次", "每学期两次") == [("equal", "每学期"), ("delete", "一"), ("insert", "两"), ("equal", "次")]
    assert char_diff("甲乙丙丁", "甲戊丙己") == [("equal", "甲"), ("delete", "乙丙丁"), ("insert", "戊丙己")]


def _round_two(loop, *, basis=(), drop=()):
    sub = loop["sub"]
    canteen = next(c for c in sub.current_version.clauses if "食堂" in c.text)
    smoking = next(c for c in sub.current_version.clauses if "控烟" in c.text)
    for n, a in enumerate(sub.round_assignments()):
        rops.respond(a.expert.user, a, "accept")
        rops.save_opinion(a.expert.user, a, {"recommendation": "modify", "summary": "需修改", "comments": [
            {"clause": canteen.key, "text": f"应明确含糖饮料的限制{n}"},
            {"clause": smoking.key, "text": f"电子烟的定义需细化{n}"}]}, submit=True)
    rops.decide(loop["office"], sub, "modify")
    db.session.commit()
    items = sops.opinion_items(sub, 1)
    responses = {c.id: ({"response": "adopted"} if "含糖" in c.text else {"response": "rejected", "reason": "上位法已有定义"})
                 for c in items}
    staged = sops.stage_revision(loop["dept"], sub, draft=fs(docx_bytes(REVISED_LINES), "修改稿.docx"),
                                 responses=responses, basis=list(basis), drop_basis=list(drop))
    sops.confirm_revision(loop["dept"], sub, staged)
    db.session.commit()
    return sub, canteen


def test_round_two_review_page_shows_each_item_with_its_change_and_takes_marks(client, auth, loop):
    sub, canteen = _round_two(loop)
    a = next(s for s in sub.round_assignments() if s.round == 2)
    rops.respond(a.expert.user, a, "accept")
    db.session.commit()
    auth.login(a.expert.user.username)
    page = client.get(f"/reviews/{a.id}").get_data(as_text=True)
    assert "上一轮意见落实情况" in page
    assert "应明确含糖饮料的限制0" in page and "上位法已有定义" in page and "不采纳" in page
    assert "<ins>禁止供应含糖饮料，</ins>" in page  # the change, marked inside the clause
    assert "该条款未作修改" in page  # the smoking clause did not change
    # The changed clause is marked in the clause list, and the filter is offered.
    new_canteen = next(c for c in sub.current_version.clauses if "食堂" in c.text)
    assert re.search(rf'class="clause[^"]*changed[^"]*" id="clause-{new_canteen.id}"', page)
    assert "data-only-changed" in page and "（1 条）" in page
    items = sops.opinion_items(sub, 1)
    done_item = next(c for c in items if "含糖" in c.text)
    open_item = next(c for c in items if "电子烟" in c.text)
    client.post(f"/reviews/{a.id}/opinion", data={
        "action": "submit", "recommendation": "modify", "summary": "第二轮意见",
        f"check-{done_item.id}": "done", f"check-note-{done_item.id}": "已增加禁止性规定",
        f"check-{open_item.id}": "not_done", f"check-note-{open_item.id}": "理由不充分"})
    db.session.expire_all()
    marks = {c.comment_id: (c.status, c.note) for c in db.session.scalars(db.select(ItemCheck))}
    assert marks == {done_item.id: (CheckStatus.done, "已增加禁止性规定"), open_item.id: (CheckStatus.not_done, "理由不充分")}
    locked = client.get(f"/reviews/{a.id}").get_data(as_text=True)
    assert re.search(rf'name="check-{done_item.id}" value="done" checked disabled', locked)
    # An item of another submission or round cannot be marked.
    with_bad = rops.ReviewError
    other = next(s for s in sub.round_assignments() if s.round == 2 and s.id != a.id)
    rops.respond(other.expert.user, other, "accept")
    try:
        rops.save_opinion(other.expert.user, other, {"checks": {"999999": {"status": "done"}}})
        raise AssertionError("an unknown item was accepted")
    except with_bad as exc:
        assert exc.code == "unknown_item"
    db.session.rollback()


def test_aggregation_page_shows_the_marks_per_item(client, auth, loop):
    sub, _ = _round_two(loop)
    items = sops.opinion_items(sub, 1)
    done_item = next(c for c in items if "含糖" in c.text)
    for n, a in enumerate(s for s in sub.round_assignments() if s.round == 2):
        rops.respond(a.expert.user, a, "accept")
        rops.save_opinion(a.expert.user, a, {"recommendation": "approve", "summary": "同意",
                                             "checks": {done_item.id: {"status": "done" if n else "not_done",
                                                                       "note": f"备注{n}"}}}, submit=True)
    db.session.commit()
    auth.login("office")
    page = client.get(f"/office/submissions/{sub.id}/decide").get_data(as_text=True)
    section = page[page.index('id="item-marks"'):]
    assert "已落实" in section and "未落实" in section and "备注0" in section and "备注1" in section


def test_basis_documents_stay_attached_in_round_two_unless_left_out(loop):
    sub = loop["sub"]
    v1 = sub.current_version
    from review.submissions.models import FileKind

    sops._add_files(v1, [sops._save(fs(b"%PDF-1.4 " + name.encode(), name), FileKind.basis)
                         for name in ("依据一.pdf", "依据二.pdf")])
    db.session.commit()
    drop = next(f.id for f in v1.files if f.filename == "依据二.pdf")
    sub, _ = _round_two(loop, basis=[fs(b"%PDF-1.4 new basis", "新依据.pdf")], drop=[drop])
    names = sorted(f.filename for f in sub.current_version.files if f.kind is FileKind.basis)
    assert names == ["依据一.pdf", "新依据.pdf"]
    assert any(f.kind is FileKind.letter for f in sub.current_version.files)


def test_revision_names_every_missing_response_at_once_in_the_sheets_order(client, auth, loop):
    sub, _ = loop["sub"], None
    canteen = next(c for c in sub.current_version.clauses if "食堂" in c.text)
    smoking = next(c for c in sub.current_version.clauses if "控烟" in c.text)
    for a in sub.round_assignments():
        # Comment on the later clause first: the items must still follow the draft's order.
        rops.save_opinion(a.expert.user, a, {"recommendation": "modify", "summary": "需修改", "comments": [
            {"clause": smoking.key, "text": "控烟意见"}, {"clause": canteen.key, "text": "食堂意见"}]}, submit=True)
    rops.decide(loop["office"], sub, "modify")
    db.session.commit()
    items = sops.opinion_items(sub, 1)
    assert [c.clause.ordinal for c in items] == sorted(c.clause.ordinal for c in items)
    auth.login("edu")
    page = client.post(f"/submissions/{sub.id}/revise", data={"draft": (fs(docx_bytes(REVISED_LINES), "稿.docx").stream, "稿.docx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    flagged = re.findall(r'class="response has-error" id="item-(\d+)"', page)
    assert sorted(map(int, flagged)) == sorted(c.id for c in items)
