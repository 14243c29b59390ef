"""The impact level and the reasons of each answer are shown where the screening is shown."""
import io
import re

from review.extensions import db
from review.submissions.models import Submission
from tests.docs import LETTER, docx_bytes


def _visible(html: str) -> str:
    """The page's text as read: content is wrapped in lang-marked spans (review/i18n.py content)."""
    return re.sub(r"</?span[^>]*>", "", html)


def test_preview_and_office_page_show_level_and_reasons(client, auth, make, app):
    make.user("department", username="edu", department="教育局")
    make.user("office", username="office")
    auth.login("edu")
    response = client.post("/submissions/new", data={
        "title": "校园健康促进行动实施方案", "policy_type": "normative", "stage": "drafting",
        "letter": (io.BytesIO(LETTER), "公函.txt"), "draft": (io.BytesIO(docx_bytes()), "方案.docx")},
        content_type="multipart/form-data")
    preview = _visible(client.get(response.headers["Location"]).get_data(as_text=True))
    reason = "二、（一） 加强学校食堂食品安全管理 → 食品安全 → 环境与食品暴露（儿童青少年）"
    assert "影响程度" in preview and "重大：专家组全面审查" in preview
    assert reason in preview
    client.post(response.headers["Location"], data={"action": "confirm"})
    sub = db.session.scalar(db.select(Submission))
    auth.logout()
    auth.login("office")
    page = _visible(client.get(f"/office/submissions/{sub.id}").get_data(as_text=True))
    assert "重大：专家组全面审查" in page and reason in page
    assert "Major health impact" not in page  # the Chinese interface has no English label


def test_stored_screening_without_level_still_renders(client, auth, make, app):
    """Screenings stored before impact levels existed show the level their major_impact implies."""
    make.user("department", username="edu", department="教育局")
    make.user("office", username="office")
    auth.login("edu")
    response = client.post("/submissions/new", data={
        "title": "校园健康促进行动实施方案", "policy_type": "normative", "stage": "drafting",
        "letter": (io.BytesIO(LETTER), "公函.txt"), "draft": (io.BytesIO(docx_bytes()), "方案.docx")},
        content_type="multipart/form-data")
    client.post(response.headers["Location"], data={"action": "confirm"})
    sub = db.session.scalar(db.select(Submission))
    version = sub.current_version
    old = {k: v for k, v in version.screening.items() if k != "impact_level"}
    old["questions"] = [{k: v for k, v in q.items() if k != "reasons"} for q in old["questions"]]
    version.screening = old
    db.session.commit()
    auth.logout()
    auth.login("office")
    page = client.get(f"/office/submissions/{sub.id}")
    assert page.status_code == 200
    assert ("重大：专家组全面审查" if old["major_impact"] else "无明显健康影响") in page.get_data(as_text=True)
