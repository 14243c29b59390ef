"""Screening: tag each clause with determinants and committee domains (with the matched terms as
evidence), answer the 10 questions of the national initial screening form, name the population
groups and rank the domains.

The lexicon is compiled once into a single regex alternation (longest terms first), so a
document is scanned once per clause whatever the size of the lexicon.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

from ..document import Document, QuestionAnswer, Screening
from ..rubrics import LexiconEntry, ScreeningRubric, screening as default_rubric
from .normalize import matchable

YES, UNKNOWN, NO = "是", "不知道", "否"
_SCORED_KINDS = {"body", "table", "attachments"}


@dataclass
class Matcher:
    rubric: ScreeningRubric
    pattern: re.Pattern
    entries: dict[str, list[LexiconEntry]]
    pop_pattern: re.Pattern
    pop_codes: dict[str, str]

    def terms(self, norm: str) -> Counter:
        """Lexicon terms in an already matchable() text."""
        return Counter(self.pattern.findall(norm))

    def populations(self, norm: str) -> set[str]:
        return {self.pop_codes[t] for t in self.pop_pattern.findall(norm)}


def _trie_regex(trie: dict) -> str:
    """Regex of a character trie: branches on the next character only, so matching costs
    about the same for 50 terms or 5,000 (a flat alternation tries every term at every position)."""
    end = "" in trie
    branches = [re.escape(ch) + _trie_regex(sub) for ch, sub in sorted(trie.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # longest match first: try the longer branch, fall back to the term ending here
    return f"(?:{body})?" if end else body


def _alternation(terms) -> re.Pattern:
    trie: dict = {}
    for term in set(terms):
        node = trie
        for ch in term:
            node = node.setdefault(ch, {})
        node[""] = {}
    return re.compile(_trie_regex(trie))


def compile_rubric(rubric: ScreeningRubric) -> Matcher:
    entries: dict[str, list[LexiconEntry]] = defaultdict(list)
    for e in rubric.lexicon:
        entries[matchable(e.term)].append(e)
    pop_codes = {matchable(t): code for code, _, terms in rubric.populations for t in terms}
    return Matcher(rubric, _alternation(entries), dict(entries), _alternation(pop_codes), pop_codes)


@lru_cache(maxsize=1)
def default_matcher() -> Matcher:
    return compile_rubric(default_rubric())


def _domain_scores(found: Counter, matcher: Matcher) -> dict[str, float]:
    scores: dict[str, float] = defaultdict(float)
    for term, count in found.items():
        # Repetition inside one clause counts, but with diminishing returns.
        factor = 1.0 + math.log(count) if count > 1 else 1.0
        for e in matcher.entries[term]:
            scores[e.domain] += e.weight * factor
    return scores


def _by_score(kv: tuple[str, float]) -> tuple[float, str]:
    return -kv[1], kv[0]


def screen(doc: Document, matcher: Matcher | None = None) -> Screening:
    matcher = matcher or default_matcher()
    rubric = matcher.rubric
    cap = float(rubric.rules["clause_cap"])
    totals: dict[str, float] = defaultdict(float)
    question_clauses: dict[str, list[str]] = defaultdict(list)
    strongest: dict[str, float] = defaultdict(float)
    population_clauses: dict[str, list[str]] = defaultdict(list)
    entries = matcher.entries
    determinants = rubric.determinants

    for clause in doc.clauses:
        norm = matchable(clause.text)
        found = matcher.terms(norm)
        if not found:
            clause.domains, clause.determinants, clause.evidence = [], [], []
            if clause.kind in _SCORED_KINDS:
                for code in matcher.populations(norm):
                    population_clauses[code].append(clause.id)
            continue
        # One pass over the matched entries gives the domain scores and the evidence per domain,
        # determinant and question (same order of float additions as _domain_scores).
        scores: dict[str, float] = defaultdict(float)
        by_domain: dict[str, set[str]] = defaultdict(set)
        by_det: dict[str, set[str]] = defaultdict(set)
        by_question: dict[str, float] = {}  # question → strongest term weight
        evidence: set[str] = set()
        for term, count in found.items():
            factor = 1.0 + math.log(count) if count > 1 else 1.0
            for e in entries[term]:
                weight = e.weight
                scores[e.domain] += weight * factor
                by_domain[e.domain].add(e.term)
                by_det[e.determinant].add(e.term)
                evidence.add(e.term)
                for q in e.questions:
                    if weight > by_question.get(q, 0.0):
                        by_question[q] = weight
                    elif q not in by_question:
                        by_question[q] = 0.0
        clause.domains = [{"code": d, "score": round(s, 2), "terms": sorted(by_domain[d])}
                          for d, s in sorted(scores.items(), key=_by_score)]
        clause.determinants = [{"code": code, "category": determinants[code][0],
                                "item": determinants[code][1], "terms": sorted(terms)}
                               for code, terms in sorted(by_det.items())]
        clause.evidence = sorted(evidence)
        if clause.kind not in _SCORED_KINDS:
            continue
        for d, s in scores.items():
            totals[d] += min(s, cap)
        for q, weight in by_question.items():
            question_clauses[q].append(clause.id)
            strongest[q] = max(strongest[q], weight)
        for code in matcher.populations(norm):
            population_clauses[code].append(clause.id)

    # The title names the policy's subject: weigh it like several clauses.
    boost = float(rubric.rules["title_boost"])
    for d, s in _domain_scores(matcher.terms(matchable(doc.title)), matcher).items():
        totals[d] += boost * min(s, cap)

    need = int(rubric.rules["yes_clauses"])
    strong = float(rubric.rules["strong_term"])
    answers = []
    for qid, topic in rubric.questions:
        ids = question_clauses.get(qid, [])
        # 是: several clauses bear on the question, or one does with an unambiguous term
        answer = YES if len(ids) >= need or (ids and strongest[qid] >= strong) else UNKNOWN if ids else NO
        answers.append(QuestionAnswer(id=qid, topic=topic, answer=answer, evidence=ids))
    yes = sum(1 for a in answers if a.answer == YES)
    pop_names = {code: zh for code, zh, _ in rubric.populations}
    return Screening(
        questions=answers,
        populations=[{"code": c, "zh": pop_names[c], "evidence": ids} for c, ids in population_clauses.items()],
        domains=[{"code": d, "score": round(s, 2)} for d, s in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))],
        yes_count=yes,
        major_impact=yes >= int(rubric.rules["major_impact_yes"]),
    )
