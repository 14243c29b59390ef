"""pipeline.pdfinspect in its child: what a sheet check reads, and refusals within the limits."""
from __future__ import annotations

import io
import zlib

from reportlab.pdfgen.canvas import Canvas

from pipeline.isolate import inspect_pdf_isolated
from pipeline.pdfinspect import structure


def _pdf(text: str = "hello") -> bytes:
    buf = io.BytesIO()
    canvas = Canvas(buf)
    canvas.drawString(100, 700, text)
    canvas.save()
    return buf.getvalue()


def test_reads_text_and_counts_one_revision(tmp_path):
    path = tmp_path / "a.pdf"
    path.write_bytes(_pdf("written once"))
    out = inspect_pdf_isolated(path, timeout=30)
    assert out["error"] == "" and "written once" in out["text"] and out["pages"] == 1
    s = out["structure"]
    assert (s["eof_markers"], s["startxref"], s["xref_tables"], s["prev_links"], s["trailing_bytes"]) == (1, 1, 1, 0, 0)


def test_appended_revision_is_counted():
    data = _pdf()
    appended = data + b"9 0 obj\n<< >>\nendobj\nxref\n9 1\n0000000000 00000 n \ntrailer\n<< /Prev 10 >>\nstartxref\n1\n%%EOF\n"
    s = structure(appended)
    assert s["eof_markers"] == 2 and s["startxref"] == 2 and s["xref_tables"] == 2 and s["prev_links"] == 1
    assert structure(data + b"junk")["trailing_bytes"] == 4


def test_not_a_pdf_and_bomb_are_refused(tmp_path):
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"\x00\x01 random bytes")
    assert inspect_pdf_isolated(junk, timeout=30)["error"] == "not a PDF file"
    comp = zlib.compressobj(9)
    stream = b"".join(comp.compress(b"\0" * (1 << 20)) for _ in range(400)) + comp.flush()
    bomb = (b"%PDF-1.5\n1 0 obj\n<< /Type /XRef /Size 2 /W [1 4 2] /Filter /FlateDecode /Length "
            + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream\nendobj\nstartxref\n9\n%%EOF\n")
    path = tmp_path / "bomb.pdf"
    path.write_bytes(bomb)
    out = inspect_pdf_isolated(path, timeout=30, memory=200 * 1024 * 1024)
    assert set(out) == {"code", "error"} and out["code"] == "memory", out
