"""The sheet as PDF (reportlab), with an embedded CJK font and the signed facts.

The facts and their signature travel inside the PDF's document information dictionary
(key /HiAPSheet, base64 of a JSON object), so the file can be checked offline. A second entry,
/HiAPFileSeal, seals the file's bytes (see ``seal`` and ``seal_digest``): any byte changed or added
after issue breaks it.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import threading

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFInfo, PDFString
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from .content import SheetView
from .signing import FILE_SEAL_PLACEHOLDER

PAYLOAD_KEY = "HiAPSheet"
SEAL_MARKER = b"/HiAPFileSeal ("
FONT_NAME = "HiAPSheetCJK"
# TrueType (glyf) fonts with CJK glyphs; reportlab cannot embed CFF-based OpenType (.otf) fonts.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)
_font_lock = threading.Lock()
_registered: dict[str, str] = {}


class SheetFontError(RuntimeError):
    """No usable font with Chinese glyphs."""


def find_font(configured: str = "") -> str:
    if configured:
        if not os.path.isfile(configured):
            raise SheetFontError(f"SHEET_FONT={configured!r} does not exist")
        return configured
    for path in FONT_CANDIDATES:
        if os.path.isfile(path):
            return path
    raise SheetFontError("no TrueType font with Chinese glyphs was found: install fonts-wqy-zenhei "
                         "or set REVIEW_SHEET_FONT to a .ttf/.ttc file")


def register_font(configured: str = "") -> str:
    """Register the CJK font once per process; returns the reportlab font name."""
    path = find_font(configured)
    with _font_lock:
        if path in _registered:
            return _registered[path]
        name = f"{FONT_NAME}{len(_registered)}"
        try:
            font = TTFont(name, path, subfontIndex=0) if path.lower().endswith(".ttc") else TTFont(name, path)
        except Exception as exc:  # reportlab raises bare TTFError/AssertionError on unusable fonts
            raise SheetFontError(f"cannot use {path} for the sheet: {exc}") from None
        if font.face.charToGlyph.get(ord("审")) in (None, 0):
            raise SheetFontError(f"{path} has no Chinese glyphs")
        pdfmetrics.registerFont(font)
        _registered[path] = name
        return name


class _PayloadInfo(PDFInfo):
    payload = ""
    sealed = False

    def format(self, document):
        base = PDFInfo.format(self, document)
        entries = {PAYLOAD_KEY: PDFString(self.payload)}
        if self.sealed:
            entries["HiAPFileSeal"] = PDFString(FILE_SEAL_PLACEHOLDER.decode("ascii"))
        extra = PDFDictionary(entries).format(document)
        # Merge the two dictionaries: "<< a >>" + "<< b >>" -> "<< a b >>".
        return base.rstrip()[:-2] + extra.strip()[2:]


def encode_payload(facts: dict, signature: str, key_id: str, algorithm: str) -> str:
    body = {"facts": facts, "signature": signature, "key_id": key_id, "alg": algorithm}
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def decode_payload(text: str | bytes) -> dict:
    if isinstance(text, str):
        text = text.encode("ascii", "ignore")
    data = json.loads(base64.b64decode(text, validate=True).decode("utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("facts"), dict):
        raise ValueError("the embedded payload has no facts")
    return data


def seal_digest(pdf: bytes) -> tuple[bytes, bytes] | None:
    """(SHA-256 of the file with the seal's place filled with the placeholder, the seal found
    there); None when the file has no seal or more than one."""
    if pdf.count(SEAL_MARKER) != 1:
        return None
    start = pdf.index(SEAL_MARKER) + len(SEAL_MARKER)
    end = start + len(FILE_SEAL_PLACEHOLDER)
    if pdf[end:end + 1] != b")":
        return None
    return hashlib.sha256(pdf[:start] + FILE_SEAL_PLACEHOLDER + pdf[end:]).digest(), pdf[start:end]


def seal(pdf: bytes, sign) -> bytes:
    """Fill the seal's place with ``sign(digest)`` (a base64 signature of the placeholder's length)."""
    digest, _ = seal_digest(pdf)
    signature = sign(digest).encode("ascii")
    assert len(signature) == len(FILE_SEAL_PLACEHOLDER)
    start = pdf.index(SEAL_MARKER) + len(SEAL_MARKER)
    return pdf[:start] + signature + pdf[start + len(signature):]


def read_payload(pdf: bytes) -> dict | None:
    """The embedded {facts, signature, key_id, alg} of a sheet PDF, or None when absent/unreadable."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.psparser import PSException
    from pdfminer.pdftypes import resolve1

    try:
        document = PDFDocument(PDFParser(io.BytesIO(pdf)))
        for info in document.info:
            raw = resolve1(info.get(PAYLOAD_KEY))
            if raw:
                return decode_payload(raw)
    except (PSException, ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError):
        return None
    return None


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=30, alignment=1, spaceAfter=4),
        "serial": ParagraphStyle("serial", parent=base, alignment=1, spaceAfter=10),
        "h": ParagraphStyle("h", parent=base, fontSize=13, leading=20, spaceBefore=10, spaceAfter=4),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=14),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12, textColor=colors.HexColor("#444444")),
        "strong": ParagraphStyle("strong", parent=base, fontSize=12, leading=19),
    }


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _grid(rows, widths, header: bool = False) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
             ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    table.setStyle(TableStyle(style))
    return table


def render_pdf(view: SheetView, qr_png: bytes, payload: str, font_path: str = "", sign_file=None) -> bytes:
    """The sheet; with ``sign_file`` (digest -> base64 signature) the file is sealed."""
    font = register_font(font_path)
    st = _styles(font)
    w = view.wording
    L = w["labels"]
    width = A4[0] - 40 * mm
    story = [_p(view.facts["committee"], st["serial"]), _p(w["title"], st["title"]),
             _p(view.facts["serial"], st["serial"])]
    story.append(_p(w["headings"]["basic"], st["h"]))
    story.append(_grid([[_p(k, st["cell"]), _p(v, st["cell"])] for k, v in view.basic_rows()],
                       [35 * mm, width - 35 * mm]))
    story.append(_p(w["headings"]["panel"], st["h"]))
    story.append(_p(view.panel_text(), st["base"]))
    story.append(_p(w["headings"]["opinions"], st["h"]))
    if view.facts["items"]:
        rows = [[_p(L["clause"], st["cell"]), _p(L["opinion"], st["cell"]), _p(L["suggestion"], st["cell"])]]
        for item in view.facts["items"]:
            rows.append([_p(item["clause_path"], st["cell"]), _p(item["opinion"], st["cell"]),
                         _p(item["suggestion"], st["cell"])])
        story.append(_grid(rows, [38 * mm, (width - 38 * mm) / 2, (width - 38 * mm) / 2], header=True))
    else:
        story.append(_p(L["no_opinions"], st["base"]))
    story.append(_p(w["headings"]["conclusion"], st["h"]))
    for label, value in view.conclusion_rows():
        story.append(_p(f"{label}：{value}", st["strong"] if label == L["conclusion"] else st["base"]))
    story.append(_p(w["headings"]["fingerprint"], st["h"]))
    story.append(_p(f"{L['draft_sha256']}：{view.facts['draft_sha256'] or '—'}", st["small"]))
    story.append(_p(f"{L['text_sha256']}：{view.facts['text_sha256'] or '—'}", st["small"]))
    qr = Image(io.BytesIO(qr_png), width=32 * mm, height=32 * mm)
    text = [_p(f"{L['verify_url']}：{view.facts['verify_url']}", st["small"]),
            _p(f"{L['verify_code']}：{view.code}", st["strong"]),
            _p(w["labels"]["verify_note"], st["small"])]
    story.append(KeepTogether([
        _p(w["headings"]["verification"], st["h"]),
        Table([[qr, text]], colWidths=[36 * mm, width - 36 * mm], style=[("VALIGN", (0, 0), (-1, -1), "TOP")]),
        Spacer(1, 8 * mm),
        _p(f"{view.facts['committee']}{w['labels']['seal']}", st["base"]),
        _p(f"{L['issued_on']}：{view.facts['issued_on']}", st["base"]),
    ]))

    def canvas_maker(*args, **kwargs):
        canvas = Canvas(*args, **kwargs)
        info = _PayloadInfo()
        info.payload = payload
        info.sealed = sign_file is not None
        canvas._doc.info = info
        return canvas

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=18 * mm, title=w["title"], author=view.facts["committee"],
                            subject=view.facts["serial"], creator="HiAP Review")

    def footer(canvas, doc_):
        canvas.setFont(font, 8)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"{view.facts['serial']}  ·  {doc_.page}")

    doc.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=canvas_maker)
    return buf.getvalue() if sign_file is None else seal(buf.getvalue(), sign_file)
