"""xlsx exports: formula injection is escaped, values keep their types."""
from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from review.exports import safe_cell, workbook_bytes, workbook_response


def test_safe_cell_escapes_every_formula_start():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "  =HYPERLINK(\"http://x\")", "\n@x",
                 "=cmd|' /C calc'!A0"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("关于=的说明") == "关于=的说明"
    assert safe_cell("a-b") == "a-b"
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell(None) is None
    assert safe_cell(date(2026, 3, 1)) == date(2026, 3, 1)
    assert safe_cell("x\x00\x07y") == "xy"


def test_workbook_holds_escaped_text_and_no_formula(app):
    data = workbook_bytes([["=1+1", 5, "滨教发〔2026〕3号"], ["-2", -2, "@x"]], ["标题", "n", "文号"], title="台账")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.title == "台账"
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values == [["标题", "n", "文号"], ["'=1+1", 5, "滨教发〔2026〕3号"], ["'-2", -2, "'@x"]]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    with app.test_request_context():
        resp = workbook_response([["a"]], ["h"], "健康台账.xlsx")
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''%E5%81%A5" in resp.headers["Content-Disposition"]
