"""PDF/DOCX clause agreement: does a PDF give the same clause list as the DOCX of the same text?

Two sources:
  - the corpus fixtures (NAME.pdf and NAME-cid.pdf against NAME.docx);
  - PDFs this script lays out itself with reportlab from the corpus texts (laws/, drafts/, cases/)
    in several layouts (CID and embedded TrueType fonts, 10.5-16 pt, narrow to wide columns, ragged
    or justified, with or without paragraph spacing, mirrored margins, kinsoku line breaking), each
    against a DOCX of the same paragraphs. The layouts are not the fixtures', so a rule tuned to the
    fixtures would show here.

A clause list is [(path, kind, text without whitespace)]. Goal: >= 95 % of PDFs agree exactly.

usage: python benchmarks/pdf_agreement.py [CORPUS_DIR] [--skip M] [--limit N] [--show K]
"""
from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.run import run_bytes  # noqa: E402

GOAL = 0.95
_WS = re.compile(r"\s+")
TTF = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
_NO_LINE_START = set("，。、；：？！）》」』”’,.;:?!)")
# name: (font, size, column width in points, justified, paragraph spacing, mirrored margins, kinsoku)
LAYOUTS = {
    "gbt9704-cid16": ("STSong-Light", 16, 442, False, 0, False, True),
    "ttf14-justified": ("WQY", 14, 420, True, 0, False, True),
    "cid12-spaced": ("STSong-Light", 12, 360, False, 6, False, False),
    "ttf10.5-wide-mirrored": ("WQY", 10.5, 460, True, 0, True, True),
    "cid15-narrow": ("STSong-Light", 15, 300, False, 0, False, False),
    "ttf9-wide": ("WQY", 9, 480, False, 0, False, True),
}


def clause_list(result) -> list[tuple]:
    doc = result.document
    if doc is None:
        return [("<failure>", result.errors[0].code if result.errors else "")]
    return [(c.path, c.kind, _WS.sub("", c.text)) for c in doc.clauses]


def paragraphs(path: Path) -> tuple[str, list[str]]:
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    lines = [ln for ln in lines if ln]
    return lines[0], lines[1:]


def make_docx(title: str, paras: list[str]) -> bytes:
    from docx import Document
    doc = Document()
    doc.add_paragraph(title).alignment = 1
    for text in paras:
        doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont
    names = pdfmetrics.getRegisteredFontNames()
    if "STSong-Light" not in names:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    if "WQY" not in names and os.path.exists(TTF):
        pdfmetrics.registerFont(TTFont("WQY", TTF, subfontIndex=0))


def wrap(text: str, font: str, size: float, width: float, first_indent: float, kinsoku: bool) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    lines, cur, used = [], "", first_indent
    for ch in text:
        w = stringWidth(ch, font, size)
        if cur and used + w > width + 0.01:
            if kinsoku and ch in _NO_LINE_START and len(cur) > 1:
                lines.append(cur[:-1])  # carry the last character over: no line starts with punctuation
                cur = cur[-1]
                used = stringWidth(cur, font, size)
            else:
                lines.append(cur)
                cur, used = "", 0.0
        cur += ch
        used += w
    lines.append(cur)
    return lines


def make_pdf(title: str, paras: list[str], layout: tuple) -> bytes:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas
    font, size, width, justified, spacing, mirrored, kinsoku = layout
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    pitch = size * 1.6
    top, bottom = 780, 70
    page = 1
    y = top

    def left() -> float:
        base = (595 - width) / 2
        return base + (12 if mirrored and page % 2 == 0 else -12 if mirrored else 0)

    def new_page():
        nonlocal page, y
        c.setFont(font, 10)
        c.drawCentredString(297, 40, f"— {page} —")
        c.showPage()
        page += 1
        y = top

    c.setFont(font, size * 1.4)
    c.drawCentredString(297, y, title)
    y -= 2.5 * pitch
    for text in paras:
        centered = bool(re.match(r"^第[一二三四五六七八九十百零〇]+[章节编](\s|$)", text)) and len(text) < 30
        lines = [text] if centered else wrap(text, font, size, width, 2 * size, kinsoku)
        for i, line in enumerate(lines):
            if y < bottom:
                new_page()
            c.setFont(font, size)
            if centered:
                c.drawCentredString(297, y, line)
            else:
                x = left() + (2 * size if i == 0 else 0)
                avail = width - (2 * size if i == 0 else 0)
                natural = stringWidth(line, font, size)
                if justified and i < len(lines) - 1 and len(line) > 1:
                    t = c.beginText(x, y)
                    t.setFont(font, size)
                    t.setCharSpace((avail - natural) / (len(line) - 1))
                    t.textOut(line)
                    c.drawText(t)
                else:
                    c.drawString(x, y, line)
            y -= pitch
        y -= spacing
    new_page()
    c.save()
    return buf.getvalue()


def fixtures(corpus: Path, show: int) -> tuple[int, int]:
    folder = corpus / "fixtures"
    same = total = 0
    for docx in sorted(folder.glob("*.docx")):
        if docx.name.endswith("-numbered.docx"):
            continue
        ref = clause_list(run_bytes(docx.read_bytes(), docx.name))
        for pdf in (folder / f"{docx.stem}.pdf", folder / f"{docx.stem}-cid.pdf"):
            if pdf.exists():
                got = clause_list(run_bytes(pdf.read_bytes(), pdf.name))
                total += 1
                same += got == ref
                print(f"  {pdf.name:48} {'same' if got == ref else 'DIFFERS'} ({len(got)} vs {len(ref)} clauses)")
                if got != ref and show:
                    _explain(ref, got, show)
    return same, total


def _explain(ref: list, got: list, show: int) -> None:
    import difflib
    sm = difflib.SequenceMatcher(None, ref, got, autojunk=False)
    shown = 0
    for op, a0, a1, b0, b1 in sm.get_opcodes():
        if op == "equal":
            continue
        print(f"      {op}: docx {[(p, t[:30]) for p, _, t in ref[a0:a1]][:3]}")
        print(f"            pdf  {[(p, t[:30]) for p, _, t in got[b0:b1]][:3]}")
        shown += 1
        if shown >= show:
            break


def generated(corpus: Path, limit: int | None, show: int, skip: int = 0) -> dict[str, tuple[int, int]]:
    _fonts()
    texts = sorted((corpus / "laws").glob("*.txt")) + sorted((corpus / "drafts").glob("*.txt")) \
        + sorted((corpus / "cases").glob("*.txt"))
    texts = texts[skip:skip + limit] if limit else texts[skip:]
    per_layout: dict[str, list[int]] = {name: [0, 0] for name in LAYOUTS}
    for path in texts:
        title, paras = paragraphs(path)
        ref = clause_list(run_bytes(make_docx(title, paras), "same.docx"))
        for name, layout in LAYOUTS.items():
            if layout[0] == "WQY" and not os.path.exists(TTF):
                continue
            got = clause_list(run_bytes(make_pdf(title, paras, layout), "same.pdf"))
            per_layout[name][1] += 1
            if got == ref:
                per_layout[name][0] += 1
            else:
                print(f"  {path.parent.name}/{path.name} [{name}] DIFFERS ({len(got)} vs {len(ref)} clauses)")
                if show:
                    _explain(ref, got, show)
    return {k: (v[0], v[1]) for k, v in per_layout.items()}


def main(argv: list[str]) -> int:
    limit = int(argv[argv.index("--limit") + 1]) if "--limit" in argv else None
    show = int(argv[argv.index("--show") + 1]) if "--show" in argv else 0
    skip = int(argv[argv.index("--skip") + 1]) if "--skip" in argv else 0
    args = [a for i, a in enumerate(argv)
            if not a.startswith("--") and argv[i - 1] not in ("--limit", "--show", "--skip")]
    corpus = Path(args[0]) if args else Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    print("fixtures (PDF against the DOCX of the same name):")
    f_same, f_total = fixtures(corpus, show)
    print("generated PDFs (reportlab layouts against a DOCX of the same paragraphs):")
    per = generated(corpus, limit, show, skip)
    g_same = sum(s for s, _ in per.values())
    g_total = sum(t for _, t in per.values())
    print()
    for name, (s, t) in per.items():
        print(f"  {name:24} {s}/{t} = {s / max(1, t):.1%}")
    print(f"fixtures : {f_same}/{f_total} = {f_same / max(1, f_total):.1%} give the same clause list")
    print(f"generated: {g_same}/{g_total} = {g_same / max(1, g_total):.1%} give the same clause list")
    share = (f_same + g_same) / max(1, f_total + g_total)
    print(f"overall  : {share:.1%} (goal >= {GOAL:.0%})")
    return 0 if share >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
