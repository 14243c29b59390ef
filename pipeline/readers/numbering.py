"""Word automatic numbering: rebuild the labels ("一、", "（二）", "3.") that never reach
``paragraph.text`` although they carry the document structure."""
from __future__ import annotations

from dataclasses import dataclass, field

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

_DIGITS = "零一二三四五六七八九"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def chinese_number(n: int, digits: str = _DIGITS, units: str = "十百千") -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (chineseCounting)."""
    if n <= 0:
        return digits[0]
    if n >= 10000:
        return str(n)
    parts = []
    values = [(1000, units[2]), (100, units[1]), (10, units[0]), (1, "")]
    zero = False
    for value, unit in values:
        d = n // value % 10
        if d == 0:
            zero = bool(parts)
            continue
        if zero:
            parts.append(digits[0])
            zero = False
        if not (d == 1 and value == 10 and not parts):
            parts.append(digits[d])
        parts.append(unit)
    return "".join(parts)


def _roman(n: int) -> str:
    out = []
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                       (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)


def _letter(n: int) -> str:
    n = max(n, 1)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting",
               "taiwaneseCountingThousand", "ideographDigital"):
        return chinese_number(n)
    if fmt == "chineseLegalSimplified":
        return chinese_number(n, _LEGAL, "拾佰仟")
    if fmt in ("ideographTraditional",):
        return _TIANGAN[(n - 1) % 10]
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n)
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letter(n)
    if fmt == "lowerLetter":
        return _letter(n).lower()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


_TOKENS = tuple(f"%{k + 1}" for k in range(9))  # level placeholders of w:lvlText


@dataclass
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    restart: int | None = None  # w:lvlRestart: restart after this (1-based) level advances


@dataclass
class Numbering:
    """numId → levels, plus the running counters of each list instance."""

    nums: dict[str, tuple[str, dict[int, int]]] = field(default_factory=dict)  # numId → (abstractId, startOverrides)
    abstracts: dict[str, dict[int, Level]] = field(default_factory=dict)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    @classmethod
    def from_element(cls, root) -> "Numbering":
        self = cls()
        if root is None:
            return self
        for absn in root.iter(W + "abstractNum"):
            levels = {}
            for lvl in absn.findall(W + "lvl"):
                levels[int(lvl.get(W + "ilvl", "0"))] = _read_level(lvl)
            self.abstracts[absn.get(W + "abstractNumId")] = levels
        for num in root.iter(W + "num"):
            aid = num.find(W + "abstractNumId")
            overrides = {}
            for ov in num.findall(W + "lvlOverride"):
                so = ov.find(W + "startOverride")
                if so is not None:
                    overrides[int(ov.get(W + "ilvl", "0"))] = int(so.get(W + "val", "1"))
            if aid is not None:
                self.nums[num.get(W + "numId")] = (aid.get(W + "val"), overrides)
        return self

    def label(self, num_id: str, ilvl: int) -> str:
        """Advance the counter of (num_id, ilvl) and render the level text."""
        if num_id in (None, "0") or num_id not in self.nums:
            return ""
        abstract_id, overrides = self.nums[num_id]
        levels = self.abstracts.get(abstract_id, {})
        if ilvl not in levels:
            return ""
        # Counters belong to the abstract list, so two numIds of one list continue each other.
        counters = self.counters.setdefault(abstract_id, {})
        lvl = levels[ilvl]
        start = overrides.get(ilvl, lvl.start)
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            restart = levels.get(deeper, Level()).restart
            if restart is None or restart > ilvl:
                del counters[deeper]
        text = lvl.text
        if "%" not in text:
            return "" if lvl.fmt == "bullet" else text
        for k, token in enumerate(_TOKENS):
            if token in text:
                klvl = levels.get(k, Level())
                value = counters.get(k, overrides.get(k, klvl.start))
                text = text.replace(token, format_number(value, klvl.fmt))
        if lvl.fmt == "bullet":
            return ""
        return text


def _read_level(lvl) -> Level:
    def val(tag, default=None):
        el = lvl.find(W + tag)
        return el.get(W + "val") if el is not None else default

    restart = val("lvlRestart")
    return Level(
        start=int(val("start", "1")),
        fmt=val("numFmt", "decimal"),
        text=val("lvlText", ""),
        restart=int(restart) if restart is not None else None,
    )
