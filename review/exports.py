"""Lists as Excel files (openpyxl), safe against formula injection.

A cell whose text begins with = + - @ (also after leading whitespace) or with a tab or carriage
return would be read by Excel or LibreOffice as a formula (CSV/DDE injection, OWASP): it is written
with a leading apostrophe, as text. Numbers, dates and booleans are written as they are.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from urllib.parse import quote

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ILLEGAL = {c: None for c in range(32) if c not in (9, 10, 13)}  # control characters XML cannot hold


def safe_cell(value):
    """The value as a cell may hold it without being evaluated."""
    if value is None or isinstance(value, (bool, int, float, date, datetime)):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.replace(tzinfo=None)  # Excel has no time zones; callers pass local times
        return value
    text = str(value).translate(_ILLEGAL)
    if text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


def workbook_bytes(rows: Iterable[Sequence], headers: Sequence[str], title: str = "Sheet1") -> bytes:
    """A one-sheet workbook: a bold header row, then the rows (streamed: write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=safe_title(title))
    bold = Font(bold=True)
    header = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=safe_cell(h))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def safe_title(title: str) -> str:
    """A worksheet title Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in str(title)).strip("'") or "Sheet1"
    return cleaned[:31]


def workbook_response(rows: Iterable[Sequence], headers: Sequence[str], filename: str,
                      title: str = "Sheet1") -> Response:
    """The workbook as a download; ``filename`` may be Chinese (RFC 6266 filename*)."""
    data = workbook_bytes(rows, headers, title)
    ascii_name = filename.encode("ascii", "ignore").decode() or "export.xlsx"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, mimetype=XLSX_MIMETYPE, headers={"Content-Disposition": disposition,
                                                           "Cache-Control": "no-store"})
