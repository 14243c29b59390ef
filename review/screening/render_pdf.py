"""The 初筛表 as PDF (reportlab), with the CJK font the opinion sheet embeds."""
from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer

from ..sheets.fonts import register_font
from .layout import _grid, _p, _styles
from .render_docx import reason_lines


def render_pdf(facts: dict, font_path: str = "") -> bytes:
    font = register_font(font_path)
    st = _styles(font)
    L = facts["labels"]
    width = A4[0] - 40 * mm
    story = [_p(facts["title"], st["title"])]
    if not facts["final"]:
        story.append(_p(L["draft_note"], st["serial"]))
    story.append(_grid([[_p(k, st["cell"]), _p(v, st["cell"])] for k, v in facts["header"]],
                       [35 * mm, width - 35 * mm]))
    story.append(Spacer(1, 5 * mm))
    rows = [[_p(L[k], st["cell"]) for k in ("number", "question", "answer", "reasons")]]
    for n, q in enumerate(facts["questions"], 1):
        rows.append([_p(str(n), st["cell"]), _p(q["topic"], st["cell"]), _p(q["answer"], st["cell"]),
                     _p("\n".join(reason_lines(q)) or "—", st["cell"])])
    story.append(_grid(rows, [12 * mm, 42 * mm, 16 * mm, width - 70 * mm], header=True))
    story.append(Spacer(1, 4 * mm))
    story.append(_p(f"{L['impact']}：{facts['level_text']}", st["strong"]))
    if facts["populations"]:
        story.append(_p(f"{L['populations']}：{'、'.join(facts['populations'])}", st["base"]))
    signatures = [Spacer(1, 8 * mm)]
    for line in (L["signer"], L["reviewer"], L["office"]):
        signatures += [_p(f"{line}：________________　　{L['sign_date']}", st["base"]), Spacer(1, 6 * mm)]
    story.append(KeepTogether(signatures))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=18 * mm, title=facts["title"], subject=facts["header"][0][1],
                            creator="HiAP Review")
    doc.build(story)
    return buf.getvalue()
