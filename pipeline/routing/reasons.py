"""Reasons an expert would accept: domain terms of the rubric, the expert's own phrases, the clause.

Routing scores on every token (BM25 weighs common ones down), but a reason shown to the office may
only name a term of the rubric (the domain vocabulary of ``lexicon.py``, the screening lexicon and its
population terms) or a word of the expert's declared expertise, and never a word of the stop list
``rubrics/reason_stopwords.toml`` (generic government vocabulary: 行动、模式、参与、主任、意见 …).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pipeline.citation import quote, reference

from .lexicon import DOMAIN_TERMS
from .model import ClauseEvidence, ExpertProfile
from .text import BIGRAM, Segment, tokenizer

N_EXPERTISE = 2
N_CLAUSE_TERMS = 4
_PHRASE_SPLIT = re.compile(r"[、，,;；/\n。：:（）()\s]+")

_SCHEMA = {
    "type": "object", "required": ["version", "words"],
    "properties": {"version": {"type": "integer"},
                   "words": {"type": "array", "uniqueItems": True,
                             "items": {"type": "string", "minLength": 1, "maxLength": 20}}},
}


def load_stopwords(path: Path | None = None) -> frozenset[str]:
    from pipeline.rubrics import RUBRICS_DIR, load_toml

    data = load_toml(path or RUBRICS_DIR / "reason_stopwords.toml", _SCHEMA)
    return frozenset(data["words"])


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return load_stopwords()


@lru_cache(maxsize=1)
def rubric_terms() -> frozenset[str]:
    """Every term the rubric names: domain vocabulary, screening lexicon and population terms."""
    terms = {t for group in DOMAIN_TERMS.values() for t in group}
    try:  # the screening rubric's shape is owned elsewhere; the domain vocabulary suffices without it
        from pipeline.rubrics import screening

        rubric = screening()
        terms.update(e.term for e in getattr(rubric, "lexicon", ()) if getattr(e, "term", ""))
        for pop in getattr(rubric, "populations", ()):
            terms.update(t for t in (pop[2] if isinstance(pop, tuple) else ()) if isinstance(t, str))
    except Exception:  # noqa: BLE001 - a broken screening rubric is reported by its own loader
        pass
    return frozenset(t for t in terms if len(t) >= 2)


def expertise_phrases(profile: ExpertProfile) -> list[str]:
    """The expert's declared expertise cut into phrases (儿童青少年近视防控、学生体质监测 …)."""
    out = []
    for part in _PHRASE_SPLIT.split(profile.expertise or ""):
        part = part.strip()
        if len(part) >= 2 and part not in out:
            out.append(part)
    return out


def _words(text: str) -> set[str]:
    return {w for w in tokenizer().lcut(text.lower(), HMM=False) if len(w) >= 2}


class ReasonFilter:
    """What may be named as a reason for one expert."""

    def __init__(self, profile: ExpertProfile) -> None:
        self.stop = stopwords()
        self.rubric = rubric_terms()
        self.phrases = expertise_phrases(profile)
        self.expertise_words = {w for p in self.phrases for w in _words(p)} - self.stop
        self.opinions = [ln.strip() for ln in (profile.opinions_text or "").splitlines() if ln.strip()]

    def allowed(self, token: str) -> str | None:
        """The displayable term of a matched token, or None when it may not be a reason."""
        term = token[len(BIGRAM):] if token.startswith(BIGRAM) else token
        if term in self.stop:
            return None
        if term in self.rubric:
            return term
        if not token.startswith(BIGRAM) and term in self.expertise_words:
            return term
        return None

    def terms(self, tokens: list[str], limit: int) -> list[str]:
        out: list[str] = []
        for tok in tokens:
            term = self.allowed(tok)
            if term and term not in out and not any(term in t for t in out):
                out.append(term)
            if len(out) >= limit:
                break
        return out

    def matching_phrases(self, terms: list[str]) -> list[str]:
        """Expertise phrases holding a matched term, best covered first."""
        scored = [(sum(1 for t in terms if t in p), -i, p) for i, p in enumerate(self.phrases)]
        return [p for n, _, p in sorted(scored, reverse=True) if n][:N_EXPERTISE]

    def matching_opinion(self, terms: list[str]) -> str:
        """The expert's past opinion sentence naming most of the matched terms, quoted short."""
        best, hits = "", 0
        for line in self.opinions:
            n = sum(1 for t in terms if t in line)
            if n > hits:
                best, hits = line, n
        return quote(best, 40) if best else ""


def clause_evidence(seg: Segment, filt: ReasonFilter, matched_terms: list[str],
                    matched_domains: list[str]) -> ClauseEvidence:
    """One clause as a reason: its citation, the rubric terms it holds that the match rests on."""
    words = [t for t in seg.tokens if not t.startswith(BIGRAM)]
    domain_vocab = {t for d in matched_domains for t in DOMAIN_TERMS.get(d, ())}
    terms: list[str] = []
    for w in [t for t in matched_terms if t in seg.text] + words:
        if w in terms or w in filt.stop:
            continue
        if w in matched_terms or (w in filt.rubric and (w in domain_vocab or w in filt.expertise_words)):
            terms.append(w)
        if len(terms) >= N_CLAUSE_TERMS:
            break
    domain = next((d for d in seg.domains if d in matched_domains), None)
    return ClauseEvidence(path=seg.path, citation=reference(seg.path, seg.text), terms=terms, domain=domain)
