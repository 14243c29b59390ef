"""The parse preview: the heading outline as collapsible sections, clause numbers as people cite
them, determinant tags with a legend, and neither internal clause ids nor raw scores."""
from __future__ import annotations

import io
import re

from tests.docs import LETTER, docx_bytes

LINES = ["测试市控制吸烟条例", "第一章 总则",
         "第一条 为了减少吸烟造成的危害，保障公众健康，制定本条例。",
         "第二条 本市行政区域内公共场所、工作场所全面禁止吸烟。",
         "医疗机构应当开设戒烟门诊，为吸烟者提供戒烟服务。",
         "第二章 学校",
         "第三条 学校应当开展控烟健康教育：",
         "（一）将控烟知识纳入健康教育课程；",
         "（二）校园内全面禁止吸烟。"]


def visible(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def preview(client, auth, make, locale="zh_CN"):
    make.user("department", username="edu", department="教育局")
    auth.login("edu")
    response = client.post("/submissions/new", data={
        "title": "测试市控制吸烟条例", "policy_type": "normative", "stage": "drafting",
        "letter": (io.BytesIO(LETTER), "公函.txt"), "draft": (io.BytesIO(docx_bytes(LINES)), "条例.docx")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    with client.session_transaction() as session:
        session["locale"] = locale
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_preview_outline_citations_and_legend(client, auth, make):
    page = preview(client, auth, make)
    outline = page[page.index('<div class="outline">'):]
    # chapters are collapsible sections holding their articles
    assert re.search(r'<details open class="heading level-1" data-path="第一章"><summary lang="zh-CN"><span class="path">第一章</span>总则',
                     outline)
    chapter_two = outline.index('data-path="第二章"')
    assert outline.index("第一条") < outline.index("第二条") < chapter_two < outline.index("第三条")
    # numbers as people cite them: the article, then 第三条（一）, never the path "第二章/第三条/（一）"
    text = visible(outline)
    assert "第三条（一）" in text and "第二章/第三条" not in text
    # determinant tags and their legend
    legend = page[page.index("data-legend"):page.index('<div class="outline">')]
    assert "行为与生活方式" in legend
    assert re.search(r'class="tag det det-behaviour"[^>]*>烟草<', outline)
    # neither internal ids nor raw scores in what the reader sees
    assert not re.search(r"\bc\d{4}\b", visible(page))
    assert not re.search(r"\d+\.\d{2}\b", visible(page[page.index("<dl class=\"facts\">"):]))


def test_preview_in_english_has_no_chinese_labels_for_tags(client, auth, make):
    page = preview(client, auth, make, locale="en")
    legend = page[page.index("data-legend"):page.index('<div class="outline">')]
    assert "behaviour" in legend and "行为与生活方式" not in legend
    assert re.search(r'class="tag det det-behaviour"[^>]*>Tobacco<', page)


def test_screening_evidence_never_shows_internal_clause_ids(client, auth, make):
    import re

    from tests.docs import LETTER, docx_bytes
    from tests.workflow.test_pages import upload

    make.user("department", username="edu", department="教育局")
    auth.login("edu")
    response = client.post("/submissions/new", data={
        "title": "校园健康促进行动实施方案", "policy_type": "normative",
        "letter": upload(LETTER, "公函.txt"), "draft": upload(docx_bytes(), "方案.docx")},
        content_type="multipart/form-data")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    shown = re.sub(r"<[^>]+>", " ", page)
    assert not re.search(r"\bc\d{4}\b", shown)  # ids stay in anchors, never in the text
