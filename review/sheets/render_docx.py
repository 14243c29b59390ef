"""The sheet as .docx (python-docx), Chinese fonts set for East Asian text."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .content import SheetView

EAST_ASIA_FONT = "宋体"
TITLE_FONT = "方正小标宋简体"


def _font(run, name: str = EAST_ASIA_FONT, size: float = 12, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _para(doc, text: str, size: float = 12, bold: bool = False, center: bool = False, font: str = EAST_ASIA_FONT):
    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(text), font, size, bold)
    return p


def _table(doc, rows: list[list[str]], header: bool = False, widths: list[float] | None = None):
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.text = ""
            _font(cell.paragraphs[0].add_run(str(value)), size=10.5, bold=header and r == 0)
            if widths:
                cell.width = Mm(widths[c])
    return table


def render_docx(view: SheetView, qr_png: bytes) -> bytes:
    f, w, L = view.facts, view.wording, view.labels
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(26)
    _para(doc, f["committee"], 14, center=True)
    _para(doc, w["title"], 22, bold=True, center=True, font=TITLE_FONT)
    _para(doc, f["serial"], 14, center=True)
    _para(doc, w["headings"]["basic"], 14, bold=True)
    _table(doc, [[k, v] for k, v in view.basic_rows()], widths=[40, 118])
    _para(doc, w["headings"]["panel"], 14, bold=True)
    _para(doc, view.panel_text())
    _para(doc, w["headings"]["opinions"], 14, bold=True)
    if f["items"]:
        rows = [[L["clause"], L["opinion"], L["suggestion"]]]
        rows += [[i["clause_path"], i["opinion"], i["suggestion"]] for i in f["items"]]
        _table(doc, rows, header=True, widths=[38, 60, 60])
    else:
        _para(doc, L["no_opinions"])
    _para(doc, w["headings"]["conclusion"], 14, bold=True)
    for label, value in view.conclusion_rows():
        _para(doc, f"{label}：{value}", 12, bold=label == L["conclusion"])
    _para(doc, w["headings"]["fingerprint"], 14, bold=True)
    _para(doc, f"{L['draft_sha256']}：{f['draft_sha256'] or '—'}", 9)
    _para(doc, f"{L['text_sha256']}：{f['text_sha256'] or '—'}", 9)
    _para(doc, w["headings"]["verification"], 14, bold=True)
    doc.add_picture(io.BytesIO(qr_png), width=Mm(32))
    _para(doc, f"{L['verify_url']}：{f['verify_url']}", 10)
    _para(doc, f"{L['verify_code']}：{view.code}", 12, bold=True)
    _para(doc, L["verify_note"], 9)
    _para(doc, f"{f['committee']}{L['seal']}")
    _para(doc, f"{L['issued_on']}：{f['issued_on']}")
    doc.core_properties.title = w["title"]
    doc.core_properties.subject = f["serial"]
    doc.core_properties.author = f["committee"]
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
