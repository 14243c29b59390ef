"""PDF with pdfminer.six: one pass per page with no layout analysis; lines and paragraphs are
rebuilt from character positions.

Pages are streamed: each page's layout objects are dropped once its lines are built (only text,
positions and sizes are kept), so memory stays flat with the number of pages.

pdfminer's box ordering is superlinear in the number of boxes (minutes on a dense table page) and
puts punctuation drawn in a fallback font into separate boxes, out of order. Sorting the
characters ourselves avoids both.
"""
from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from statistics import median

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser, PDFSyntaxError
from pdfminer.pdftypes import resolve1
from pdfminer.psexceptions import PSException

from ..document import Block, Problem, RawDocument
from ..errors import CORRUPT, ENCRYPTED, NO_TEXT_LAYER, TOO_LARGE, UNREADABLE_TEXT_MAP, PipelineError
from ..stages.normalize import is_cjk
from .variants import normalise_variants

# A 2,000-page PDF reads in 30-45 s on one core of the development machine; the isolation's default
# wall-clock limit (isolate.DEFAULT_TIMEOUT, 120 s) leaves room for a loaded machine.
MAX_PAGES = 2000
_CID = re.compile(r"\(cid:\d+\)")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[—–\-－~～]*\s*\d{1,4}\s*[—–\-－~～]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$", re.I)
_HEADING_START = re.compile(r"^(?:[一二三四五六七八九十]+[、．.]|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、](?!\d)|第[一二三四五六七八九十百零〇\d]+[章节条])")
_TERMINAL = "。！？；：:;!?）)"


@dataclass
class Line:
    text: str = ""
    x0: float = 0.0
    x1: float = 0.0
    y: float = 0.0  # vertical middle
    size: float = 0.0


@dataclass
class Para:
    lines: list[Line]
    page: int

    @property
    def text(self) -> str:
        return "".join(_join(a.text, b.text) if i else b.text
                       for i, (a, b) in enumerate(zip([None] + self.lines[:-1], self.lines)))


def _join(prev: str | None, cur: str) -> str:
    # Wrapped lines join without a space, except between two Latin words.
    # (Chinese text wraps anywhere, even inside "CO", so only an all-Latin line gets a space.)
    if (prev and cur and prev[-1].isascii() and prev[-1].isalpha() and cur[0].isascii() and cur[0].isalpha()
            and not any(is_cjk(ch) for ch in cur)):
        return " " + cur
    return cur


def _chars(container, out: list) -> None:
    for obj in container:
        if isinstance(obj, LTChar):
            out.append(obj)
        elif isinstance(obj, LTContainer):
            _chars(obj, out)


def _lines(chars: list) -> list[Line]:
    """Group characters into horizontal lines by their vertical middle, then order by x."""
    items = sorted((((c.y0 + c.y1) / 2, c) for c in chars if c.get_text().strip() or c.get_text() == " "),
                   key=lambda item: item[0])
    lines: list[Line] = []
    current: list = []
    ref = None
    for y, c in reversed(items):  # top of the page first
        size = max(c.size, 1.0)
        if ref is None or abs(ref - y) <= 0.4 * size:
            current.append(c)
            ref = y if ref is None else ref
        else:
            lines.append(_make_line(current))
            current, ref = [c], y
    if current:
        lines.append(_make_line(current))
    return [ln for ln in lines if ln.text.strip()]


def _make_line(chars: list) -> Line:
    chars.sort(key=lambda c: c.x0)
    visible = [c for c in chars if c.get_text().strip()]
    out = []
    prev = None
    for c in chars:
        t = c.get_text()
        if not t.strip():
            # A space glyph under a visible glyph is a placeholder, not text.
            if any(v.x0 < c.x1 - 0.5 and v.x1 > c.x0 + 0.5 for v in visible):
                continue
            out.append(" ")
            continue
        if prev is not None and c.x0 - prev.x1 > 0.25 * c.size and out and out[-1] != " ":
            if not is_cjk(t[0]) and not is_cjk(out[-1][-1]):
                out.append(" ")
        out.append(t)
        prev = c
    sizes = Counter(round(c.size, 1) for c in visible)
    return Line(text="".join(out).strip(), x0=min(c.x0 for c in visible),
                x1=max(c.x1 for c in visible), y=sum((c.y0 + c.y1) / 2 for c in visible) / len(visible),
                size=sizes.most_common(1)[0][0])


def _furniture(pages: list[list[Line]], heights: list[float]) -> set[tuple[int, int]]:
    """Page numbers and running headers/footers: (page index, line index) to drop."""
    drop: set[tuple[int, int]] = set()
    band_texts: Counter = Counter()
    for pi, lines in enumerate(pages):
        h = heights[pi]
        for li, ln in enumerate(lines):
            in_band = ln.y > 0.9 * h or ln.y < 0.1 * h
            if _PAGE_NUMBER.match(ln.text) and (in_band or li in (0, len(lines) - 1)):
                drop.add((pi, li))
            elif in_band and (li < 2 or li >= len(lines) - 2) and len(ln.text) <= 40 \
                    and not _in_flow(lines, li):
                band_texts[re.sub(r"\d+", "#", ln.text)] += 1
    if len(pages) >= 2:
        repeated = {t for t, n in band_texts.items() if n >= max(2, len(pages) // 2)}
        for pi, lines in enumerate(pages):
            h = heights[pi]
            for li, ln in enumerate(lines):
                if (ln.y > 0.9 * h or ln.y < 0.1 * h) and re.sub(r"\d+", "#", ln.text) in repeated \
                        and not _in_flow(lines, li):
                    drop.add((pi, li))
    return drop


def _in_flow(lines: list[Line], li: int) -> bool:
    """Is this line set in the body's flow: same size as its neighbour and one line pitch away?
    A running header or footer stands apart; the end of a paragraph carried to the next page
    ("工作。") does not, even when the same words recur at the top of two pages."""
    ln = lines[li]
    for other in (lines[li - 1] if li else None, lines[li + 1] if li + 1 < len(lines) else None):
        if other is not None and abs(other.size - ln.size) < 0.5 and abs(other.y - ln.y) < 2 * ln.size:
            return True
    return False


def _paragraphs(lines: list[Line], page: int, layout: "_Layout") -> list[Para]:
    paras: list[Para] = []
    for ln in lines:
        if paras:
            prev = paras[-1].lines[-1]
            if not _starts_paragraph(prev, ln, layout):
                paras[-1].lines.append(ln)
                continue
        paras.append(Para([ln], page))
    return paras


@dataclass
class _Layout:
    left: float
    right: float
    body: float
    pitch: float
    uses_indent: bool
    spaced: bool  # paragraphs are separated by extra vertical space


def _starts_paragraph(prev: Line, ln: Line, lay: _Layout) -> bool:
    gap = prev.y - ln.y
    if abs(ln.size - prev.size) > 0.15 * lay.body:
        return True
    if prev.size > lay.body * 1.2:
        return gap > 1.8 * ln.size  # a centered title wrapped over several lines
    if ln.x0 > lay.left + 0.8 * ln.size:
        return True
    if lay.pitch and gap > lay.pitch * 1.15:
        return True
    if _HEADING_START.match(ln.text) and prev.text[-1:] in _TERMINAL:
        return True
    if not lay.uses_indent and not lay.spaced:
        return prev.x1 < lay.right - 1.5 * prev.size
    return False


def _open(data: bytes):
    parser = PDFParser(io.BytesIO(data))
    try:
        doc = PDFDocument(parser)
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise PipelineError(ENCRYPTED, "the PDF is password-protected") from None
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
        raise PipelineError(CORRUPT, f"damaged PDF: {type(exc).__name__}") from None
    # doc.is_extractable is deliberately ignored: owner-password restrictions (no copy/print)
    # do not hide the text from any viewer.
    return doc


def _declared_pages(doc) -> int:
    """The page tree's own count (a hint: the loop below still counts the pages it reads)."""
    try:
        count = resolve1(resolve1(doc.catalog.get("Pages")).get("Count"))
        return count if isinstance(count, int) else 0
    except Exception:  # a damaged tree is the loop's to report
        return 0


def read_pdf(data: bytes) -> RawDocument:
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise PipelineError(CORRUPT, "not a PDF file (no %PDF header)")
    doc = _open(data)
    declared = _declared_pages(doc)
    if declared > MAX_PAGES:  # refuse at once, not after reading MAX_PAGES pages
        raise PipelineError(TOO_LARGE, f"the PDF has more than {MAX_PAGES} pages ({declared})")
    rsrc = PDFResourceManager(caching=True)
    device = PDFPageAggregator(rsrc, laparams=None)
    interp = PDFPageInterpreter(rsrc, device)
    pages: list[list[Line]] = []
    heights: list[float] = []
    total_chars = cid_chars = 0
    warnings: list[Problem] = []
    try:
        for i, page in enumerate(PDFPage.create_pages(doc)):
            if i >= MAX_PAGES:
                raise PipelineError(TOO_LARGE, f"the PDF has more than {MAX_PAGES} pages")
            interp.process_page(page)
            layout = device.get_result()
            chars: list = []
            _chars(layout, chars)
            total_chars += len(chars)
            cid_chars += sum(1 for c in chars if c.get_text().startswith("(cid:"))
            pages.append(_lines(chars))
            heights.append(layout.height or 842.0)
    except PipelineError:
        raise
    except (PDFSyntaxError, PSException, PDFEncryptionError, ValueError, KeyError, TypeError) as exc:
        if not pages:
            raise PipelineError(CORRUPT, f"damaged PDF: {type(exc).__name__}") from None
        # keep what was readable: the reviewer sees the pages and the warning
        warnings.append(Problem(CORRUPT, f"damaged PDF: reading stopped after page {len(pages)} "
                                         f"({type(exc).__name__})"))
    if not pages:
        raise PipelineError(CORRUPT, "the PDF has no pages")
    if total_chars == 0:
        raise PipelineError(NO_TEXT_LAYER, "scanned document, no text layer; OCR is not supported")
    if cid_chars > 0.2 * total_chars:
        raise PipelineError(UNREADABLE_TEXT_MAP, "text layer unreadable: fonts have no Unicode map "
                                                 "((cid:N) glyphs); copy-paste would be garbage too")
    if cid_chars:
        warnings.append(Problem(UNREADABLE_TEXT_MAP, f"{cid_chars} glyphs have no Unicode map"))
    empty = [i + 1 for i, p in enumerate(pages) if not p]
    if empty and len(empty) < len(pages):
        warnings.append(Problem(NO_TEXT_LAYER, f"pages without text (scanned?): {empty[:20]}"))
    blocks = _blocks(pages, heights)
    del pages
    texts, _changed = normalise_variants([b.text for b in blocks])
    for block, text in zip(blocks, texts):
        block.text = text
    return RawDocument(format="pdf", pages=len(heights), blocks=blocks, warnings=warnings)


def _left_edge(lines: list[Line], body: float) -> float | None:
    """The text column's left edge: the lowest line start shared by several lines.

    Not the most common start: in a regulation whose 款 mostly fit on one line, most lines start
    at the first-line indent, and taking that for the edge would hide every indent."""
    starts = sorted(ln.x0 for ln in lines)
    if not starts:
        return None
    need = max(1, len(starts) // 50)
    for i in range(len(starts) - need + 1):
        if starts[i + need - 1] - starts[i] <= 0.3 * body:
            return starts[i]
    return starts[0]


def _right_edge(lines: list[Line]) -> float | None:
    """The column's right edge: reached by 2 % of the lines (by one on a page or two)."""
    ends = sorted((ln.x1 for ln in lines), reverse=True)
    return ends[min(len(ends) - 1, len(ends) // 50)] if ends else None


def _blocks(pages: list[list[Line]], heights: list[float]) -> list[Block]:
    drop = _furniture(pages, heights)
    kept = [[ln for li, ln in enumerate(lines) if (pi, li) not in drop] for pi, lines in enumerate(pages)]
    all_lines = [ln for lines in kept for ln in lines]
    if not all_lines:
        return []
    body = Counter(ln.size for ln in all_lines).most_common(1)[0][0]
    pitches = []
    for lines in kept:
        for a, b in zip(lines, lines[1:]):
            if abs(a.size - body) < 0.5 and abs(b.size - body) < 0.5 and 0 < a.y - b.y < 3 * body:
                pitches.append(a.y - b.y)
    pitch = min(pitches) if pitches else 0.0
    pitch = median([p for p in pitches if p < pitch * 1.15]) if pitches else 0.0
    spaced = sum(1 for p in pitches if p > pitch * 1.15) >= max(1, len(pitches) // 50)
    layouts = _column_layouts(kept, body, pitch, spaced)
    paras: list[Para] = []
    for pi, lines in enumerate(kept):
        lay = layouts[pi % 2]
        page_paras = _paragraphs(lines, pi + 1, lay)
        if paras and page_paras and _continues(paras[-1], page_paras[0], layouts[(pi - 1) % 2], lay):
            paras[-1].lines.extend(page_paras[0].lines)
            page_paras = page_paras[1:]
        paras.extend(page_paras)
    blocks = []
    for p in paras:
        size = Counter(ln.size for ln in p.lines).most_common(1)[0][0]
        first = p.lines[0]
        lay = layouts[(p.page - 1) % 2]
        left, right = lay.left, lay.right
        centered = (first.x0 > left + 3 * first.size and first.x1 < right - 2 * first.size
                    and abs((first.x0 - left) - (right - first.x1)) < 2 * first.size)
        blocks.append(Block(text=p.text, page=p.page, size=size, centered=centered))
    return blocks


def _column_layouts(kept: list[list[Line]], body: float, pitch: float, spaced: bool) -> list[_Layout]:
    """The column of odd and of even pages. Mirrored margins move both edges from one side to the
    other by the same amount; a side whose lines mostly start at the indent (one-line 款) moves
    only its apparent left edge, and keeps the common column."""
    body_lines = [[ln for ln in lines if abs(ln.size - body) < 0.5] for lines in kept]
    every = [ln for lines in body_lines for ln in lines]
    edges = [(_left_edge(every, body), _right_edge(every) or max(ln.x1 for lines in kept for ln in lines))] * 2
    groups = [[ln for lines in body_lines[parity::2] for ln in lines] for parity in (0, 1)]
    if all(len(g) >= 4 for g in groups):
        own = [(_left_edge(g, body), _right_edge(g)) for g in groups]
        moved_left, moved_right = own[1][0] - own[0][0], own[1][1] - own[0][1]
        if abs(moved_left) >= 0.5 * body and abs(moved_left - moved_right) < 0.5 * body:
            edges = own
    out = []
    for (left, right), group in zip(edges, groups):
        uses_indent = any(ln.x0 > left + 0.8 * ln.size for ln in group or every)
        out.append(_Layout(left, right, body, pitch, uses_indent, spaced))
    return out


def _continues(prev: Para, nxt: Para, before: _Layout, lay: _Layout) -> bool:
    """Does the first paragraph of a page continue the last one of the previous page?"""
    last, first = prev.lines[-1], nxt.lines[0]
    if abs(last.size - first.size) > 0.5 or _HEADING_START.match(first.text):
        return False
    ends_sentence = last.text[-1:] in "。！？；：:;!?"
    # Lines wrapped by character count end short when they hold half-width characters.
    slack = 1.5 if ends_sentence else 4.0
    if last.x1 < before.right - slack * last.size:
        return False
    if lay.uses_indent:
        return first.x0 <= lay.left + 0.8 * first.size
    return not ends_sentence
