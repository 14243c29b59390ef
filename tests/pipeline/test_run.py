"""run_file / run_bytes, Result JSON round trip, golden test on a generated docx, diff."""
import json

import builders as B
from pipeline import Result, run_bytes, run_file
from pipeline.diff import diff_clauses


def test_golden_docx(tmp_path):
    path = tmp_path / "draft.docx"
    path.write_bytes(B.rich_docx())
    result = run_file(path)
    d = result.to_dict()
    assert d["status"] == "success" and d["format"] == "docx" and d["errors"] == []
    assert d["title"] == "关于印发《测试市控烟工作方案》的通知"
    assert d["doc_number"] == "测卫发〔2024〕7号"
    assert (d["issuer"], d["date"]) == ("测试市卫生健康委员会", "2024-03-05")
    assert d["addressees"] == ["各区卫生健康局", "市直各单位"]
    assert d["cc"] == ["市政府办公室", "市爱卫办"]
    assert d["references"] == [{"title": "测试市控制吸烟条例", "doc_number": "测政发〔2023〕12号", "clause_id": "c0002",
                                "basis": True}]
    assert [(h["path"], h["level"], h["text"]) for h in d["headings"]] == [
        ("一", 1, "总体要求"), ("一/（一）", 2, "加强戒烟服务"), ("一/（二）", 2, "内容控件中的条款"),
        ("二", 1, "工作要求"), ("二/（一）", 2, "明确责任"), ("二/（一）/1", 3, "各区于每年12月底前报送总结"),
        ("二/（一）/2", 3, "加强督导检查")]
    texts = {c["text"]: c for c in d["clauses"]}
    assert "为贯彻《测试市控制吸烟条例》（测政发〔2023〕12号），保持插入的文字，制定本方案。" in texts
    table = next(c for c in d["clauses"] if c["kind"] == "table")
    assert table["table"]["rows"][1] == ["吸烟率", "低于20%"]
    assert d["screening"]["domains"][0]["code"] == "tobacco_alcohol"
    assert len(d["sha256"]) == 64 and len(d["text_sha256"]) == 64


def test_result_round_trip():
    result = run_bytes(B.rich_docx(), "draft.docx")
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert Result.from_dict(data).to_dict() == result.to_dict()
    failed = run_bytes(b"\x00\x01garbage", "x.pdf")
    assert Result.from_dict(failed.to_dict()).to_dict() == failed.to_dict()


def test_text_hash_ignores_layout_and_width():
    a = run_bytes("标题\n一、目标\n到2025年吸烟率“下降”。".encode(), "a.txt")
    b = run_bytes("标题\n一、目标\n到 2025 年吸烟率\"下降\"。".encode("gb18030"), "b.txt")
    assert a.text_sha256 == b.text_sha256 and a.sha256 != b.sha256


def test_numbered_and_typed_headings_agree():
    typed = B.simple_docx(["控烟方案", "一、总体要求", "（一）目标。降低吸烟率。", "二、保障措施"])
    from docx import Document
    import io
    doc = Document()
    B.add_numbering(doc)
    doc.add_paragraph("控烟方案")
    B.numbered(doc, "总体要求", 0)
    B.numbered(doc, "目标。降低吸烟率。", 1)
    B.numbered(doc, "保障措施", 0)
    buf = io.BytesIO()
    doc.save(buf)
    r1, r2 = run_bytes(typed, "a.docx"), run_bytes(buf.getvalue(), "b.docx")
    heads = lambda r: [(h.path, h.text) for h in r.document.headings]  # noqa: E731
    assert heads(r1) == heads(r2) == [("一", "总体要求"), ("一/（一）", "目标"), ("二", "保障措施")]
    assert r1.text_sha256 == r2.text_sha256


def clauses(*texts):
    return [{"id": f"c{i:04d}", "path": p, "text": t} for i, (p, t) in enumerate(texts, 1)]


def test_diff_unchanged_changed_added_removed():
    old = clauses(("一", "总体要求明确。"), ("一/1", "到2025年吸烟率降至20%以下。"), ("二", "建立联席会议制度。"),
                  ("三", "本方案自印发之日起施行。"))
    new = clauses(("一", "总体要求明确。"), ("一/1", "到2025年吸烟率降至18%以下。"), ("三", "本方案自印发之日起施行。"),
                  ("四", "各区每季度报送进展。"))
    items = diff_clauses(old, new)
    ops = [(i["op"], i["old_id"], i["new_id"]) for i in items]
    assert ("unchanged", "c0001", "c0001") in ops
    assert ("changed", "c0002", "c0002") in ops
    assert ("removed", "c0003", None) in ops
    assert ("added", None, "c0004") in ops
    assert ("unchanged", "c0004", "c0003") in ops
    assert [i["op"] for i in items] == ["unchanged", "changed", "removed", "unchanged", "added"]
    changed = next(i for i in items if i["op"] == "changed")
    assert changed["before"] == "到2025年吸烟率降至20%以下。" and changed["after"] == "到2025年吸烟率降至18%以下。"
    assert changed["path"] == "一/1"


def test_diff_replaced_clause_shows_removal_before_addition():
    old = clauses(("一", "甲乙丙丁。"), ("二", "完全不同的旧条款内容。"))
    new = clauses(("一", "甲乙丙丁。"), ("二", "另起炉灶写的新规定。"))
    assert [i["op"] for i in diff_clauses(old, new)] == ["unchanged", "removed", "added"]


def test_diff_ignores_whitespace_and_width_and_accepts_clause_objects():
    a = run_bytes("标题\n一、目标\n到2025年吸烟率下降。".encode(), "a.txt").document.clauses
    b = run_bytes("标题\n一、目标\n到 2025 年吸烟率下降。".encode(), "b.txt").document.clauses
    assert [i["op"] for i in diff_clauses(a, b)] == ["unchanged"]
    assert [i["op"] for i in diff_clauses([], b)] == ["added"]
    assert [i["op"] for i in diff_clauses(a, [])] == ["removed"]


def test_pipeline_never_imports_flask_or_review():
    import subprocess
    import sys
    code = ("import sys, pipeline, pipeline.diff, pipeline.cli; pipeline.run_bytes(b'x', 'a.txt');"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'review')]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=B.__file__.rsplit("/tests/", 1)[0])


def test_same_draft_in_three_formats_reads_the_same():
    lines = ["测试市全民健身实施计划", "一、总体要求", "（一）指导思想。坚持以人民健康为中心，推动全民健身与全民健康深度融合。",
             "（二）主要目标", "1.到2025年，经常参加体育锻炼人数比例达到38.5%以上。", "2.城乡居民达到国民体质测定标准合格以上的人数比例超过92%。",
             "二、主要任务", "（一）建设健身设施。新建改建体育公园、健身步道和社区多功能运动场，推进学校体育场地向社会开放。"]
    txt = run_bytes("\n".join(lines).encode("gb18030"), "plan.txt")
    docx = run_bytes(B.simple_docx(lines), "plan.docx")
    pdf = run_bytes(B.layout_pdf(lines[0], lines[1:]), "plan.pdf")
    shape = lambda r: ([(h.path, h.level, h.text) for h in r.document.headings],  # noqa: E731
                       [(c.path, c.text) for c in r.document.clauses], r.document.title, r.text_sha256)
    assert shape(txt) == shape(docx) == shape(pdf)
    assert pdf.pages == 1 and all(c.page == 1 for c in pdf.document.clauses)
    assert txt.document.screening.domains[0]["code"] == "physical_activity"
