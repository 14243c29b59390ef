"""Chinese-aware tokenisation and the weighted text of a parsed draft.

Tokens are jieba words (two characters or more) plus character bigrams of every CJK run. Words give
precise matches when segmentation agrees; bigrams still match when it does not (expert profiles are
short phrases that jieba often cuts differently from the draft). Bigrams carry a ``~`` prefix so a
two-character word and the same bigram are separate features: an exact word match counts twice.
"""
from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass, field

import jieba

from .lexicon import DOMAIN_TERMS

BIGRAM = "~"
# Weights of draft parts: the title names the policy; clauses the screening tagged as health-relevant
# (determinants or domains) outweigh preamble and boilerplate.
TITLE_WEIGHT = 3.0
RELEVANT_WEIGHT = 2.0
PLAIN_WEIGHT = 1.0

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN = re.compile(r"[a-z][a-z0-9\-]+")
_STOP_CHARS = set("的了和与及等在是为对将把并或之其于以由从各该此个有也就都而")
_STOP_WORDS = {
    "我们", "进行", "开展", "工作", "加强", "推进", "推动", "提高", "提升", "建立", "完善", "组织", "实施",
    "相关", "有关", "要求", "情况", "方面", "以及", "其中", "通过", "根据", "按照", "不断", "积极", "切实",
    "全面", "进一步", "坚持", "落实", "深入", "主要", "重点", "各级", "部门", "单位", "负责", "做好",
    # Generic in every health policy: they say nothing about which domain a text belongs to.
    "健康", "建设", "服务", "管理", "中国", "活动", "促进", "体系", "机制", "政府", "群众", "人民", "居民",
    "the", "and", "for", "with", "of", "in", "on", "to", "a", "an", "is", "are", "by", "as", "at",
    "from", "or", "its", "this", "that", "be", "on",
}

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def tokenizer() -> jieba.Tokenizer:
    """A private jieba tokenizer, initialised once and quietly.

    Private so the domain terms we add never change how other parts of the application segment text.
    """
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                for terms in DOMAIN_TERMS.values():
                    for term in terms:
                        tok.add_word(term, freq=20000)
                _tokenizer = tok
    return _tokenizer


def tokenize(text: str) -> list[str]:
    """Words and prefixed bigrams of ``text``, stop words removed."""
    if not text:
        return []
    text = text.lower()
    out: list[str] = []
    for word in tokenizer().lcut(text, HMM=False):
        word = word.strip()
        if len(word) < 2 or word in _STOP_WORDS:
            continue
        if _CJK_RUN.fullmatch(word) or _LATIN.fullmatch(word):
            out.append(word)
    for run in _CJK_RUN.findall(text):
        for i in range(len(run) - 1):
            pair = run[i:i + 2]
            if pair[0] not in _STOP_CHARS and pair[1] not in _STOP_CHARS and pair not in _STOP_WORDS:
                out.append(BIGRAM + pair)
    return out


def word_count(tokens: list[str]) -> int:
    """Words only: bigrams would double-count the same evidence."""
    return sum(1 for t in tokens if not t.startswith(BIGRAM))


def display_terms(tokens: list[str], limit: int) -> list[str]:
    """Readable matched terms, strongest first: words; bigrams (which may straddle two words) only
    when no word matched."""
    words = [t for t in tokens if not t.startswith(BIGRAM)]
    if words:
        return words[:limit]
    return [t[len(BIGRAM):] for t in tokens[:limit]]


@dataclass
class Segment:
    """One weighted piece of a draft: its title or a clause."""

    path: str
    text: str
    weight: float
    domains: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)


@dataclass
class DraftText:
    segments: list[Segment]
    screening_domains: dict[str, float]
    _query: dict[str, float] | None = field(default=None, repr=False)

    def query(self) -> dict[str, float]:
        """Term weights of the whole draft: log(1 + weighted term frequency), computed once.

        Sublinear so that a term repeated in every clause does not swamp the rest.
        """
        if self._query is None:
            tf: Counter[str] = Counter()
            for seg in self.segments:
                for tok, n in Counter(seg.tokens).items():
                    tf[tok] += n * seg.weight
            self._query = {t: math.log1p(v) for t, v in tf.items()}
        return self._query


def _codes(items) -> list[str]:
    """Domain codes from plain codes or the pipeline's ``{code, score, terms}`` entries."""
    out = []
    for item in items or []:
        code = item.get("code") if isinstance(item, dict) else item
        if isinstance(code, str) and code:
            out.append(code)
    return out


def draft_text(draft: dict) -> DraftText:
    """Tokenised, weighted segments of a parsed draft dict (see ``pipeline.run_file(...).to_dict()``)."""
    segments: list[Segment] = []
    title = (draft.get("title") or "").strip()
    if title:
        segments.append(Segment("title", title, TITLE_WEIGHT))
    for i, clause in enumerate(draft.get("clauses") or []):
        text = (clause.get("text") or "").strip()
        if not text:
            continue
        relevant = bool(clause.get("determinants")) or bool(clause.get("domains"))
        segments.append(Segment(
            str(clause.get("path") or clause.get("id") or f"#{i + 1}"), text,
            RELEVANT_WEIGHT if relevant else PLAIN_WEIGHT, _codes(clause.get("domains")),
        ))
    for seg in segments:
        seg.tokens = tokenize(seg.text)
    screening = draft.get("screening") or {}
    ranked = {}
    for item in screening.get("domains") or []:
        if isinstance(item, dict) and item.get("code"):
            ranked[item["code"]] = float(item.get("score") or 0.0)
    return DraftText(segments, ranked)


def draft_from_text(text: str, title: str = "") -> dict:
    """A parsed-draft dict from plain text, one clause per non-empty line, with no screening.

    For routing a text before (or without) the document pipeline.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not title and lines:
        title, lines = lines[0], lines[1:]
    clauses = [{"id": i + 1, "path": f"¶{i + 1}", "text": ln, "page": None, "determinants": [],
                "domains": [], "evidence": []} for i, ln in enumerate(lines)]
    return {"title": title, "clauses": clauses, "screening": {"questions": [], "populations": [], "domains": []}}
