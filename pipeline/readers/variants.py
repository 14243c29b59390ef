"""Traditional variants in a simplified document, as CID fonts produce them.

A CID font's character collection (Adobe-GB1 for STSong-Light) holds both forms of many
characters, and some writers pick the CID of the traditional glyph, so pdfminer decodes 学 as 學.
When a document is predominantly simplified, such characters are turned back with OpenCC's
phrase-aware t2s conversion; a traditional document is left as it is.
"""
from __future__ import annotations

from functools import lru_cache

# Share of script-specific characters that must be simplified before anything is converted:
# a traditional document (share near 0) or a mixed one is never touched.
SIMPLIFIED_SHARE = 0.8


@lru_cache(maxsize=1)
def _converters():
    import opencc
    return opencc.OpenCC("t2s"), opencc.OpenCC("s2t")


def _differs(a: str, b: str) -> int:
    if len(a) == len(b):
        return sum(1 for x, y in zip(a, b) if x != y)
    return sum(1 for ch in set(a) if ch not in b)  # lengths changed: rough count by character


def script_counts(text: str) -> tuple[int, int]:
    """(characters with a different traditional form, characters with a different simplified form)."""
    t2s, s2t = _converters()
    return _differs(text, s2t.convert(text)), _differs(text, t2s.convert(text))


def normalise_variants(texts: list[str]) -> tuple[list[str], int]:
    """The texts with stray traditional characters made simplified, and how many were changed.
    Only characters that are not themselves simplified forms change (干 stays 干, 乾 in 乾坤 stays)."""
    joined = "\n".join(texts)
    t2s, s2t = _converters()
    traditional = _differs(joined, t2s.convert(joined))
    if not traditional:  # the usual case: one conversion and done
        return texts, 0
    simplified = _differs(joined, s2t.convert(joined))
    if simplified < SIMPLIFIED_SHARE * (simplified + traditional):
        return texts, 0
    out, changed = [], 0
    for text in texts:
        converted = t2s.convert(text)
        if converted == text or len(converted) != len(text):
            out.append(text)
            continue
        keep = []
        for orig, new in zip(text, converted):
            # a character that s2t would change is a simplified form already: never touch it
            if orig != new and s2t.convert(orig) == orig:
                keep.append(new)
                changed += 1
            else:
                keep.append(orig)
        out.append("".join(keep))
    return out, changed
