"""Precedents: earlier concluded drafts most like a new one, and the opinions given on similar clauses.

The same lexical machinery as expert routing (``index.py``): bm25s weights over the jieba words and
bigrams of ``text.tokenize``, queried with the draft's log-scaled term weights. Database-free: the
caller passes past drafts and their commented clauses as plain dataclasses.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from .index import _bm25_matrix, _query
from .reasons import rubric_terms, stopwords
from .text import BIGRAM, DraftText, Segment, tokenize

N_DRAFTS = 5
N_CLAUSES = 5
DRAFT_MIN_SHARE = 0.2   # a past draft scoring below this share of the draft's self-match is not similar
CLAUSE_MIN_WORDS = 2    # a clause pair shares at least this many content words (not bigrams)
CLAUSE_MIN_SHARE = 0.3  # ... and scores at least this share of the new clause's self-match


@dataclass
class PastDraft:
    key: Hashable
    title: str
    clauses: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)  # department, conclusion, date … passed back as is


@dataclass
class PastClause:
    key: Hashable
    draft_key: Hashable
    path: str
    text: str
    opinions: list[dict] = field(default_factory=list)  # passed back as is


@dataclass
class SimilarDraft:
    draft: PastDraft
    score: float  # share of the new draft's self-match, in [0, 1]


@dataclass
class SimilarClause:
    path: str        # the new draft's clause
    text: str
    past: PastClause
    score: float     # share of the new clause's self-match, in [0, 1]
    shared: list[str] = field(default_factory=list)


def _weights(tokens: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for t in tokens:
        out[t] = out.get(t, 0.0) + 1.0
    return {t: float(np.log1p(v)) for t, v in out.items()}


def _self_score(mat: sparse.csc_matrix, vocab: dict[str, int], weights: dict[str, float],
                n_docs: int) -> float:
    """What a past document equal to the query would score: the scale that makes scores comparable.

    Approximated with the best weight each query term has anywhere in the index."""
    ids, w, _ = _query(vocab, weights)
    if not ids.size or not n_docs:
        return 0.0
    best = np.asarray(mat[:, ids].max(axis=0).todense(), dtype=np.float32).ravel()
    return float(best @ w)


class PrecedentIndex:
    """Built once per state of the committee's concluded work; queried per draft."""

    def __init__(self, drafts: Iterable[PastDraft], clauses: Iterable[PastClause]) -> None:
        self.drafts = list(drafts)
        self.clauses = [c for c in clauses if c.opinions]
        title_tokens = [tokenize(d.title) for d in self.drafts]
        self._draft_mat, self._draft_vocab = _bm25_matrix(
            [t * 3 + [x for c in d.clauses for x in tokenize(c)] for d, t in zip(self.drafts, title_tokens)])
        self._clause_tokens = [set(tokenize(c.text)) for c in self.clauses]
        self._clause_mat, self._clause_vocab = _bm25_matrix([tokenize(c.text) for c in self.clauses])
        self._stop = stopwords()
        self._rubric = rubric_terms()

    def __len__(self) -> int:
        return len(self.drafts)

    def similar_drafts(self, draft: DraftText, *, k: int = N_DRAFTS,
                       exclude: Sequence[Hashable] = ()) -> list[SimilarDraft]:
        if not self.drafts:
            return []
        weights = draft.query()
        ids, w, _ = _query(self._draft_vocab, weights)
        if not ids.size:
            return []
        raw = np.asarray(self._draft_mat[:, ids] @ w, dtype=np.float32).ravel()
        scale = _self_score(self._draft_mat, self._draft_vocab, weights, len(self.drafts)) or 1.0
        order = np.argsort(-raw, kind="stable")
        out = []
        for i in order:
            share = float(raw[i]) / scale
            if share < DRAFT_MIN_SHARE or raw[i] <= 0:
                break
            if self.drafts[i].key in exclude:
                continue
            out.append(SimilarDraft(self.drafts[i], min(share, 1.0)))
            if len(out) >= k:
                break
        return out

    def similar_clauses(self, draft: DraftText, *, k: int = N_CLAUSES,
                        exclude: Sequence[Hashable] = ()) -> list[SimilarClause]:
        """Past commented clauses most like one of the draft's clauses, one per past clause, best first."""
        if not self.clauses:
            return []
        best: dict[int, SimilarClause] = {}
        for seg in draft.segments:
            if seg.path == "title":
                continue
            for hit in self._clause_hits(seg, exclude):
                j = id(hit.past)
                if j not in best or hit.score > best[j].score:
                    best[j] = hit
        return sorted(best.values(), key=lambda h: -h.score)[:k]

    def _clause_hits(self, seg: Segment, exclude: Sequence[Hashable]) -> list[SimilarClause]:
        weights = _weights(seg.tokens)
        ids, w, _ = _query(self._clause_vocab, weights)
        if not ids.size:
            return []
        raw = np.asarray(self._clause_mat[:, ids] @ w, dtype=np.float32).ravel()
        scale = _self_score(self._clause_mat, self._clause_vocab, weights, len(self.clauses)) or 1.0
        words = {t for t in seg.tokens if not t.startswith(BIGRAM) and t not in self._stop}
        out = []
        for i in np.flatnonzero(raw > 0):
            past = self.clauses[i]
            if past.draft_key in exclude:
                continue
            share = float(raw[i]) / scale
            # rubric terms first: they say what the two clauses are about
            shared = sorted(words & self._clause_tokens[i], key=lambda t: (t not in self._rubric, -weights.get(t, 0), t))
            if share >= CLAUSE_MIN_SHARE and len(shared) >= CLAUSE_MIN_WORDS:
                out.append(SimilarClause(seg.path, seg.text, past, min(share, 1.0), shared[:5]))
        return out
