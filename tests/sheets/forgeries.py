"""Forged sheet PDFs, built the way an outsider would: an incremental update over a genuine sheet,
a new PDF carrying a genuine sheet's payload, a FlateDecode xref-stream bomb."""
from __future__ import annotations

import base64
import io
import json
import zlib

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from review.sheets import signing
from review.sheets.content import SheetView, qr_png
from review.sheets.render_pdf import encode_payload, register_font, render_pdf
from review.sheets.wording import sheet_wording


def payload_of(sheet) -> str:
    return encode_payload(sheet.facts, sheet.signature, sheet.key_id, signing.ALGORITHM)


def overlay_update(pdf: bytes, lines: list[tuple[float, float, str]], cover: list[tuple[float, float, float, float]]) -> bytes:
    """Append an incremental update to ``pdf`` that paints white boxes over ``cover`` (x, y, w, h)
    and draws ``lines`` (x, y, text) on page 1; the original bytes stay untouched."""
    from pypdf import PdfReader, PdfWriter

    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4)
    canvas.setFillColorRGB(1, 1, 1)
    for x, y, w, h in cover:
        canvas.rect(x, y, w, h, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(register_font(), 12)
    for x, y, text in lines:
        canvas.drawString(x, y, text)
    canvas.save()
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    writer.pages[0].merge_page(PdfReader(io.BytesIO(buf.getvalue())).pages[0])
    writer.add_metadata({"/Producer": "PDF editor"})  # the update's trailer points at the payload again
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert data.startswith(pdf) and len(data) > len(pdf)  # an update appended, as a tool would
    return data


def rerender(facts: dict, payload: str, code: str = "ABCD-EFGH-JKMN") -> bytes:
    """A new PDF in the sheet's own layout showing ``facts`` and carrying ``payload``."""
    view = SheetView(facts, sheet_wording(), code)
    return render_pdf(view, qr_png("http://example.invalid/verify"), payload)


def xref_bomb(inflated_mb: int = 600) -> bytes:
    """A small PDF whose cross-reference stream inflates to ``inflated_mb`` MB of zeros."""
    comp = zlib.compressobj(9)
    chunk = b"\0" * (1 << 20)
    stream = b"".join(comp.compress(chunk) for _ in range(inflated_mb)) + comp.flush()
    head = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"
    obj1 = b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    obj2 = b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    off3 = len(head) + len(obj1) + len(obj2)
    obj3 = (b"3 0 obj\n<< /Type /XRef /Size 4 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length "
            + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream\nendobj\n")
    return head + obj1 + obj2 + obj3 + b"startxref\n" + str(off3).encode() + b"\n%%EOF\n"


def edited_payload(payload: str, **changes) -> str:
    body = json.loads(base64.b64decode(payload))
    body["facts"] = dict(body["facts"], **changes)
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.b64encode(raw).decode()
