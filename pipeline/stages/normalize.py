"""Whitespace cleaning for stored text, and a normalised form for matching and hashing.

``clean`` only touches whitespace, so a clause keeps what the author wrote. ``matchable`` folds
full-width forms, quotes and case so that lexicon terms and hashes do not depend on the typing
habits of a department.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

# CJK ideographs, CJK punctuation, full-width forms: no space belongs next to these.
_CJK = r"\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef“”‘’—…·"
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_AROUND_CJK = re.compile(rf"(?<=[{_CJK}]) +| +(?=[{_CJK}])")
_DOUBLE_QUOTES = re.compile("[“”„「」『』〝〞]")
_SINGLE_QUOTES = re.compile("[‘’]")
_ALL_SPACE = re.compile(r"\s+")


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\u3000" <= ch <= "\u303f" \
        or "\uff00" <= ch <= "\uffef"


@lru_cache(maxsize=8192)
def clean(text: str) -> str:
    """Collapse whitespace and drop the stray spaces PDF exports put inside CJK text."""
    text = _INVISIBLE.sub("", text)
    text = text.replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        line = _SPACES.sub(" ", line)
        line = _AROUND_CJK.sub("", line).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


@lru_cache(maxsize=8192)
def matchable(text: str) -> str:
    """The form used for matching and hashing: NFKC, unified quotes, no whitespace, lower case.
    Cached: screening and the text hash ask for the same clause texts."""
    text = _SINGLE_QUOTES.sub("'", _DOUBLE_QUOTES.sub('"', text))
    return _ALL_SPACE.sub("", unicodedata.normalize("NFKC", text)).lower()


def text_sha256(parts: list[str]) -> str:
    joined = "\n".join(matchable(p) for p in parts if p)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()
