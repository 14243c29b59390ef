"""Does the page say what the signature says? The facts a reader acts on (serial, conclusion, title,
department, dates, round) are found again in the page text and compared with the signed facts.

The search is by content, not position, so a restyled layout still checks: the signed value must
appear, and no value of the same kind may appear that the sheet would not print (an overlaid
审查同意, a changed year, another serial). Dates are read as ISO (2026-12-01) or Chinese
(2026年12月1日).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

_SERIAL = re.compile(r"〔\s*(\d{4})\s*〕\s*第\s*(\d+)\s*号")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_ZH_DATE = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YEAR = re.compile(r"(?<![0-9A-Za-z])((?:19|20|21)\d{2})(?![0-9A-Za-z])")
_HEX = re.compile(r"[0-9a-fA-F]{32,}")
_CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
_SPACE = re.compile(r"\s+")

# The fields compared, in the order reported.
FIELDS = ("serial", "conclusion", "title", "department", "issued_on", "round", "year")


def flat(text: str) -> str:
    return _SPACE.sub("", text or "")


def _strings(value) -> Iterable[str]:
    """Every string inside a JSON value (facts, wording), once per occurrence."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield str(value)


def _dates(text: str) -> set[str]:
    found = {f"{y}-{int(m):02d}-{int(d):02d}" for y, m, d in _ISO_DATE.findall(text)}
    found |= {f"{y}-{int(m):02d}-{int(d):02d}" for y, m, d in _ZH_DATE.findall(text)}
    return found


def _serials(text: str) -> set[tuple[int, int]]:
    return {(int(y), int(n)) for y, n in _SERIAL.findall(flat(text))}


def _years(text: str) -> set[str]:
    return set(_YEAR.findall(_CODE.sub(" ", _HEX.sub(" ", text))))


def _static(wording: dict) -> dict:
    """The wording every sheet prints (headings, labels), not the conclusions' own texts."""
    return {k: v for k, v in wording.items() if k not in ("conclusions", "policy_types")}


def printable_corpus(facts: dict, wording: dict) -> list[str]:
    """What a genuine sheet may print: the signed facts and the sheet's own wording."""
    return list(_strings(facts)) + list(_strings(_static(wording)))


def text_mismatches(facts: dict, text: str, wording: dict) -> list[str]:
    """The fields whose page text disagrees with the signed facts (empty: the page agrees)."""
    page = flat(text)
    corpus = printable_corpus(facts, wording)
    corpus_text = "\n".join(corpus)
    bad: list[str] = []

    serial = flat(str(facts.get("serial", "")))
    m = _SERIAL.search(serial)
    allowed_serials = _serials(corpus_text)
    if not serial or serial not in page or (m and not _serials(text) <= allowed_serials):
        bad.append("serial")

    # Each conclusion label may appear as often as the signed facts contain it. The wording's own
    # labels that contain one (修改建议, a table header repeated on every page) are masked first.
    label = flat(str(facts.get("conclusion_label", "")))
    labels = {flat(c["label"]) for c in (wording.get("conclusions") or {}).values()} | {label}
    labels.discard("")
    static = {flat(s) for s in _strings(_static(wording))}
    masked = page
    for text_ in sorted((s for s in static if any(lb in s for lb in labels)), key=len, reverse=True):
        masked = masked.replace(text_, "\0")
    signed = [flat(s) for s in _strings(facts)]
    if not label or label not in masked or any(masked.count(lb) > sum(s.count(lb) for s in signed) for lb in labels):
        bad.append("conclusion")

    for name in ("title", "department"):
        value = flat(str(facts.get(name, "")))
        if not value or value not in page:
            bad.append(name)

    issued = str(facts.get("issued_on", ""))
    shown = _dates(text)
    if issued not in shown or not shown <= _dates(corpus_text):
        bad.append("issued_on")

    round_value = str((wording.get("labels") or {}).get("round_value", "第 {round} 轮"))
    expected_round = flat(round_value.format(round=facts.get("round", "")))
    pattern = re.escape(flat(round_value)).replace(re.escape("{round}"), r"(\d+)")
    rounds = set(re.findall(pattern, page))
    if expected_round not in page or rounds - set(re.findall(pattern, flat(corpus_text))) - {str(facts.get("round"))}:
        bad.append("round")

    if not _years(text) <= _years(corpus_text):
        bad.append("year")
    return bad


def revision_marks(structure: dict) -> list[str]:
    """What shows that bytes were added after the file was written: one revision has one %%EOF,
    one startxref and one xref section, no /Prev link and nothing after its %%EOF."""
    marks = []
    if structure.get("eof_markers", 0) > 1 or structure.get("startxref", 0) > 1:
        marks.append("revisions")
    if structure.get("xref_tables", 0) + structure.get("xref_streams", 0) > 1 or structure.get("prev_links", 0):
        marks.append("xref_sections")
    if structure.get("trailing_bytes", 0):
        marks.append("trailing_bytes")
    return marks
