"""Whole-word matching of the screening rubric's terms.

A clause is segmented with a private jieba tokenizer that knows every rubric term (user dictionary), and
a term counts only where it does not cross a word boundary: 低保 is not found in 最低/保护价, 产后 not
in 破产/后 or 投产/后. A term may start a longer word (养老 in 养老院) or end it (辐射 in 电磁辐射: the
head of a Chinese compound comes last). A term inside one of its negative contexts (辐射 in 辐射带动) does not count either.
"""
from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import jieba

# jieba.cut segments each run of these characters on its own and yields the rest character by
# character (its re_han_default and re_skip_default), so a run's words can be kept and reused.
_RUN = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")
_RUN_CACHE = 4096  # runs per matcher: a document repeats its phrases (各级人民政府, 按照规定)

_lock = threading.Lock()


@dataclass(frozen=True)
class Hit:
    term: str  # the matchable() form, a key of the matcher's entries
    start: int
    end: int


class WordMatcher:
    """Finds the terms of several vocabularies at word starts, with one segmentation per text; built once
    per rubric (jieba's dictionary load costs about a second)."""

    def __init__(self, vocabularies: dict[str, dict[str, tuple[str, ...]]]):
        """``vocabularies``: name → {matchable term → its negative contexts (matchable too)}."""
        self.not_in = {t: ctx for terms in vocabularies.values() for t, ctx in terms.items() if ctx}
        self._tries: dict[str, dict] = {}
        for name, terms in vocabularies.items():
            trie: dict = {}
            for term in terms:
                node = trie
                for ch in term:
                    node = node.setdefault(ch, {})
                node[""] = term
            self._tries[name] = trie
        self._terms = tuple(sorted({t for terms in vocabularies.values() for t in terms}))
        self._tok: jieba.Tokenizer | None = None
        self._runs: OrderedDict[str, list[str]] = OrderedDict()

    def tokenizer(self) -> jieba.Tokenizer:
        if self._tok is None:
            with _lock:
                if self._tok is None:
                    jieba.setLogLevel(logging.WARNING)
                    tok = jieba.Tokenizer()
                    tok.initialize()
                    for term in self._terms:
                        if len(term) > 1:
                            tok.add_word(term)  # jieba suggests the frequency that keeps it whole
                    self._tok = tok
        return self._tok

    def words(self, text: str) -> list[str]:
        """jieba's words of ``text`` (HMM off), the same as ``lcut(text, HMM=False)``: each run is
        segmented once and its words reused when the text repeats it."""
        if not text:
            return []
        tok = self.tokenizer()
        out: list[str] = []
        runs = self._runs
        for i, blk in enumerate(_RUN.split(text)):
            if not blk:
                continue
            if i % 2 == 0:  # between runs: jieba yields whitespace runs whole, the rest one by one
                out.extend(tok.lcut(blk, HMM=False))
                continue
            words = runs.get(blk)
            if words is None:
                words = tok.lcut(blk, HMM=False)
                with _lock:
                    runs[blk] = words
                    if len(runs) > _RUN_CACHE:
                        runs.popitem(last=False)
            out.extend(words)
        return out

    def find(self, text: str, vocabulary: str, words: list[str] | None = None) -> list[Hit]:
        """Longest terms of ``vocabulary`` starting at a word start, left to right, not overlapping."""
        if not text:
            return []
        words = self.words(text) if words is None else words
        ends: dict[int, int] = {}  # word start → word end
        pos = 0
        for w in words:
            ends[pos] = pos + len(w)
            pos += len(w)
        trie = self._tries[vocabulary]
        hits: list[Hit] = []
        covered = 0
        for start, word_end in ends.items():
            if start < covered:
                continue
            # most words start with no term's first character: skip the call
            best = self._longest(trie, text, start, ends, word_end) if text[start] in trie else None
            if best is None and word_end - start > 2:
                best = self._suffix(trie, text, start, word_end)
            if best is not None:
                hits.append(best)
                covered = best.end
        return hits

    def _suffix(self, trie: dict, text: str, start: int, word_end: int) -> Hit | None:
        """The longest term that ends a compound word: 辐射 in 电磁辐射 (the head is its last part)."""
        for inner in range(start + 1, word_end - 1):
            node, i = trie, inner
            while i < word_end and text[i] in node:
                node = node[text[i]]
                i += 1
            if i == word_end and "" in node and not self._negative(text, inner, node[""]):
                return Hit(node[""], inner, word_end)
        return None

    def _longest(self, trie: dict, text: str, start: int, ends: dict[int, int], word_end: int) -> Hit | None:
        node = trie
        best = None
        i = start
        while i < len(text) and text[i] in node:
            node = node[text[i]]
            i += 1
            # the term must end at a word boundary, or inside the word it starts
            if "" in node and (i <= word_end or i in ends or i == len(text)):
                term = node[""]
                if not self._negative(text, start, term):
                    best = Hit(term, start, i)
        return best

    def _negative(self, text: str, start: int, term: str) -> bool:
        for ctx in self.not_in.get(term, ()):
            offset = ctx.find(term)
            while offset >= 0:
                if start - offset >= 0 and text.startswith(ctx, start - offset):
                    return True
                offset = ctx.find(term, offset + 1)
        return False
