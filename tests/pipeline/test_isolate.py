"""Warm parse children: one fresh child per document, forked from a parent that has imported the
readers; the same Result as a fresh interpreter gives; the caller's main script is not run again;
the PDF reader keeps no layout objects of finished pages."""
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import builders as B
from pipeline.isolate import run_file_isolated, run_file_isolated_stats
from pipeline.run import run_bytes

REPO = Path(__file__).resolve().parents[2]


def test_to_json_is_to_dict():
    for data, name in ((B.rich_docx(), "rich.docx"), (B.layout_pdf("测试方案", ["一、总体要求", "推进无烟环境建设。"]), "p.pdf"),
                       (b"\x00\x01", "bad.txt")):
        result = run_bytes(data, name)
        assert json.loads(result.to_json()) == json.loads(json.dumps(result.to_dict(), ensure_ascii=False))


def test_each_document_in_a_fresh_child(tmp_path):
    path = tmp_path / "plan.docx"
    path.write_bytes(B.rich_docx())
    first, stats1 = run_file_isolated_stats(path)
    second, stats2 = run_file_isolated_stats(path)
    assert first.ok and first.status == second.status
    assert stats1["pid"] != stats2["pid"] and os.getpid() not in (stats1["pid"], stats2["pid"])
    assert stats1["peak_rss"] > 0
    assert first.to_dict() == second.to_dict()


def test_warm_child_and_fresh_interpreter_agree(tmp_path, monkeypatch):
    path = tmp_path / "plan.pdf"
    path.write_bytes(B.layout_pdf("测试市控烟工作方案", ["一、总体要求", "公共场所全面禁止吸烟，医疗机构开设戒烟门诊。"]))
    warm = run_file_isolated(path)
    monkeypatch.setenv("PIPELINE_ISOLATION", "subprocess")
    fresh, stats = run_file_isolated_stats(path)
    assert stats == {}  # the fresh interpreter path does not report the child's figures
    assert warm.status == "success" and warm.to_dict() == fresh.to_dict()


def test_fresh_interpreter_path_keeps_its_limits(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_ISOLATION", "subprocess")
    path = tmp_path / "plan.txt"
    path.write_text("控烟工作方案\n", encoding="utf-8")
    result = run_file_isolated(path, timeout=0.01)
    assert result.status == "failure" and result.errors[0].code == "timeout"


def test_callers_main_script_is_not_run_again(tmp_path):
    marker = tmp_path / "marker.txt"
    doc = tmp_path / "plan.txt"
    doc.write_text("控烟工作方案\n一、目标\n降低吸烟率。\n", encoding="utf-8")
    script = tmp_path / "caller.py"
    # no __main__ guard on purpose: a child that imported this script again would write twice
    script.write_text(
        "from pipeline import run_file_isolated\n"
        f"open({str(marker)!r}, 'a').write('main ran\\n')\n"
        f"print(run_file_isolated({str(doc)!r}).status, run_file_isolated({str(doc)!r}).status)\n",
        encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.stdout.split() == ["success", "success"], proc.stderr[-2000:]
    assert marker.read_text(encoding="utf-8") == "main ran\n"


def test_pdf_pages_are_streamed(monkeypatch):
    """While page n is read, the characters of pages before it are gone."""
    from pdfminer.layout import LTChar
    import pipeline.readers.pdf as pdf
    alive = []
    real = pdf._lines

    def counting(chars):
        gc.collect()
        alive.append(sum(1 for o in gc.get_objects() if isinstance(o, LTChar)))
        return real(chars)

    monkeypatch.setattr(pdf, "_lines", counting)
    paras = [f"第{i}项任务要求各部门细化措施、压实责任、加强协作，定期通报进展情况，建立健全长效机制。" * 3 for i in range(60)]
    raw = pdf.read_pdf(B.layout_pdf("测试市健康促进工作方案", paras))
    assert raw.pages >= 8 and len(alive) == raw.pages
    per_page = max(alive[:2])
    assert max(alive) <= 2 * per_page  # flat: not growing with the pages read so far
