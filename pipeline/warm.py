"""Imported once by the warm parent of the parse children (see isolate.py): it imports every reader
and parses one tiny document of each format, so the lazy loads (rubrics, compiled lexicon, CMaps,
the OpenCC tables, python-docx's package machinery) happen here and not in every child.

A child forked from this parent starts with all of it in memory (copy-on-write), so a parse costs
only the parse."""
from __future__ import annotations

import gc
import io


def _tiny_pdf() -> bytes:
    """One page in the non-embedded CID font STSong-Light (UniGB-UCS2-H), the usual CJK case."""
    lines = ["测试市健康促进工作方案", "一、总体要求", "第一条 为了保障公众健康，学校应当开展健康教育。"]
    text = b"BT /F1 12 Tf 72 760 Td 16 TL"
    for line in lines:
        text += b" <" + line.encode("utf-16-be").hex().upper().encode() + b"> Tj T*"
    text += b" ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe)"
        b" /Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0"
        b" /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def _tiny_docx() -> bytes:
    from docx import Document
    doc = Document()
    for text in ("测试市健康促进工作方案", "一、总体要求", "推进无烟环境建设，倡导健康生活方式。"):
        doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def quiet_pdfminer() -> None:
    """pdfminer calls ``log.debug`` for every token and glyph it reads (about 4,500 calls a page);
    with debug logging off each call still costs a method call and a level check, 5 % of a parse.
    The children never log at debug level, so their pdfminer loggers get a no-op ``debug``."""
    import logging

    import pdfminer.pdfinterp  # noqa: F401  (the readers' modules, so that their loggers exist)

    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if name.startswith("pdfminer") and isinstance(logger, logging.Logger) \
                and not logger.isEnabledFor(logging.DEBUG):
            logger.debug = _no_debug


def _no_debug(*_args, **_kwargs) -> None:
    return None


def warm_up() -> list[str]:
    """Parse one document of each format; returns their statuses (for a check, not for use)."""
    from .run import run_bytes
    samples = [("plan.txt", "测试市健康促进工作方案\n一、总体要求\n推进全民健身，降低吸烟率。\n".encode()),
               ("plan.docx", _tiny_docx()), ("plan.pdf", _tiny_pdf())]
    return [run_bytes(data, name).status for name, data in samples]


STATUSES = warm_up()
quiet_pdfminer()
# Objects alive now are never freed: keep the collector from touching (and copying) their pages
# in every forked child.
gc.freeze()
