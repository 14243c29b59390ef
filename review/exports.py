"""Lists as Excel files (openpyxl), safe to open: no cell is ever read as a formula.

A spreadsheet runs a cell that begins with = + - @ (and, in some programs, a tab or carriage return,
or those signs after leading spaces) as a formula: an uploaded title like ``=HYPERLINK(...)`` would
run on the office's computer. ``safe_cell`` prefixes such text with an apostrophe, and every string
is written as a string cell, never parsed."""
from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime

from flask import send_file
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value):
    """A value as it may go into a cell: text that a spreadsheet would evaluate gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, date, datetime)):
        return value
    text = str(value)
    if text.startswith(_TRIGGERS) or text.lstrip(" \u3000\t\r\n").startswith(_TRIGGERS):
        return "'" + text
    return text


def workbook_bytes(header: list[str], rows: Iterable[Iterable], title: str = "Sheet1") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Sheet1")
    bold = Font(bold=True)
    head = []
    for h in header:
        cell = WriteOnlyCell(ws, value=safe_cell(h))
        cell.font = bold
        head.append(cell)
    ws.append(head)
    for row in rows:
        # Plain values: openpyxl makes a formula only of text that begins with "=", which safe_cell
        # never leaves (and cell objects per value would triple the time of a 10,000-row export).
        ws.append([safe_cell(value) for value in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def workbook_response(filename: str, header: list[str], rows: Iterable[Iterable], title: str = "Sheet1"):
    """An attachment download of the rows (``filename`` may be Chinese: sent RFC 5987-encoded)."""
    return send_file(io.BytesIO(workbook_bytes(header, rows, title)), mimetype=XLSX, as_attachment=True,
                     download_name=filename, max_age=0)
