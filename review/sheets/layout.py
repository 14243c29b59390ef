"""The sheet's page, after GB/T 9704-2012 as far as it applies to an opinion letter.

A4, 版心 156 × 225 mm (top 37 mm, left 28 mm); body 3号 (16 pt) serif, 22 lines of 28 characters;
the red 版头 (committee name, serial, red rule), the title in 2号, 主送, the body with 一、/（一）
headings, 署名 and 成文日期 with the electronic seal over them, 附注, page numbers "— 1 —" in 4号
(odd pages right, even pages left). The verification block (QR, URL, code) closes the sheet.
"""
from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, Image, KeepTogether, PageTemplate, Spacer, Table, TableStyle

from .content import SheetView, cn_number, zh_date
from .fonts import font_file, register_fonts
from .typeset import CJKParagraph, seal_png

RED = colors.HexColor("#D40000")
TOP, LEFT, RIGHT = 37 * mm, 28 * mm, 26 * mm
BODY_H = 225 * mm
BOTTOM = A4[1] - TOP - BODY_H
BODY = 16  # 3号
LEADING = BODY_H / 22  # 22 lines a page
SMALL = 10.5  # 五号: 附注 and the verification block
SEAL_MM = 40


class RedRule(Flowable):
    def __init__(self, space_before: float, space_after: float):
        super().__init__()
        self.spaceBefore, self.spaceAfter = space_before, space_after

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, 1.5
        return self.width, self.height

    def draw(self):
        self.canv.setStrokeColor(RED)
        self.canv.setLineWidth(1.2)
        self.canv.line(0, 0.75, self.width, 0.75)


class Signature(Flowable):
    """署名 centred over 成文日期, the date 4 characters from the right; the seal over both."""

    def __init__(self, name: str, date_text: str, font: str, seal: bytes | None):
        super().__init__()
        self.name, self.date_text, self.font, self.seal = name, date_text, font, seal
        self.spaceBefore = LEADING * 2

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, LEADING * 2
        return self.width, self.height

    def draw(self):
        from reportlab.pdfbase.pdfmetrics import stringWidth

        c = self.canv
        date_w = stringWidth(self.date_text, self.font, BODY)
        date_right = self.width - 4 * BODY
        centre = date_right - date_w / 2
        c.setFont(self.font, BODY)
        c.drawCentredString(centre, LEADING + (LEADING - BODY) / 2, self.name)
        c.drawRightString(date_right, (LEADING - BODY) / 2, self.date_text)
        if self.seal:
            size = SEAL_MM * mm
            c.drawImage(ImageReader(io.BytesIO(self.seal)), centre - size / 2, LEADING - size / 2, size, size,
                        mask="auto")


def _page_callback(view: SheetView, font: str, preview: bool):
    doc_words = view.doc

    def on_page(canvas, doc_):
        canvas.saveState()
        if preview:
            canvas.setFillColor(colors.Color(0.6, 0.6, 0.6, alpha=0.35))
            canvas.setFont(font, 64)
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(40)
            canvas.drawCentredString(0, 0, doc_words["preview"])
            canvas.restoreState()
            canvas.saveState()
        number = doc_words["page_number"].format(n=doc_.page)
        canvas.setFont(font, 14)  # 4号
        y = BOTTOM - 7 * mm - 14
        if doc_.page % 2:
            canvas.drawRightString(A4[0] - RIGHT - 14, y, number)
        else:
            canvas.drawString(LEFT + 14, y, number)
        canvas.restoreState()

    return on_page


def build_story(view: SheetView, f: dict, qr: bytes, preview: bool) -> list:
    """The flowables of the sheet; ``f``: {role: reportlab font name}."""
    facts, d, L = view.facts, view.doc, view.labels
    bold = 0.5 if f["title"] == f["body"] else 0  # the serial face stroked: a heavier 宋 for the title

    heads: list[tuple[str, str]] = []  # headings waiting for the paragraph they head

    def body(text, **kw):
        kw.setdefault("first_indent_chars", 2)
        para = CJKParagraph(text, f["body"], BODY, LEADING, heads=heads[:], **kw)
        heads.clear()
        return para

    def h1(n, text):
        heads.append((f"{cn_number(n)}、{text}", f["heading"]))
        return []

    def h2(n, text):
        heads.append((f"（{cn_number(n)}）{text}", f["kai"]))
        return []

    serial = facts.get("serial") or d["no_serial"]
    story = [
        Spacer(1, 20 * mm),
        CJKParagraph(facts["committee"], f["title"], 30, 40, align="center", color=RED, stroke=bold and 0.9),
        CJKParagraph(serial, f["body"], BODY, LEADING, align="center", space_before=LEADING),
        RedRule(4 * mm, LEADING),
        CJKParagraph(view.title_text(), f["title"], 22, 22 * 1.45, align="center", stroke=bold,
                     space_after=LEADING),
        CJKParagraph(view.addressee(), f["body"], BODY, LEADING),
        body(view.opening()),
    ]
    n = 1
    story += [*h1(n, d["basic_heading"]), body(view.basic_text())]
    summaries = view.summaries()
    if summaries:
        n += 1
        story += [*h1(n, d["summaries_heading"]), body(d["summaries_intro"])]
        story += [body(f"{k}. {text}") for k, text in enumerate(summaries, 1)]
    n += 1
    h1(n, d["opinions_heading"])
    if facts["items"]:
        for k, item in enumerate(facts["items"], 1):
            story += [*h2(k, view.item_heading(item)), body(f"{d['opinion']}：{item['opinion']}")]
            if item.get("suggestion"):
                story.append(body(f"{d['suggestion']}：{item['suggestion']}"))
    else:
        story.append(body(d["no_opinions"]))
    n += 1
    ending = [*h1(n, d["conclusion_heading"]), body(view.conclusion_text())]
    if facts.get("reason"):
        ending.append(body(f"{L['reason']}：{facts['reason']}"))
    if view.supersedes_text():
        ending.append(body(view.supersedes_text()))
    ending.append(body(d["closing"]))
    seal = seal_png(facts["committee"], font_file(f["title"]), d["preview"].split()[0] if preview else d["seal"])
    note = CJKParagraph(f"（{d['note']}：{view.fingerprints_text()}）", f["body"], SMALL, SMALL * 1.6,
                        first_indent_chars=2, space_before=SEAL_MM * mm / 2 - LEADING / 2)  # clear of the seal
    # The signature never stands alone: it keeps the conclusion's paragraphs (and the 附注) with it.
    story.append(KeepTogether(ending + [Signature(facts["committee"], zh_date(facts["issued_on"]), f["body"], seal),
                                        note]))
    story.append(_verification(view, f, qr))
    return story


def seal_image(view: SheetView, fonts: dict | str = "", preview: bool = False) -> bytes:
    """The electronic seal of the sheet's committee (also placed in the .docx)."""
    f = register_fonts(fonts)
    return seal_png(view.facts["committee"], font_file(f["title"]),
                    view.doc["preview"].split()[0] if preview else view.doc["seal"])


def _verification(view: SheetView, f: dict, qr: bytes) -> Flowable:
    facts, d, L = view.facts, view.doc, view.labels
    width = A4[0] - LEFT - RIGHT
    small = dict(font=f["body"], size=SMALL, leading=SMALL * 1.6)
    url = facts.get("verify_url") or d["no_url"]
    text = [CJKParagraph(d["verification_heading"], f["heading"], SMALL, SMALL * 1.6),
            CJKParagraph(f"{L['verify_url']}：{url}", **small),
            CJKParagraph(f"{L['verify_code']}：{view.code or '—'}", f["heading"], 12, 18),
            CJKParagraph(L["verify_note"], **small)]
    cells = [[Image(io.BytesIO(qr), width=30 * mm, height=30 * mm) if qr else Spacer(1, 30 * mm), text]]
    table = Table(cells, colWidths=[34 * mm, width - 34 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), f["body"], SMALL),
                               ("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                               ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    return KeepTogether([Spacer(1, LEADING / 2), table])


def build_document(buf, view: SheetView, qr: bytes, fonts: dict | str, canvas_maker, preview: bool = False) -> None:
    f = register_fonts(fonts)
    facts = view.facts
    doc = BaseDocTemplate(buf, pagesize=A4, leftMargin=LEFT, rightMargin=RIGHT, topMargin=TOP,
                          bottomMargin=BOTTOM, title=view.title_text().replace("\n", ""),
                          author=facts["committee"], subject=facts.get("serial") or "", creator="HiAP Review")
    # No frame padding: the 版心 holds exactly 22 lines.
    frame = Frame(LEFT, BOTTOM, A4[0] - LEFT - RIGHT, BODY_H, leftPadding=0, rightPadding=0, topPadding=0,
                  bottomPadding=0, id="body")
    doc.addPageTemplates([PageTemplate(id="sheet", frames=[frame], onPage=_page_callback(view, f["body"], preview))])
    doc.build(build_story(view, f, qr, preview), canvasmaker=canvas_maker)
