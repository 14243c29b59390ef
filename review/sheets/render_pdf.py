"""The sheet PDF's signed payload and file seal (the page itself is laid out in layout.py).

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

from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFInfo, PDFString

from .fonts import FONT_CANDIDATES, SheetFontError, find_font, register_font, register_fonts  # noqa: F401  (public API)
from .layout import build_document
from .signing import FILE_SEAL_PLACEHOLDER

PAYLOAD_KEY = "HiAPSheet"
SEAL_MARKER = b"/HiAPFileSeal ("


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




def render_pdf(view, qr_png: bytes, payload: str, fonts: dict | str = "", sign_file=None,
               preview: bool = False) -> bytes:
    """The sheet; with ``sign_file`` (digest -> base64 signature) the file is sealed. ``fonts``:
    {role: font file} or one file for every role (empty: the installed defaults)."""
    from reportlab.pdfgen.canvas import Canvas

    body_font = register_fonts(fonts)["body"]

    def canvas_maker(*args, **kwargs):
        # The canvas's preamble names its initial face; the default (Helvetica) would be an unembedded font.
        canvas = Canvas(*args, **dict(kwargs, initialFontName=body_font))
        info = _PayloadInfo()
        info.payload = payload
        info.sealed = sign_file is not None
        canvas._doc.info = info
        return canvas

    buf = io.BytesIO()
    build_document(buf, view, qr_png, fonts, canvas_maker, preview=preview)
    return buf.getvalue() if sign_file is None else seal(buf.getvalue(), sign_file)
