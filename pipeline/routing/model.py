"""Plain dataclasses exchanged with callers: no Flask, no database."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Hashable


@dataclass
class ExpertProfile:
    """One committee expert as routing sees them.

    ``open_load`` counts the expert's review assignments still open; ``max_load`` caps it.
    ``unavailable`` lists inclusive (start, end) date ranges.
    """

    id: int
    name: str
    title: str = ""
    affiliation: str = ""
    domains: list[str] = field(default_factory=list)
    expertise: str = ""
    opinions_text: str = ""
    max_load: int = 3
    open_load: int = 0
    unavailable: list[tuple[date, date]] = field(default_factory=list)
    conflict_departments: list[str] = field(default_factory=list)
    active: bool = True

    def text(self) -> str:
        """Everything the expert wrote or is known by, for the lexical and dense indexes."""
        return "\n".join(p for p in (self.title, self.affiliation, self.expertise, self.opinions_text) if p)


@dataclass
class ClauseEvidence:
    """A clause of the draft a match rests on: its path, its citation as people write it
    (第五条“…首句…”) and the rubric terms it holds."""

    path: str
    citation: str
    terms: list[str] = field(default_factory=list)
    domain: str | None = None  # the matched domain the clause is tagged with, if any

    def to_dict(self) -> dict:
        return {"path": self.path, "citation": self.citation, "terms": list(self.terms), "domain": self.domain}


@dataclass
class Reasons:
    """Why an expert suits a draft, in domain terms (see ``pipeline.routing.reasons``).

    ``domains``/``terms``/``clauses`` are kept as before (codes, rubric terms, clause paths);
    ``evidence`` cites the clauses, ``expertise`` the expert's matching phrases, ``opinion`` a past
    opinion naming the same terms; ``scores`` the two parts of the score: domain match and
    expertise similarity, each in [0, 1].
    """

    domains: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    evidence: list[ClauseEvidence] = field(default_factory=list)
    expertise: list[str] = field(default_factory=list)
    opinion: str = ""
    scores: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"domains": list(self.domains), "terms": list(self.terms), "clauses": list(self.clauses),
                "evidence": [e.to_dict() for e in self.evidence], "expertise": list(self.expertise),
                "opinion": self.opinion, "scores": {k: round(v, 2) for k, v in self.scores.items()}}


@dataclass
class Match:
    """One expert's affinity with one draft; components in [0, 1] (see ``docs/routing.md``).

    ``text`` is the expertise similarity after shrinkage toward peers (what the score uses)."""

    expert_id: int
    name: str
    score: float
    lexical: float
    dense: float | None
    domain: float
    matched_domains: list[str]
    terms: list[str]
    clauses: list[str]
    text: float = 0.0
    evidence: list[ClauseEvidence] = field(default_factory=list)
    expertise: list[str] = field(default_factory=list)
    opinion: str = ""

    @property
    def reasons(self) -> Reasons:
        return Reasons(self.matched_domains, self.terms, self.clauses, list(self.evidence),
                       list(self.expertise), self.opinion, {"domain": self.domain, "expertise": self.text})


@dataclass
class Exclusion:
    """Why an expert cannot sit on this draft's panel. ``code`` is machine-readable."""

    code: str
    detail: str  # English, for the command line and logs
    params: dict = field(default_factory=dict)  # the facts, for a translated message

    def to_dict(self) -> dict:
        return {"code": self.code, "detail": self.detail, "params": dict(self.params)}


# The exclusion codes, conflicts first: the order in which they are listed.
EXCLUSION_CODES = ("conflict_affiliation", "conflict_declared", "conflict_drafting", "inactive",
                   "overloaded", "unavailable")


@dataclass
class PanelMember:
    expert: ExpertProfile
    match: Match
    seat: int
    seat_domain: str | None  # the top domain this seat covers, None for a free seat

    def to_dict(self) -> dict:
        return {"expert_id": self.expert.id, "name": self.expert.name,
                "affiliation": self.expert.affiliation, "domains": list(self.expert.domains),
                "score": round(self.match.score, 4), "reasons": self.match.reasons.to_dict()}


@dataclass
class Alternate(PanelMember):
    replaces: int = 0  # expert id of the panel member this alternate backs up
    rank: int = 1

    def to_dict(self) -> dict:
        out = super().to_dict()
        out.update(seat=self.seat, seat_domain=self.seat_domain, replaces=self.replaces, rank=self.rank)
        return out


@dataclass
class Excluded:
    expert: ExpertProfile
    why: list[Exclusion]

    def to_dict(self) -> dict:
        return {"expert_id": self.expert.id, "name": self.expert.name,
                "why": [w.to_dict() for w in self.why]}


@dataclass
class Proposal:
    """A proposed panel for one draft, with alternates per seat and every excluded expert."""

    domains: list[tuple[str, float]]
    top_domains: list[str]
    panel: list[PanelMember]
    alternates: list[Alternate]
    excluded: list[Excluded]

    def to_dict(self) -> dict:
        return {
            "domains": [{"code": c, "score": round(s, 4)} for c, s in self.domains],
            "panel": [m.to_dict() for m in self.panel],
            "alternates": [a.to_dict() for a in self.alternates],
            "excluded": [e.to_dict() for e in self.excluded],
        }


@dataclass
class BatchResult:
    """Panels for many drafts solved together.

    ``objective`` is the integer objective maximised (scaled affinity plus coverage bonuses, see
    ``pipeline.routing.flow``); ``affinity`` the plain sum of assigned experts' scores.
    """

    panels: dict[Hashable, list[PanelMember]]
    domains: dict[Hashable, list[tuple[str, float]]]
    excluded: dict[Hashable, list[Excluded]]
    objective: int
    affinity: float
    covered: int
    seats_unfilled: int
    seconds: float
    iterations: int
    arcs: int
    verified: bool

    def to_dict(self) -> dict:
        return {
            "objective": self.objective, "affinity": round(self.affinity, 4), "covered": self.covered,
            "seats_unfilled": self.seats_unfilled, "seconds": round(self.seconds, 4),
            "iterations": self.iterations, "arcs": self.arcs, "verified": self.verified,
            "drafts": [{"key": k, "domains": [{"code": c, "score": round(s, 4)} for c, s in self.domains[k]],
                        "panel": [m.to_dict() for m in members]} for k, members in self.panels.items()],
        }
