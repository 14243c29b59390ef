"""Chinese typesetting for the sheet PDF: line breaking with the 禁则 (no line starts with closing
punctuation, none ends with an opening one), justified lines, and the electronic seal.

reportlab's wordWrap='CJK' knows only part of the closing marks (not ，；：》”！？), hangs at most
one of them and ignores opening marks at a line's end, so lines are broken here instead.
"""
from __future__ import annotations

import io
import math
import re
from functools import lru_cache

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

NO_START = "，。；：、）》”’！？〕】』」…%,.;:!?)]》〉·—"
NO_END = "（《“‘〔【『「([〈"
# Runs kept on one line: Latin words, numbers, codes. Longer runs (URLs, hex) break anywhere.
_WORD = re.compile(r"[A-Za-z0-9@#%&+=_.:/?\-]+")
_LONG = 16


def units(text: str) -> list[str]:
    """The breakable units of a line: one CJK character, or one Latin run."""
    out, pos = [], 0
    for m in _WORD.finditer(text):
        out.extend(text[pos:m.start()])
        word = m.group()
        out.extend(word) if len(word) > _LONG else out.append(word)
        pos = m.end()
    out.extend(text[pos:])
    return out


def _bad_break(toks: list[str], at: int) -> bool:
    """Would a line break before toks[at] break the 禁则?"""
    return toks[at][0] in NO_START or toks[at - 1][-1] in NO_END


def break_lines(text: str, font: str, size: float, width: float,
                first_indent: float = 0) -> list[tuple[str, bool, bool]]:
    """[(line, justified, indented)]: greedy fill, then the 禁则 by pushing characters to the next
    line; a paragraph's last line gets at least two characters. Each line of ``text`` ("\n")
    starts indented by ``first_indent``."""
    lines: list[tuple[str, bool, bool]] = []
    for para in text.split("\n"):
        toks = units(para)
        if not toks:
            lines.append(("", False, False))
            continue
        cuts, start = [], 0  # cuts: the index where each line ends
        while start < len(toks):
            avail = width - (first_indent if not cuts else 0)
            end, used = start, 0.0
            while end < len(toks):
                w = stringWidth(toks[end], font, size)
                if used + w > avail and end > start:
                    break
                used += w
                end += 1
            if end == start + 1 and len(toks[start]) > 1 and stringWidth(toks[start], font, size) > avail:
                toks[start:start + 1] = list(toks[start])  # a Latin run longer than the line (a URL)
                continue
            if (end < len(toks) and len(toks[end]) == 1 and toks[end] in NO_START and toks[end - 1][-1] not in NO_END
                    and (end + 1 == len(toks) or toks[end + 1][0] not in NO_START)):
                end += 1  # one closing mark joins the line, which is then set slightly tighter
            while end < len(toks) and end > start + 1 and _bad_break(toks, end):
                end -= 1
            cuts.append(end)
            start = end
        if len(cuts) > 1 and sum(len(t) for t in toks[cuts[-2]:]) < 2:
            # A lone character on the last line: take one more from the line above, if the rules allow.
            prev_start = cuts[-3] if len(cuts) > 2 else 0
            end = cuts[-2] - 1
            while end > prev_start + 1 and _bad_break(toks, end):
                end -= 1
            if end > prev_start + 1:
                cuts[-2] = end
        start = 0
        for n, end in enumerate(cuts):
            lines.append(("".join(toks[start:end]), end < len(toks), n == 0 and first_indent > 0))
            start = end
    return lines


class CJKParagraph(Flowable):
    """Plain text in one face, justified, first-line indent in characters; splits across pages.

    ``heads``: [(text, font)] headings set above the text as part of it, so a page break never
    separates a heading from the first two lines of what it heads."""

    def __init__(self, text: str, font: str, size: float, leading: float, *, indent: float = 0,
                 first_indent_chars: float = 0, align: str = "justify", color=colors.black,
                 space_before: float = 0, space_after: float = 0, stroke: float = 0, keep_with_next: bool = False,
                 heads: list[tuple[str, str]] = ()):
        super().__init__()
        self.heads = list(heads)
        self._head_lines = 0
        self.text, self.font, self.size, self.leading = text, font, size, leading
        self.indent, self.first_indent = indent, first_indent_chars * size
        self.align, self.color, self.stroke = align, color, stroke
        self.spaceBefore, self.spaceAfter = space_before, space_after
        self.keepWithNext = keep_with_next
        self._lines: list[tuple[str, bool, bool, str]] | None = None

    def wrap(self, availWidth, availHeight):
        self._width = availWidth - self.indent
        if self._lines is None:
            self._lines = []
            for text, font in self.heads:
                self._lines += [(*line, font) for line in break_lines(text, font, self.size, self._width,
                                                                      self.first_indent)]
            self._head_lines = len(self._lines)
            self._lines += [(*line, self.font) for line in break_lines(self.text, self.font, self.size, self._width,
                                                                       self.first_indent)]
        self.width, self.height = availWidth, len(self._lines) * self.leading
        return self.width, self.height

    def split(self, availWidth, availHeight):
        self.wrap(availWidth, availHeight)
        fit = int(availHeight // self.leading)
        if fit < self._head_lines + 2 or len(self._lines) - fit < 1 or len(self._lines) - self._head_lines < 4:
            return []  # no widow or orphan line, no heading alone: move the paragraph whole
        fit = min(fit, len(self._lines) - 2)
        parts = []
        for lines, first in ((self._lines[:fit], True), (self._lines[fit:], False)):
            part = CJKParagraph(self.text, self.font, self.size, self.leading, indent=self.indent, align=self.align,
                                color=self.color, stroke=self.stroke)
            part.first_indent, part._lines = self.first_indent, lines
            part.spaceBefore = self.spaceBefore if first else 0
            part.spaceAfter = 0 if first else self.spaceAfter
            parts.append(part)
        return parts

    def draw(self):
        c = self.canv
        c.saveState()
        c.setFillColor(self.color)
        if self.stroke:
            c.setStrokeColor(self.color)
            c.setLineWidth(self.stroke)
        y = self.height - self.size * 0.88 - (self.leading - self.size) / 2
        c.setFont(self.font, self.size)  # before beginText, which would otherwise name the default face
        for line, justified, indented, font in self._lines:
            x = self.indent + (self.first_indent if indented else 0)
            room = self._width - (x - self.indent)
            width = stringWidth(line, font, self.size)
            text = c.beginText()
            text.setFont(font, self.size)
            if self.stroke:
                text.setTextRenderMode(2)  # fill and stroke: a heavier face for the title
            if self.align == "center":
                x += (room - width) / 2
            elif self.align == "right":
                x += room - width
            elif self.align == "justify" and justified and len(line) > 1:
                text.setCharSpace((room - width) / (len(line) - 1))
            text.setTextOrigin(x, y)
            text.textOut(line)
            c.drawText(text)
            y -= self.leading
        c.restoreState()


@lru_cache(maxsize=8)  # one committee, one face: drawn once per process (~65 ms)
def seal_png(name: str, font_file: str, label: str, px: int = 600) -> bytes:
    """The electronic seal as a transparent PNG: red ring, star in the centre, the name along the
    upper arc, ``label`` (电子印章) below the star. An image, so its characters never mix into the
    page text that verification reads."""
    from PIL import Image, ImageDraw, ImageFont

    path, _, index = font_file.partition("#")
    red = (205, 20, 20, 200)
    img = Image.new("RGBA", (px, px), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    r = px / 2
    ring = px * 0.035
    draw.ellipse((ring / 2, ring / 2, px - ring / 2, px - ring / 2), outline=red, width=int(ring))
    # Five-pointed star.
    outer, inner = px * 0.17, px * 0.17 * 0.382
    pts = [(r + (outer if k % 2 == 0 else inner) * math.sin(k * math.pi / 5),
            r - (outer if k % 2 == 0 else inner) * math.cos(k * math.pi / 5)) for k in range(10)]
    draw.polygon(pts, fill=red)
    font = ImageFont.truetype(path, int(px * 0.13), index=int(index or 0))
    # The name along the upper arc, from about 8 o'clock to 4 o'clock, upright to the centre.
    chars = list(name)
    span = min(250.0, 22.0 * len(chars))
    radius = r - ring - px * 0.09
    for k, ch in enumerate(chars):
        angle = -span / 2 + span * (k + 0.5) / len(chars)
        tile = Image.new("RGBA", (int(px * 0.16), int(px * 0.16)), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((tile.width / 2, tile.height / 2), ch, font=font, fill=red, anchor="mm",
                                  stroke_width=max(1, px // 200), stroke_fill=red)
        tile = tile.rotate(-angle, resample=Image.BICUBIC)
        cx = r + radius * math.sin(math.radians(angle))
        cy = r - radius * math.cos(math.radians(angle))
        img.alpha_composite(tile, (int(cx - tile.width / 2), int(cy - tile.height / 2)))
    small = ImageFont.truetype(path, int(px * 0.075), index=int(index or 0))
    draw.text((r, r + px * 0.27), label, font=small, fill=red, anchor="mm")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
