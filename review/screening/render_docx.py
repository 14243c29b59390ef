"""The 初筛表 as .docx (python-docx), East Asian fonts set as in the opinion sheet."""
from __future__ import annotations

import io

from docx import Document
from docx.shared import Mm

from .layout import TITLE_FONT, _para, _table


def reason_lines(q: dict) -> list[str]:
    """Each reason as printed: '第五条“…” — 扩大夜间营业时间 → 噪声与睡眠 → 周边居民'."""
    out = []
    for r in q.get("reasons") or []:
        citation, text = r.get("citation") or "", r.get("text") or ""
        out.append(f"{citation} — {text}" if citation and text else (citation or text))
    return [x for x in out if x]


def render_docx(facts: dict) -> bytes:
    L = facts["labels"]
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(26)
    _para(doc, facts["title"], 22, bold=True, center=True, font=TITLE_FONT)
    if not facts["final"]:
        _para(doc, L["draft_note"], 10, center=True)
    _table(doc, [[k, v] for k, v in facts["header"]], widths=[40, 118])
    _para(doc, "")
    rows = [[L["number"], L["question"], L["answer"], L["reasons"]]]
    for n, q in enumerate(facts["questions"], 1):
        rows.append([str(n), q["topic"], q["answer"], "\n".join(reason_lines(q)) or "—"])
    _table(doc, rows, header=True, widths=[12, 40, 16, 90])
    _para(doc, "")
    _para(doc, f"{L['impact']}：{facts['level_text']}", 12, bold=True)
    if facts["populations"]:
        _para(doc, f"{L['populations']}：{'、'.join(facts['populations'])}")
    for line in (L["signer"], L["reviewer"], L["office"]):
        _para(doc, f"{line}：________________    {L['sign_date']}")
    doc.core_properties.title = facts["title"]
    doc.core_properties.subject = facts["header"][0][1]
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
