"""Time the full pipeline against the raw libraries it stands on.

For each file: the full pipeline (in-process run_file: read, structure, screening), the raw
baseline (pdfminer.high_level.extract_text for PDF; python-docx load + iterate paragraphs and
tables for .docx), and their ratio. Goals: pdf ≤ 1.15, docx ≤ 2.0.

usage: python benchmarks/bench_pipeline.py [FOLDER ...] [--repeat N]
Without a folder it generates its own documents (python-docx and reportlab) in a temp folder.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.run import run_file  # noqa: E402

GOALS = {"pdf": 1.15, "docx": 2.0}
SENTENCES = [
    "坚持预防为主、防治结合，强化慢性病早诊早治和规范管理，提高居民健康素养水平",
    "推进无烟环境建设，室内公共场所、工作场所和公共交通工具全面禁止吸烟",
    "完善全民健身公共服务体系，建设健身步道和体育公园，推广广场舞和健步走",
    "加强学校卫生工作，落实学生每天校内体育活动时间，防控儿童青少年近视",
    "健全医养结合服务网络，为失能老年人提供居家医疗和长期护理服务",
]


def paragraph(k: int) -> str:
    return "，".join(SENTENCES[(k + j) % len(SENTENCES)] for j in range(4)) + "。"


def generate(folder: Path, pages: int = 20) -> list[Path]:
    from docx import Document
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    paras = []
    for s in range(1, pages + 1):
        paras.append(f"{'一二三四五六七八九十'[(s - 1) % 10]}、重点任务")
        paras += [f"（{'一二三四五'[k]}）{paragraph(s + k)}" for k in range(5)]
    doc = Document()
    doc.add_paragraph("测试市健康促进行动实施方案")
    for text in paras:
        doc.add_paragraph(text)
    table = doc.add_table(rows=10, cols=4)
    for r in range(10):
        for c in range(4):
            table.cell(r, c).text = f"指标{r}-{c}"
    docx_path = folder / "generated.docx"
    doc.save(docx_path)

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf_path = folder / "generated.pdf"
    c = canvas.Canvas(str(pdf_path), pagesize=(595, 842))
    y, page = 770, 1
    for text in ["测试市健康促进行动实施方案"] + paras:
        while text:
            if y < 80:
                c.setFont("STSong-Light", 10)
                c.drawCentredString(297, 40, f"— {page} —")
                c.showPage()
                y, page = 770, page + 1
            c.setFont("STSong-Light", 16)
            c.drawString(72, y, text[:28])
            text, y = text[28:], y - 28
        y -= 10
    c.save()
    return [docx_path, pdf_path]


def raw_baseline(path: Path) -> None:
    if path.suffix.lower() == ".pdf":
        from pdfminer.high_level import extract_text
        extract_text(str(path))
    elif path.suffix.lower() == ".docx":
        import docx
        from docx.table import Table
        d = docx.Document(str(path))
        for block in d.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    for cell in row.cells:
                        _ = cell.text
            else:
                _ = block.text
    else:
        path.read_text(encoding="utf-8", errors="replace")


def best_of_pair(first, second, repeat: int) -> tuple[float, float]:
    """Best time of each, measured alternately so load from other processes hits both alike."""
    a, b = [], []
    for _ in range(repeat):
        for fn, out in ((first, a), (second, b)):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return min(a), min(b)


def main(argv: list[str]) -> int:
    repeat = 5
    if "--repeat" in argv:
        repeat = int(argv[argv.index("--repeat") + 1])
        argv = [a for i, a in enumerate(argv) if a != "--repeat" and argv[i - 1] != "--repeat"]
    files: list[Path] = []
    tmp = None
    if argv:
        for arg in argv:
            p = Path(arg)
            files += sorted(f for f in p.iterdir() if f.suffix.lower() in (".pdf", ".docx")) if p.is_dir() else [p]
    else:
        tmp = tempfile.TemporaryDirectory()
        files = generate(Path(tmp.name))
    run_file(files[0])  # warm imports and the compiled lexicon
    ratios: dict[str, list[float]] = {}
    print(f"{'file':44} {'pages':>5} {'pipeline s':>10} {'raw s':>8} {'ratio':>6}")
    for path in files:
        result = run_file(path)
        full, raw = best_of_pair(lambda: run_file(path), lambda: raw_baseline(path), repeat)
        fmt = path.suffix.lower().lstrip(".")
        ratios.setdefault(fmt, []).append(full / raw)
        print(f"{path.name:44} {result.pages or '-':>5} {full:10.3f} {raw:8.3f} {full / raw:6.2f}"
              f"  {result.status}")
    ok = True
    for fmt, values in ratios.items():
        mean = statistics.mean(values)
        goal = GOALS.get(fmt)
        verdict = "" if goal is None else ("meets" if mean <= goal else "MISSES") + f" goal ≤ {goal}"
        ok &= goal is None or mean <= goal
        print(f"{fmt}: mean ratio {mean:.2f} (max {max(values):.2f}) {verdict}")
    if tmp:
        tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
