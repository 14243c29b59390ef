"""One reader per format; ``read`` picks the reader from the file's bytes and name."""
from __future__ import annotations

from pathlib import PurePath

from ..document import RawDocument
from ..errors import LEGACY_WORD, UNSUPPORTED_FORMAT, PipelineError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes, filename: str) -> str:
    """The format to read: docx | pdf | txt, or a PipelineError saying why not."""
    ext = PurePath(filename).suffix.lower().lstrip(".")
    head = data[:1024]
    if ext in ("doc", "wps", "dot", "wpt") or head.startswith(OLE_MAGIC):
        raise PipelineError(LEGACY_WORD, "legacy Word/WPS format: please save as .docx")
    if head.lstrip()[:5].startswith(b"%PDF") or ext == "pdf":
        return "pdf"
    if ext in ("docx", "docm", "dotx") or (head.startswith(b"PK\x03\x04") and ext not in ("txt",)):
        if ext not in ("docx", "docm", "dotx", ""):
            raise PipelineError(UNSUPPORTED_FORMAT, f"unsupported file type .{ext}: upload .docx, .pdf or .txt")
        return "docx"
    if ext in ("txt", "text", ""):
        return "txt"
    raise PipelineError(UNSUPPORTED_FORMAT, f"unsupported file type .{ext}: upload .docx, .pdf or .txt")


def read(data: bytes, filename: str) -> RawDocument:
    fmt = sniff(data, filename)
    if fmt == "pdf":
        from .pdf import read_pdf
        return read_pdf(data)
    if fmt == "docx":
        from .docx import read_docx
        return read_docx(data)
    from .text import read_text
    return read_text(data)
