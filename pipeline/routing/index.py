"""The expert index: scores every expert's affinity with a parsed draft, with reasons.

Hybrid score (all parts in [0, 1]; see docs/routing.md)::

    text    = lexical                                  without an embedder
            = DENSE_SHARE * dense + (1 - DENSE_SHARE) * lexical   with one
    text'   = c * text + (1 - c) * prior               c = words / (words + PRIOR_WORDS)
    score   = DOMAIN_SHARE * domain + (1 - DOMAIN_SHARE) * text'

``domain`` is the draft's score of the expert's best-matching declared domain; ``lexical`` and
``dense`` are divided by their best value over the committee for this draft; ``prior`` is the mean
text score of the experts whose best-matching domain is the same, so an expert who wrote little is
scored like an average peer of their domain instead of as a non-match.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
from scipy import sparse

from .dense import Embedder, load_embedder
from .lexicon import DOMAIN_TERMS
from .model import ExpertProfile, Match
from .reasons import ReasonFilter, clause_evidence
from .text import DraftText, draft_text, tokenize, word_count

DOMAIN_SHARE = 0.5
DENSE_SHARE = 0.5
PRIOR_WORDS = 8.0
SCREENING_SHARE = 0.5   # pipeline screening vs lexical evidence in the draft's domain ranking
COMMITTEE_TOP = 3      # experts per domain whose text match counts as that domain's evidence
COMMITTEE_SHARE = 0.25   # committee view vs domain pseudo-documents in the lexical domain evidence
TOP_DOMAIN_RATIO = 0.25  # a "top" domain (one that gets a seat) scores at least this share of the best
MATCH_DOMAIN_MIN = TOP_DOMAIN_RATIO  # an expert domain below this is not named as a reason
N_TERMS = 5
N_CLAUSES = 3
CLAUSE_MIN_SHARE = 0.5
CLAUSE_DOMAIN_BONUS = 0.25  # a clause tagged with a matched domain; decides for experts without text


def _taxonomy() -> list[tuple[str, str]]:
    """(code, pseudo-document text) per committee domain: label, description and domain terms."""
    from pipeline.rubrics import domains

    return [(d.code, " ".join((d.zh, d.description, *DOMAIN_TERMS.get(d.code, ())))) for d in domains()]


def _bm25_matrix(docs: list[list[str]]) -> tuple[sparse.csc_matrix, dict[str, int]]:
    """BM25 weights (docs x vocabulary) computed by bm25s."""
    if not any(docs):  # bm25s cannot index a corpus without a single token
        return sparse.csc_matrix((len(docs), 0), dtype=np.float32), {}
    retriever = bm25s.BM25()
    retriever.index(docs, show_progress=False)
    sc = retriever.scores
    ncols = len(sc["indptr"]) - 1
    mat = sparse.csc_matrix((sc["data"], sc["indices"], sc["indptr"]), shape=(sc["num_docs"], ncols))
    vocab = {t: i for t, i in retriever.vocab_dict.items() if i < ncols and t}
    return mat, vocab


def _query(vocab: dict[str, int], weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    toks = [t for t in weights if t in vocab]
    ids = np.fromiter((vocab[t] for t in toks), dtype=np.int64, count=len(toks))
    w = np.fromiter((weights[t] for t in toks), dtype=np.float32, count=len(toks))
    return ids, w, toks


def _unit_max(x: np.ndarray) -> np.ndarray:
    top = float(x.max()) if x.size else 0.0
    return x / top if top > 0 else np.zeros_like(x)


class ExpertIndex:
    """Built once from the committee's profiles; reusable across drafts. Rebuild when profiles change
    (cheap for the lexical part; dense embeddings come from the cache unless the text changed)."""

    def __init__(self, profiles: Iterable[ExpertProfile], *, embedder: Embedder | str | None = None,
                 tokens: Sequence[list[str]] | None = None) -> None:
        """``tokens``: ``tokenize(p.text())`` of each profile, when the caller stored them (segmenting
        is most of the build's time)."""
        self.profiles: list[ExpertProfile] = list(profiles)
        self._pos = {p.id: i for i, p in enumerate(self.profiles)}
        self._filters: dict[int, ReasonFilter] = {}
        taxonomy = _taxonomy()
        self.domain_codes = [c for c, _ in taxonomy]
        col = {c: j for j, c in enumerate(self.domain_codes)}
        self.expert_domains = np.zeros((len(self.profiles), len(col)), dtype=bool)
        for i, p in enumerate(self.profiles):
            for code in p.domains:
                if code in col:
                    self.expert_domains[i, col[code]] = True
        tokens = list(tokens) if tokens is not None else [tokenize(p.text()) for p in self.profiles]
        if len(tokens) != len(self.profiles):
            raise ValueError("one token list per profile")
        words = np.array([word_count(t) for t in tokens], dtype=np.float32)
        self.confidence = words / (words + PRIOR_WORDS)
        self._lex, self._vocab = _bm25_matrix(tokens)
        self._dom_lex, self._dom_vocab = _bm25_matrix([tokenize(text) for _, text in taxonomy])
        self.embedder = load_embedder(embedder) if isinstance(embedder, str) else embedder
        self._emb: np.ndarray | None = None
        if self.embedder is not None:
            texts = [p.text() for p in self.profiles]
            self._emb = self.embedder.embed(texts)
            self._emb[[i for i, t in enumerate(texts) if not t]] = 0.0

    def __len__(self) -> int:
        return len(self.profiles)

    def position(self, expert_id: int) -> int:
        return self._pos[expert_id]

    def profile(self, expert_id: int) -> ExpertProfile:
        return self.profiles[self._pos[expert_id]]

    def reason_filter(self, pos: int) -> ReasonFilter:
        """What may be named as a reason for the expert at ``pos``, built once per index."""
        filt = self._filters.get(pos)
        if filt is None:
            filt = self._filters[pos] = ReasonFilter(self.profiles[pos])
        return filt

    def score(self, draft: dict | DraftText) -> DraftScores:
        """Score every expert against ``draft``: a parsed draft dict, or one already tokenised by
        ``prepare_draft`` (tokenising is the costly part; do it once per draft)."""
        return DraftScores(self, draft if isinstance(draft, DraftText) else draft_text(draft))

    def rank(self, draft: dict | DraftText, *, top: int | None = None) -> list[Match]:
        """Experts best first, each with reasons. Reasons are built only for the ``top`` returned."""
        return self.score(draft).matches(top)


@dataclass
class _Query:
    ids: np.ndarray
    weights: np.ndarray
    tokens: list[str]


class DraftScores:
    """Affinity arrays of one draft against the whole index (positions follow ``index.profiles``)."""

    def __init__(self, index: ExpertIndex, text: DraftText) -> None:
        self.index = index
        self.text = text
        weights = text.query()
        q = _Query(*_query(index._vocab, weights))
        self._q = q
        self._clauses_q: sparse.csr_matrix | None = None
        self._lex_rows: sparse.csr_matrix | None = None
        self._ranked: list[tuple[str, float]] | None = None
        self._lex_q = index._lex[:, q.ids]
        raw = np.asarray(self._lex_q @ q.weights, dtype=np.float32).ravel()
        self.lexical = _unit_max(raw)
        self.domain_scores = self._rank_domains(weights, raw)
        dom_matrix = index.expert_domains * self.domain_scores[None, :]
        self.domain = dom_matrix.max(axis=1) if dom_matrix.size else np.zeros(len(index), np.float32)
        self.dense: np.ndarray | None = None
        self._seg_emb: np.ndarray | None = None
        text_raw = self.lexical
        if index._emb is not None and text.segments:
            self._seg_emb = index.embedder.embed([s.text for s in text.segments])
            seg_w = np.array([s.weight for s in text.segments], dtype=np.float32)
            vec = (self._seg_emb * seg_w[:, None]).sum(axis=0)
            vec /= np.linalg.norm(vec) or 1.0
            self.dense = _unit_max(np.clip(index._emb @ vec, 0.0, None))
            text_raw = DENSE_SHARE * self.dense + (1 - DENSE_SHARE) * self.lexical
        self.text_score = self._shrink(text_raw, dom_matrix)
        self.scores = DOMAIN_SHARE * self.domain + (1 - DOMAIN_SHARE) * self.text_score

    def _rank_domains(self, weights: dict[str, float], raw: np.ndarray) -> np.ndarray:
        """The draft's domain scores in taxonomy order, best = 1.

        Lexical evidence is the mean of two views: the draft against each domain's pseudo-document,
        and the committee as labelled examples (per domain, the mean BM25 score of its
        ``COMMITTEE_TOP`` best-matching experts). That is averaged with the pipeline's screening
        domains (or, failing those, its clause tags) when the draft carries them.
        """
        ids, w, _ = _query(self.index._dom_vocab, weights)
        pseudo = _unit_max(np.asarray(self.index._dom_lex[:, ids] @ w, dtype=np.float32).ravel())
        lexical = (1 - COMMITTEE_SHARE) * pseudo + COMMITTEE_SHARE * _unit_max(self._committee(raw)) if raw.any() else pseudo
        codes = self.index.domain_codes
        screened = np.array([self.text.screening_domains.get(c, 0.0) for c in codes], dtype=np.float32)
        if not screened.any():
            for seg in self.text.segments:
                for c in seg.domains:
                    if c in codes:
                        screened[codes.index(c)] += seg.weight
        if screened.any():
            return _unit_max(SCREENING_SHARE * _unit_max(screened) + (1 - SCREENING_SHARE) * lexical)
        return _unit_max(lexical)

    def _committee(self, raw: np.ndarray) -> np.ndarray:
        holders = self.index.expert_domains
        out = np.zeros(holders.shape[1], dtype=np.float32)
        for j in range(holders.shape[1]):
            vals = raw[holders[:, j]]
            if vals.size:
                m = min(COMMITTEE_TOP, vals.size)
                out[j] = np.partition(vals, vals.size - m)[vals.size - m:].mean()
        return out

    def _shrink(self, text_raw: np.ndarray, dom_matrix: np.ndarray) -> np.ndarray:
        """Pull each expert's text score toward the mean of peers with the same best-matching domain,
        in proportion to how little the expert wrote."""
        c = self.index.confidence
        n_dom = dom_matrix.shape[1]
        has = dom_matrix.max(axis=1) > 0 if n_dom else np.zeros(len(c), bool)
        group = np.where(has, dom_matrix.argmax(axis=1) if n_dom else 0, n_dom)
        num = np.bincount(group, weights=c * text_raw, minlength=n_dom + 1)
        den = np.bincount(group, weights=c, minlength=n_dom + 1)
        overall = float((c * text_raw).sum() / c.sum()) if c.sum() > 0 else 0.0
        prior = np.where(den > 0, num / np.maximum(den, 1e-12), overall)
        return (c * text_raw + (1 - c) * prior[group]).astype(np.float32)

    def ranked_domains(self) -> list[tuple[str, float]]:
        """(code, score) best first, zero scores dropped."""
        if self._ranked is None:
            order = np.argsort(-self.domain_scores, kind="stable")
            self._ranked = [(self.index.domain_codes[j], float(self.domain_scores[j])) for j in order
                            if self.domain_scores[j] > 0]
        return list(self._ranked)

    def top_domains(self, k: int) -> list[str]:
        ranked = self.ranked_domains()
        if not ranked:
            return []
        best = ranked[0][1]
        return [c for c, s in ranked[:k] if s >= TOP_DOMAIN_RATIO * best]

    def matches(self, top: int | None = None, positions: Sequence[int] | None = None) -> list[Match]:
        """Matches best first (or for the given expert positions, in that order), with reasons."""
        if positions is None:
            n = len(self.scores)
            if top is not None and top < n:
                part = np.argpartition(-self.scores, top)[:top]
                positions = part[np.argsort(-self.scores[part], kind="stable")]
            else:
                positions = np.argsort(-self.scores, kind="stable")
        return [self.match(int(i)) for i in positions]

    def match(self, pos: int) -> Match:
        p = self.index.profiles[pos]
        ranked = self.ranked_domains()
        own = set(p.domains)
        matched = [c for c, s in ranked if c in own and s >= MATCH_DOMAIN_MIN]
        if self._lex_rows is None:
            self._lex_rows = self._lex_q.tocsr()
        row = self._lex_rows[pos, :].toarray().ravel() * self._q.weights
        order = np.argsort(-row, kind="stable")
        filt = self.index.reason_filter(pos)
        # Only rubric terms and the expert's own expertise words are reasons (see reasons.py).
        terms = filt.terms([self._q.tokens[j] for j in order if row[j] > 0], N_TERMS)
        clauses = self._clauses(pos, row, set(matched))
        by_path = {s.path: s for s in self.text.segments}
        evidence = [clause_evidence(by_path[c], filt, terms, matched) for c in clauses if c in by_path]
        cited = terms + [t for e in evidence for t in e.terms if t not in terms]
        return Match(
            expert_id=p.id, name=p.name, score=float(self.scores[pos]), lexical=float(self.lexical[pos]),
            dense=None if self.dense is None else float(self.dense[pos]), domain=float(self.domain[pos]),
            matched_domains=matched, terms=terms, clauses=clauses, text=float(self.text_score[pos]),
            evidence=evidence, expertise=filt.matching_phrases(cited), opinion=filt.matching_opinion(cited),
        )

    def _clause_matrix(self) -> sparse.csr_matrix:
        """(segments x query terms): the segment's weight where the segment holds the term."""
        if self._clauses_q is None:
            col = {t: j for j, t in enumerate(self._q.tokens)}
            rows, cols, vals = [], [], []
            for s_i, seg in enumerate(self.text.segments):
                for t in set(seg.tokens):
                    if t in col:
                        rows.append(s_i)
                        cols.append(col[t])
                        vals.append(seg.weight)
            self._clauses_q = sparse.csr_matrix((vals, (rows, cols)),
                                                shape=(len(self.text.segments), len(col)), dtype=np.float32)
        return self._clauses_q

    def _clauses(self, pos: int, row: np.ndarray, matched: set[str]) -> list[str]:
        """Clause paths that drove the match: lexical contribution, dense similarity and domain tags."""
        segs = self.text.segments
        if not segs:
            return []
        total = _unit_max(np.asarray(self._clause_matrix() @ row, dtype=np.float32).ravel())
        if self._seg_emb is not None and self.index._emb is not None and self.index._emb[pos].any():
            total = total + _unit_max(np.clip(self._seg_emb @ self.index._emb[pos], 0.0, None))
        tagged = [CLAUSE_DOMAIN_BONUS if matched & set(s.domains) else 0.0 for s in segs]
        total = total + np.array(tagged, dtype=np.float32)
        # Only clauses close to this expert's best one count as having driven the match.
        keep = total >= max(CLAUSE_MIN_SHARE * float(total.max()), 1e-9)
        order = np.argsort(-total, kind="stable")
        return [segs[i].path for i in order if keep[i] and segs[i].path != "title"][:N_CLAUSES]
