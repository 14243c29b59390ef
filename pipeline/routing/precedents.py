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

from .index import _bm25_matrix
from .reasons import rubric_terms, stopwords
from .text import BIGRAM, DraftText, tokenize

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


_token_cache: dict[str, list[str]] = {}
_TOKEN_CACHE_MAX = 400_000


def _tokens(text: str) -> list[str]:
    """Tokens of a past clause, kept across rebuilds: a rebuild after one more concluded submission
    segments only that submission's clauses."""
    hit = _token_cache.get(text)
    if hit is None:
        if len(_token_cache) >= _TOKEN_CACHE_MAX:
            _token_cache.clear()
        hit = _token_cache[text] = tokenize(text)
    return hit


def _col_max(mat: sparse.csc_matrix) -> np.ndarray:
    """Per term, its best BM25 weight in any document: the self-match of a query is bounded by it."""
    if not mat.shape[0] or not mat.shape[1]:
        return np.zeros(mat.shape[1], dtype=np.float32)
    return np.asarray(mat.max(axis=0).todense(), dtype=np.float32).ravel()


def _unseen(rows: list[dict[str, float]], vocab: dict[str, int]) -> np.ndarray:
    """Per query row, the summed weight of its terms that no past document holds."""
    return np.array([sum(w for t, w in weights.items() if t not in vocab) for weights in rows], dtype=np.float32)


def _typical(col_max: np.ndarray) -> float:
    """The weight an unseen term would have in the query's own self-match: a typical term's best."""
    nz = col_max[col_max > 0]
    return float(np.median(nz)) if nz.size else 1.0


def _query_rows(rows: list[dict[str, float]], vocab: dict[str, int], ncols: int) -> sparse.csr_matrix:
    data, indices, indptr = [], [], [0]
    for weights in rows:
        for t, w in weights.items():
            j = vocab.get(t)
            if j is not None:
                indices.append(j)
                data.append(w)
        indptr.append(len(indices))
    return sparse.csr_matrix((np.array(data, dtype=np.float32), np.array(indices, dtype=np.int64), indptr),
                             shape=(len(rows), ncols))


class PrecedentIndex:
    """Built once per state of the committee's concluded work; queried per draft."""

    def __init__(self, drafts: Iterable[PastDraft], clauses: Iterable[PastClause]) -> None:
        self.drafts = list(drafts)
        self.clauses = [c for c in clauses if c.opinions]
        self._stop = stopwords()
        self._rubric = rubric_terms()
        self._draft_mat, self._draft_vocab = _bm25_matrix(
            [_tokens(d.title) * 3 + [x for c in d.clauses for x in _tokens(c)] for d in self.drafts])
        self._draft_max = _col_max(self._draft_mat)
        self._draft_typical = _typical(self._draft_max)
        self._draft_csr = self._draft_mat.tocsr()
        clause_tokens = [_tokens(c.text) for c in self.clauses]
        self._clause_tokens = [set(t) for t in clause_tokens]
        mat, self._clause_vocab = _bm25_matrix(clause_tokens)
        self._clause_max = _col_max(mat)
        self._clause_typical = _typical(self._clause_max)
        self._clause_csr = mat.tocsr()
        # (clauses x vocabulary) 1 where the clause holds a content word: counts shared words by product
        content = np.array([0.0] * (mat.shape[1]), dtype=np.float32)
        for t, j in self._clause_vocab.items():
            if not t.startswith(BIGRAM) and t not in self._stop:
                content[j] = 1.0
        binary = self._clause_csr.copy()
        binary.data = np.ones_like(binary.data)
        self._clause_words = (binary @ sparse.diags(content)).tocsr() if mat.shape[1] else binary

    def __len__(self) -> int:
        return len(self.drafts)

    def similar_drafts(self, draft: DraftText, *, k: int = N_DRAFTS,
                       exclude: Sequence[Hashable] = ()) -> list[SimilarDraft]:
        if not self.drafts or not self._draft_vocab:
            return []
        rows = [draft.query()]
        q = _query_rows(rows, self._draft_vocab, self._draft_csr.shape[1])
        raw = np.asarray((self._draft_csr @ q.T).todense(), dtype=np.float32).ravel()
        # A draft equal to a past one would score this much; terms no past draft holds count too.
        scale = float((q @ self._draft_max)[0] + _unseen(rows, self._draft_vocab)[0] * self._draft_typical) or 1.0
        out = []
        for i in np.argsort(-raw, kind="stable"):
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
        """Past commented clauses most like one of the draft's clauses, one per past clause, best first.

        All clause pairs at once: (draft clauses x terms) @ (terms x past clauses), sparse."""
        segs = [s for s in draft.segments if s.path != "title"]
        if not self.clauses or not segs or not self._clause_vocab:
            return []
        weights = [_weights(s.tokens) for s in segs]
        q = _query_rows(weights, self._clause_vocab, self._clause_csr.shape[1])
        raw = (q @ self._clause_csr.T).tocsr()
        scale = np.asarray(q @ self._clause_max, dtype=np.float32).ravel()
        scale = np.maximum(scale + _unseen(weights, self._clause_vocab) * self._clause_typical, 1e-9)
        share = (sparse.diags(1.0 / scale) @ raw).tocsr()
        share.data[share.data < CLAUSE_MIN_SHARE] = 0.0
        share.eliminate_zeros()
        qb = q.copy()
        qb.data = np.ones_like(qb.data)
        pattern = share.copy()
        pattern.data = np.ones_like(pattern.data)
        shared_n = pattern.multiply((qb @ self._clause_words.T).tocsr()).tocsr()
        shared_n.data[shared_n.data < CLAUSE_MIN_WORDS] = 0.0
        shared_n.eliminate_zeros()
        keep = shared_n.copy()
        keep.data = np.ones_like(keep.data)
        coo = share.multiply(keep).tocoo()
        best: dict[int, tuple[float, int]] = {}
        for si, ci, v in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()):
            if (ci not in best or v > best[ci][0]) and self.clauses[ci].draft_key not in exclude:
                best[ci] = (v, si)
        out = []
        for ci, (share, si) in sorted(best.items(), key=lambda kv: -kv[1][0])[:k]:
            seg = segs[si]
            words = {t for t in seg.tokens if not t.startswith(BIGRAM) and t not in self._stop}
            # rubric terms first: they say what the two clauses are about
            shared = sorted(words & self._clause_tokens[ci],
                            key=lambda t: (t not in self._rubric, -weights[si].get(t, 0), t))
            out.append(SimilarClause(seg.path, seg.text, self.clauses[ci], min(share, 1.0), shared[:5]))
        return out


def _weights(tokens: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for t in tokens:
        out[t] = out.get(t, 0.0) + 1.0
    return {t: float(np.log1p(v)) for t, v in out.items()}
