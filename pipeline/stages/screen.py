"""Screening: tag each clause with determinants and committee domains (with the matched terms as
evidence), answer the 10 questions of the national initial screening form with the pathway behind
each answer, grade the impact, name the population groups and rank the domains.

Terms match whole words (screen_words). A question is answered from the clauses that act on a
determinant; procedural clauses and incidental mentions are no evidence. The rule is written in
docs/screening.md.
"""
from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

from ..citation import cite, reference
from ..document import Clause, Document, QuestionAnswer, Screening
from ..rubrics import LexiconEntry, ScreeningRubric, screening as default_rubric
from .normalize import matchable
from .screen_words import Hit, WordMatcher

YES, UNKNOWN, NO = "是", "不知道", "否"
NONE, MINOR, MAJOR = "none", "minor", "major"
_SCORED_KINDS = {"body", "table", "attachments"}
_PART = re.compile(r"[^，,；;。：:！!？?\n]+")
_TITLE = re.compile(r"《[^《》]*》")  # a cited document's title names the document, it does not act
_PHRASE_LEN = 24


@dataclass
class Matcher:
    rubric: ScreeningRubric
    words: WordMatcher
    entries: dict[str, list[LexiconEntry]]
    pop_codes: dict[str, str]

    def hits(self, norm: str) -> tuple[list[Hit], list[Hit]]:
        """Lexicon and population terms of an already matchable() text, from one segmentation."""
        words = self.words.words(norm)
        return self.words.find(norm, "lexicon", words), self.words.find(norm, "population", words)

    def terms(self, norm: str) -> Counter:
        return Counter(h.term for h in self.hits(norm)[0])

    def populations(self, norm: str) -> set[str]:
        return {self.pop_codes[h.term] for h in self.hits(norm)[1]}


def compile_rubric(rubric: ScreeningRubric) -> Matcher:
    entries: dict[str, list[LexiconEntry]] = defaultdict(list)
    not_in: dict[str, set[str]] = defaultdict(set)
    for e in rubric.lexicon:
        entries[matchable(e.term)].append(e)
        not_in[matchable(e.term)].update(matchable(c) for c in e.not_in)
    pop_codes = {matchable(t): code for code, _, terms in rubric.populations for t in terms}
    words = WordMatcher({"lexicon": {t: tuple(sorted(not_in[t])) for t in entries},
                         "population": {t: () for t in pop_codes}})
    return Matcher(rubric, words, dict(entries), pop_codes)


@lru_cache(maxsize=1)
def default_matcher() -> Matcher:
    return compile_rubric(default_rubric())


def warm() -> Matcher:
    """Load the rubric and jieba's dictionary now (about 1.5 s of CPU): a long-lived parser process
    calls this once so that no document pays for it."""
    matcher = default_matcher()
    matcher.words.tokenizer()
    return matcher


@dataclass
class _Evidence:
    """One clause's evidence for one question."""

    clause: Clause
    acting: bool  # a term of the question is acted on (follows an action verb)
    weight: float  # the strongest such term
    entry: LexiconEntry
    phrase: str  # the acting words, e.g. 扩大夜间营业时间
    order: int


def _by_score(kv: tuple[str, float]) -> tuple[float, str]:
    return -kv[1], kv[0]


def _tag(clause: Clause, found: Counter, matcher: Matcher) -> dict[str, float]:
    """Fill the clause's domains, determinants and evidence; return its domain scores."""
    scores: dict[str, float] = defaultdict(float)
    by_domain: dict[str, set[str]] = defaultdict(set)
    by_det: dict[str, set[str]] = defaultdict(set)
    evidence: set[str] = set()
    for term, count in found.items():
        # Repetition inside one clause counts, but with diminishing returns.
        factor = 1.0 + math.log(count) if count > 1 else 1.0
        for e in matcher.entries[term]:
            scores[e.domain] += e.weight * factor
            by_domain[e.domain].add(e.term)
            by_det[e.determinant].add(e.term)
            evidence.add(e.term)
    dets = matcher.rubric.determinants
    clause.domains = [{"code": d, "score": round(s, 2), "terms": sorted(by_domain[d])}
                      for d, s in sorted(scores.items(), key=_by_score)]
    clause.determinants = [{"code": code, "category": dets[code][0], "item": dets[code][1], "terms": sorted(t)}
                           for code, t in sorted(by_det.items())]
    clause.evidence = sorted(evidence)
    return scores


def procedural(clause: Clause, chapters: dict[str, str], rubric: ScreeningRubric) -> bool:
    """Definitions, scope, purpose and basis, responsibilities, liability, entry into force, 附则…"""
    pw = rubric.pathway
    tokens = (clause.path or "").split("/")
    if any(chapters.get("/".join(tokens[:i + 1]), "").replace(" ", "") in pw.procedural_headings
           for i in range(len(tokens) - 1)):
        return True
    compact = re.sub(r"\s+", "", clause.text)
    return any(p.search(compact) for p in pw.procedural_patterns)


def _incidental(part: str, offset: int, hit: Hit, hits: list[Hit], q: str, matcher: Matcher) -> bool:
    """The term is one item of a long enumeration whose other items are no terms of the question."""
    items = part.split("、")
    if len(items) < matcher.rubric.pathway.enumeration_min:
        return False
    bounds, pos = [], offset
    for item in items:
        bounds.append((pos, pos + len(item)))
        pos += len(item) + 1
    agreeing = sum(1 for lo, hi in bounds if any(
        lo <= h.start < hi and any(q in e.questions and not e.support for e in matcher.entries[h.term])
        for h in hits))
    return agreeing * 2 < len(items)


@lru_cache(maxsize=8)
def _verb_pattern(verbs: tuple[str, ...]) -> re.Pattern:
    """Every position where a verb starts, with the shortest verb there (a lookahead finds overlaps)."""
    return re.compile("(?=(" + "|".join(map(re.escape, sorted(verbs, key=len))) + "))")


def _verbs_in(part: str, verbs: tuple[str, ...]) -> list[tuple[int, int]]:
    return [(m.start(), m.start() + len(m.group(1))) for m in _verb_pattern(verbs).finditer(part)]


def _acted_on(offset: int, hit: Hit, found: list[tuple[int, int]]) -> int:
    """Position in the part of the action verb nearest before the term (ending before it), or -1:
    ``max(part[:cut].rfind(v) for v in verbs)`` from the part's verb positions, found once."""
    cut = hit.start - offset
    return max((start for start, end in found if end <= cut), default=-1)


def _phrase(part: str, at: int, hit: Hit, offset: int) -> str:
    text = part[at:] if at >= 0 else part
    if len(text) > _PHRASE_LEN:
        end = max(hit.end - offset - (at if at >= 0 else 0), 0)
        text = text[:max(_PHRASE_LEN, end)]
    return text


def _clause_evidence(clause: Clause, norm: str, hits: list[Hit], matcher: Matcher,
                     order: int) -> dict[str, _Evidence]:
    verbs = matcher.rubric.pathway.action_verbs
    parts = [(m.start(), m.group()) for m in _PART.finditer(norm)]
    starts = [o for o, _ in parts]
    titles = [m.span() for m in _TITLE.finditer(norm)]
    best: dict[str, _Evidence] = {}
    found: dict[tuple[int, int], list[tuple[int, int]]] = {}  # (offset, length) of a part → its verbs
    for hit in hits:
        if titles and any(lo <= hit.start < hi for lo, hi in titles):
            continue
        k = bisect_right(starts, hit.start) - 1  # the part that holds the hit (parts do not overlap)
        offset, part = parts[k] if k >= 0 and hit.start < starts[k] + len(parts[k][1]) else (0, norm)
        key = (offset, len(part))
        if key not in found:
            found[key] = _verbs_in(part, verbs)
        at = _acted_on(offset, hit, found[key])
        for e in matcher.entries[hit.term]:
            if e.support:
                continue
            for q in e.questions:
                if _incidental(part, offset, hit, hits, q, matcher):
                    continue
                acting = at >= 0
                old = best.get(q)
                if old is None or (acting, e.weight) > (old.acting, old.weight):
                    best[q] = _Evidence(clause, acting, e.weight, e, _phrase(part, at, hit, offset), order)
    return best


def _answer(acting: list[_Evidence], mentions: list[_Evidence], rules: dict) -> str:
    need, strong = int(rules["yes_clauses"]), float(rules["strong_term"])
    if len(acting) >= need or any(ev.weight >= strong for ev in acting):
        return YES
    if acting or len(mentions) >= need:
        return UNKNOWN
    return NO


def _reason(ev: _Evidence, q: str, rubric: ScreeningRubric, pops: dict[str, list[str]]) -> dict:
    clause = ev.clause
    citation = cite(clause.path) or reference(clause.path, clause.text, 12)
    determinant = rubric.determinants[ev.entry.determinant][1]
    names = pops.get(clause.id, [])[:2]
    outcome = rubric.outcomes.get(q, "")
    if names:
        outcome = f"{outcome}（{'、'.join(names)}）" if outcome else "、".join(names)
    return {"clause_id": clause.id, "citation": citation, "determinant": determinant, "outcome": outcome,
            "text": f"{citation} {ev.phrase} → {determinant} → {outcome}"}


def impact_level(answers: list[QuestionAnswer], bearing: dict[str, int], rules: dict) -> str:
    """``bearing``: question id → number of (non-procedural) clauses that bear on it."""
    yes = sum(a.answer == YES for a in answers)
    unknown = sum(a.answer == UNKNOWN for a in answers)
    core = max((bearing.get(a.id, 0) for a in answers if a.answer == YES), default=0)
    if yes >= int(rules["major_impact_yes"]) or core >= int(rules["core_clauses"]):
        return MAJOR
    if yes or unknown >= int(rules["minor_unknown"]):
        return MINOR
    return NONE


def screen(doc: Document, matcher: Matcher | None = None) -> Screening:
    matcher = matcher or default_matcher()
    rubric = matcher.rubric
    cap = float(rubric.rules["clause_cap"])
    chapters = {h.path: h.text for h in doc.headings}
    totals: dict[str, float] = defaultdict(float)
    by_question: dict[str, list[_Evidence]] = defaultdict(list)
    population_clauses: dict[str, list[str]] = defaultdict(list)
    clause_pops: dict[str, list[str]] = defaultdict(list)
    pop_names = {code: zh for code, zh, _ in rubric.populations}

    for order, clause in enumerate(doc.clauses):
        norm = matchable(clause.text)
        hits, pop_hits = matcher.hits(norm)
        scores = _tag(clause, Counter(h.term for h in hits), matcher)
        if clause.kind not in _SCORED_KINDS:
            continue
        for code in dict.fromkeys(matcher.pop_codes[h.term] for h in pop_hits):
            population_clauses[code].append(clause.id)
            clause_pops[clause.id].append(pop_names[code])
        for d, s in scores.items():
            totals[d] += min(s, cap)
        if hits and not procedural(clause, chapters, rubric):
            for q, ev in _clause_evidence(clause, norm, hits, matcher, order).items():
                by_question[q].append(ev)

    # The title names the policy's subject: weigh it like several clauses.
    boost = float(rubric.rules["title_boost"])
    title_scores: dict[str, float] = defaultdict(float)
    for term, count in matcher.terms(matchable(doc.title)).items():
        factor = 1.0 + math.log(count) if count > 1 else 1.0
        for e in matcher.entries[term]:
            title_scores[e.domain] += e.weight * factor
    for d, s in title_scores.items():
        totals[d] += boost * min(s, cap)

    answers, bearing = [], {}
    for qid, topic in rubric.questions:
        found = by_question.get(qid, [])
        acting = [ev for ev in found if ev.acting]
        bearing[qid] = len(found)
        mentions = [ev for ev in found if not ev.acting]
        answer = _answer(acting, mentions, rubric.rules)
        shown = acting or (mentions if answer == UNKNOWN else [])
        strongest = sorted(shown, key=lambda ev: (-ev.weight, ev.order))[:int(rubric.rules["reasons"])]
        answers.append(QuestionAnswer(
            id=qid, topic=topic, answer=answer,
            evidence=[ev.clause.id for ev in (found if answer != NO else [])],
            reasons=[_reason(ev, qid, rubric, clause_pops) for ev in strongest] if answer != NO else []))
    level = impact_level(answers, bearing, rubric.rules)
    return Screening(
        questions=answers,
        populations=[{"code": c, "zh": pop_names[c], "evidence": ids} for c, ids in population_clauses.items()],
        domains=[{"code": d, "score": round(s, 2)} for d, s in sorted(totals.items(), key=_by_score)],
        yes_count=sum(a.answer == YES for a in answers),
        major_impact=level == MAJOR,
        impact_level=level,
    )
