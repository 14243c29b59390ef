"""Compose reader and stages into one call that never raises: a Result with a status and the
errors collected on the way."""
from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from pathlib import Path

from .document import FAILURE, PARTIAL, SUCCESS, Document, Problem, Result
from .errors import CORRUPT, EMPTY, INTERNAL, MARKUP_TEXT, MEMORY, TOO_LARGE, TOO_MANY_CLAUSES, PipelineError
from .readers import read
from .stages.normalize import text_sha256
from .stages.screen import screen
from .stages.structure import build

MAX_FILE_BYTES = 50 * 1024 * 1024


def run_bytes(data: bytes, filename: str, *, max_clauses: int | None = None) -> Result:
    """``max_clauses``: refuse a document with more clauses (code too_many_clauses), and stop
    before building the structure when the raw paragraphs alone are well past it."""
    result = Result(file=filename, status=FAILURE, sha256=hashlib.sha256(data).hexdigest())
    if len(data) > MAX_FILE_BYTES:
        result.errors.append(Problem(TOO_LARGE, f"file is {len(data)} bytes (limit {MAX_FILE_BYTES})"))
        return result
    if _is_markup(data, filename):
        result.errors.append(Problem(MARKUP_TEXT, "a web page or XML file named .txt, not plain text"))
        return result
    if max_clauses and _docx_paragraphs_over(data, DENSE_FACTOR * max_clauses):
        result.errors.append(Problem(TOO_MANY_CLAUSES, f"more than {DENSE_FACTOR * max_clauses} paragraphs, "
                                     f"far more than {max_clauses} clauses can hold", "read"))
        return result
    try:
        raw = read(data, filename)
    except PipelineError as exc:
        result.errors.append(Problem(exc.code, exc.message))
        return result
    except MemoryError:
        result.errors.append(Problem(MEMORY, "out of memory while reading the file"))
        return result
    except Exception as exc:  # a damaged file must end as a failure, not a traceback
        result.errors.append(Problem(CORRUPT, f"unreadable file: {type(exc).__name__}: {str(exc)[:200]}"))
        return result
    result.format, result.pages = raw.format, raw.pages
    if max_clauses and len(raw.blocks) > 2 * max_clauses:
        # A paragraph gives a clause or a heading: this many cannot fit under the cap.
        result.errors.append(Problem(TOO_MANY_CLAUSES, f"{len(raw.blocks)} paragraphs, more than "
                                     f"{max_clauses} clauses can hold", "structure"))
        return result
    result.errors.extend(raw.warnings)
    try:
        document = build(raw)
    except Exception as exc:
        result.errors.append(Problem(INTERNAL, f"structure failed: {type(exc).__name__}: {exc}", "structure"))
        return result
    if max_clauses and len(document.clauses) > max_clauses:
        result.errors.append(Problem(TOO_MANY_CLAUSES, f"{len(document.clauses)} clauses (limit {max_clauses})",
                                     "structure"))
        return result
    result.document = document
    try:
        document.screening = screen(document)
    except Exception as exc:
        result.errors.append(Problem(INTERNAL, f"screening failed: {type(exc).__name__}: {exc}", "screen"))
    result.text_sha256 = text_sha256(_texts(document))
    if not document.clauses and not document.headings:
        result.errors.append(Problem(EMPTY, "no body text found", "structure"))
    result.status = PARTIAL if result.errors else SUCCESS
    return result


DENSE_FACTOR = 10  # paragraphs per allowed clause past which a docx is refused unread
_SCAN_BYTES = 64 << 20


def _docx_paragraphs_over(data: bytes, limit: int) -> bool:
    """Count <w:p> in word/document.xml, streaming and bounded, before python-docx builds the whole
    tree (200,000 paragraphs take seconds and hundreds of MB). False when unsure: the reader and
    the clause count after the structure stage still decide."""
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if zf.getinfo("word/document.xml").compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                return False  # a compression Word never writes: the reader refuses it
            with zf.open("word/document.xml") as fh:
                count, carry, seen = 0, b"", 0
                while seen < _SCAN_BYTES:
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        return False
                    seen += len(chunk)
                    buf = carry + chunk
                    count += buf.count(b"<w:p>") + buf.count(b"<w:p ")
                    if count > limit:
                        return True
                    carry = buf[-4:]  # shorter than a tag: no match is counted twice
    except (KeyError, OSError, RuntimeError, ValueError, zipfile.BadZipFile, zlib.error):
        pass
    return False


_MARKUP_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<meta", b"<div", b"<p>")


def _is_markup(data: bytes, filename: str) -> bool:
    """HTML or XML renamed .txt: the text reader would take the tags for the draft's text."""
    if not filename.lower().endswith((".txt", ".text")):
        return False
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # a UTF-16 page starts with its BOM
        encoding = "utf-16-le" if head[:2] == b"\xff\xfe" else "utf-16-be"
        head = data[2:1024].decode(encoding, "ignore").lstrip().lower().encode()
    return head.startswith(_MARKUP_STARTS)


def _texts(document: Document) -> list[str]:
    parts = [document.title]
    parts += [f"{h.path}\t{h.text}" for h in document.headings]
    parts += [c.text for c in document.clauses]
    return parts


def run_file(path: str | Path, *, max_clauses: int | None = None) -> Result:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return Result(file=str(path), status=FAILURE,
                          errors=[Problem(TOO_LARGE, f"file is {size} bytes (limit {MAX_FILE_BYTES})")])
        data = path.read_bytes()
    except OSError as exc:
        return Result(file=str(path), status=FAILURE, errors=[Problem("io_error", f"cannot read file: {exc.strerror}")])
    result = run_bytes(data, path.name, max_clauses=max_clauses)
    result.file = str(path)
    return result
