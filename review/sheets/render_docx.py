"""The sheet as .docx (python-docx), laid out like the PDF (layout.py, GB/T 9704): the same faces
by name (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312 as East Asian fonts), red 版头, 主送,
numbered body, 署名 and Chinese date, 附注, verification block, page numbers "— 1 —"."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .content import SheetView, cn_number, zh_date
from .fonts import DOCX_FACES

RED = RGBColor(0xD4, 0x00, 0x00)
BODY = 16  # 3号
LINE = Pt(28.9)  # 22 lines in the 225 mm 版心


def _font(run, role: str = "body", size: float = BODY, color: RGBColor | None = None, bold: bool = False) -> None:
    name = DOCX_FACES[role]
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = name  # w:ascii / w:hAnsi
    if color is not None:
        run.font.color.rgb = color
    # Word picks Chinese text's face from w:eastAsia, which run.font.name does not set.
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _para(doc, text: str, role: str = "body", size: float = BODY, *, align=None, indent: bool = True,
          color=None, bold: bool = False, keep_next: bool = False, right_chars: float = 0):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing = LINE if size >= BODY else None
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if right_chars:
        fmt.right_indent = Pt(size * right_chars)
    fmt.keep_with_next = keep_next
    fmt.widow_control = True
    if align is not None:
        p.alignment = align
    else:
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _font(p.add_run(text), role, size, color, bold)
    return p


def _red_rule(doc) -> None:
    p = doc.add_paragraph()
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "12"), ("space", "1"), ("color", "D40000")):
        bottom.set(qn(f"w:{key}"), value)
    border.append(bottom)
    ppr.append(border)


def _page_numbers(section) -> None:
    """Footer "— PAGE —" in 4号 (a PAGE field, so Word numbers every page)."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run("— "), size=14)
    run = p.add_run()
    _font(run, size=14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)
    _font(p.add_run(" —"), size=14)


def official_document():
    """An empty document on GB/T 9704's page: A4, its margins (版心 156 × 225 mm), page numbers."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _page_numbers(section)
    return doc


def render_docx(view: SheetView, qr_png: bytes, seal_png: bytes | None = None) -> bytes:
    f, d, L = view.facts, view.doc, view.labels
    doc = official_document()
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "", indent=False)
    _para(doc, f["committee"], "title", 30, align=center, indent=False, color=RED)
    _para(doc, f.get("serial") or d["no_serial"], align=center, indent=False)
    _red_rule(doc)
    _para(doc, "", indent=False)
    for line in view.title_text().split("\n"):
        _para(doc, line, "title", 22, align=center, indent=False)
    _para(doc, "", indent=False)
    _para(doc, view.addressee(), indent=False)
    _para(doc, view.opening())
    n = 1
    _para(doc, f"{cn_number(n)}、{d['basic_heading']}", "heading", keep_next=True)
    _para(doc, view.basic_text())
    summaries = view.summaries()
    if summaries:
        n += 1
        _para(doc, f"{cn_number(n)}、{d['summaries_heading']}", "heading", keep_next=True)
        _para(doc, d["summaries_intro"])
        for k, text in enumerate(summaries, 1):
            _para(doc, f"{k}. {text}")
    n += 1
    _para(doc, f"{cn_number(n)}、{d['opinions_heading']}", "heading", keep_next=True)
    for k, item in enumerate(f["items"], 1):
        _para(doc, f"（{cn_number(k)}）{view.item_heading(item)}", "kai", keep_next=True)
        for line in f"{d['opinion']}：{item['opinion']}".split("\n"):
            _para(doc, line)
        if item.get("suggestion"):
            for line in f"{d['suggestion']}：{item['suggestion']}".split("\n"):
                _para(doc, line)
    if not f["items"]:
        _para(doc, d["no_opinions"])
    n += 1
    _para(doc, f"{cn_number(n)}、{d['conclusion_heading']}", "heading", keep_next=True)
    ending = [view.conclusion_text()]
    if f.get("reason"):
        ending.append(f"{L['reason']}：{f['reason']}")
    if view.supersedes_text():
        ending.append(view.supersedes_text())
    ending.append(d["closing"])
    for text in ending:
        _para(doc, text, keep_next=True)  # the signature stays with the conclusion
    _para(doc, "", indent=False, keep_next=True)
    if seal_png:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(BODY * 4)
        p.paragraph_format.keep_with_next = True
        p.add_run().add_picture(io.BytesIO(seal_png), width=Mm(30))
    date_text = zh_date(f["issued_on"])
    _para(doc, f["committee"], align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, right_chars=2, keep_next=True)
    _para(doc, date_text, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, right_chars=4)
    _para(doc, f"（{d['note']}：{view.fingerprints_text()}）", size=10.5)
    _para(doc, "", indent=False)
    _para(doc, d["verification_heading"], "heading", 10.5, indent=False, keep_next=True)
    if qr_png:
        doc.add_picture(io.BytesIO(qr_png), width=Mm(30))
    _para(doc, f"{L['verify_url']}：{f.get('verify_url') or d['no_url']}", size=10.5, indent=False)
    _para(doc, f"{L['verify_code']}：{view.code or '—'}", "heading", 12, indent=False)
    _para(doc, L["verify_note"], size=10.5, indent=False)
    doc.core_properties.title = view.title_text().replace("\n", "")
    doc.core_properties.subject = f.get("serial") or ""
    doc.core_properties.author = f["committee"]
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
