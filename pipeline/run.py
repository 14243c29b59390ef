"""Compose reader and stages into one call that never raises: a Result with a status and the
errors collected on the way."""
from __future__ import annotations

import hashlib
from pathlib import Path

from .document import FAILURE, PARTIAL, SUCCESS, Document, Problem, Result
from .errors import CORRUPT, EMPTY, INTERNAL, MEMORY, TOO_LARGE, PipelineError
from .readers import read
from .stages.normalize import text_sha256
from .stages.screen import screen
from .stages.structure import build

MAX_FILE_BYTES = 50 * 1024 * 1024


def run_bytes(data: bytes, filename: str) -> Result:
    result = Result(file=filename, status=FAILURE, sha256=hashlib.sha256(data).hexdigest())
    if len(data) > MAX_FILE_BYTES:
        result.errors.append(Problem(TOO_LARGE, f"file is {len(data)} bytes (limit {MAX_FILE_BYTES})"))
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
    result.errors.extend(raw.warnings)
    try:
        document = build(raw)
    except Exception as exc:
        result.errors.append(Problem(INTERNAL, f"structure failed: {type(exc).__name__}: {exc}", "structure"))
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


def _texts(document: Document) -> list[str]:
    parts = [document.title]
    parts += [f"{h.path}\t{h.text}" for h in document.headings]
    parts += [c.text for c in document.clauses]
    return parts


def run_file(path: str | Path) -> Result:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return Result(file=str(path), status=FAILURE,
                          errors=[Problem(TOO_LARGE, f"file is {size} bytes (limit {MAX_FILE_BYTES})")])
        data = path.read_bytes()
    except OSError as exc:
        return Result(file=str(path), status=FAILURE, errors=[Problem("io_error", f"cannot read file: {exc.strerror}")])
    result = run_bytes(data, path.name)
    result.file = str(path)
    return result
