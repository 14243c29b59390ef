"""How people cite a clause: 第五条, 四、（三）, and the first words of its text."""
from __future__ import annotations

import re

_ARTICLE = re.compile(r"^第[一二三四五六七八九十百千零〇两\d]+条$")
_CHAPTER = re.compile(r"^第[一二三四五六七八九十百千零〇两\d]+[编章节]$")
_CN_NUMERAL = re.compile(r"^[一二三四五六七八九十百千零〇两]+$")
_ARABIC = re.compile(r"^\d+$")


def cite(path: str) -> str:
    """The clause's reference as written in an opinion: '第五条', '第五条（三）', '四、（三）', '四、（三）2.'.

    ``path`` is the clause's heading path ("第一章/第五条", "四/（三）/2"); chapters and sections are
    dropped once an article number is there, since an article number is unique in the document.
    An empty path (the preamble) gives ''."""
    tokens = [t for t in (path or "").split("/") if t]
    if not tokens:
        return ""
    for i, token in enumerate(tokens):
        if _ARTICLE.match(token):
            return token + "".join(_item(t) for t in tokens[i + 1:])
    tokens = [t for t in tokens if not _CHAPTER.match(t)] or tokens
    out = []
    for i, token in enumerate(tokens):
        if i == 0 and _CN_NUMERAL.match(token):
            out.append(token + "、")
        else:
            out.append(_item(token))
    return "".join(out)


def _item(token: str) -> str:
    return token + "." if _ARABIC.match(token) else token


def quote(text: str, length: int = 20) -> str:
    """The clause's first words, cut at a punctuation mark near ``length`` characters when there is one."""
    text = re.sub(r"\s+", "", text or "")
    if len(text) <= length:
        return text
    head = text[:length]
    cut = max(head.rfind(p) for p in "，。；：、")
    if cut >= length // 2:
        head = head[:cut]
    return head + "……"


def reference(path: str, text: str, length: int = 20) -> str:
    """'第五条“…首句…”' — the citation with the clause's first words, or the words alone for the preamble."""
    words = quote(text, length)
    where = cite(path)
    return f"{where}“{words}”" if where else f"“{words}”"
