"""What a PDF carries and what it shows, for checking a signed sheet: the document information
dictionaries (every revision's), the text of its pages and the marks of incremental updates.

Untrusted input: call it through ``isolate.inspect_pdf_isolated`` (a child with limits), never in a
web worker. ``python -P pipeline/pdfinspect.py FILE MEMORY CPU`` is that child (standalone: no
imports from this package).
"""
from __future__ import annotations

import io
import json
import re
import sys

MAX_PAGES = 50  # a sheet has a few pages; more is not a sheet
MAX_TEXT = 400_000
MAX_INFO_VALUE = 200_000

_EOF = re.compile(rb"%%EOF")
_STARTXREF = re.compile(rb"startxref\s+(\d+)")
_XREF_TABLE = re.compile(rb"(?:^|[\r\n])xref[\r\n ]")
_XREF_STREAM = re.compile(rb"/Type\s*/XRef\b")
_PREV = re.compile(rb"/Prev\s+\d+")


def structure(data: bytes) -> dict:
    """Marks of revisions appended after the first: a second %%EOF, startxref or xref section, a
    /Prev link, bytes after the last %%EOF. A file written once (as the sheets are) has none."""
    eofs = [m.end() for m in _EOF.finditer(data)]
    tail = data[eofs[-1]:] if eofs else data
    return {
        "size": len(data),
        "eof_markers": len(eofs),
        "startxref": len(_STARTXREF.findall(data)),
        "xref_tables": len(_XREF_TABLE.findall(data)),
        "xref_streams": len(_XREF_STREAM.findall(data)),
        "prev_links": len(_PREV.findall(data)),
        "trailing_bytes": len(tail.strip(b"\r\n\t \x00")),
        "first_eof": eofs[0] if eofs else 0,
    }


def _info_values(document, key: str) -> list[str]:
    from pdfminer.pdftypes import resolve1

    values = []
    for info in document.info:
        raw = resolve1(info.get(key)) if isinstance(info, dict) else None
        if isinstance(raw, bytes) and raw:
            values.append(raw[:MAX_INFO_VALUE].decode("latin-1"))
    return values


def inspect_pdf(path: str, info_key: str = "HiAPSheet") -> dict:
    """{structure, payloads: [info values of every revision], text, pages, error}."""
    from pdfminer.high_level import extract_text_to_fp
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.psexceptions import PSException

    with open(path, "rb") as fh:
        data = fh.read()
    out = {"structure": structure(data), "payloads": [], "text": "", "pages": 0, "error": ""}
    if not data.lstrip()[:5] == b"%PDF-":
        out["error"] = "not a PDF file"
        return out
    first = out["structure"]["first_eof"]
    if 0 < first < len(data):
        # The first revision (up to its %%EOF) is the file as written; a later revision may drop
        # or replace its information dictionary.
        try:
            out["payloads"] = _info_values(PDFDocument(PDFParser(io.BytesIO(data[:first]))), info_key)
        except Exception as exc:
            if isinstance(exc, MemoryError):
                raise
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        out["payloads"] = _info_values(document, info_key) + out["payloads"]
        from pdfminer.pdfpage import PDFPage

        out["pages"] = sum(1 for _ in PDFPage.create_pages(document))
        buf = io.StringIO()
        extract_text_to_fp(io.BytesIO(data), buf, laparams=LAParams(), maxpages=MAX_PAGES)
        out["text"] = buf.getvalue()[:MAX_TEXT]
    except (PSException, ValueError, KeyError, TypeError, AttributeError, IndexError, AssertionError) as exc:
        out["error"] = f"the PDF cannot be read ({type(exc).__name__})"
    except Exception as exc:  # pdfminer raises many ad-hoc types on malformed input
        if isinstance(exc, MemoryError):
            raise
        out["error"] = f"the PDF cannot be read ({type(exc).__name__})"
    return out


def child_main(argv: list[str]) -> int:
    import resource

    path, memory, cpu = argv[0], int(argv[1]), int(argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        result = inspect_pdf(path)
    except MemoryError:
        result = {"error": "out of memory while reading the PDF", "code": "memory"}
    sys.stdout.write(json.dumps(result, ensure_ascii=False))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
