"""Panels: one draft as it arrives (``propose_panel``) or many at once (``assign_batch``).

Both solve the same min-cost-flow model (``pipeline.routing.flow``), so a batch of one gives the
same panel as ``propose_panel``.
"""
from __future__ import annotations

import time
from collections.abc import Collection, Hashable, Mapping, Sequence
from datetime import date

import numpy as np

from .flow import AssignmentProblem, solve
from .index import DraftScores, ExpertIndex
from .model import Alternate, BatchResult, Excluded, PanelMember, Proposal
from .rules import capacity, department_names, exclusions
from .text import DraftText

Department = str | Sequence[str] | None


def _scores(index: ExpertIndex, draft: dict | DraftText | DraftScores) -> DraftScores:
    if isinstance(draft, DraftScores):
        return draft
    return index.score(draft)


def _screen(index: ExpertIndex, department: Department, drafters: Collection[int],
            period: tuple[date, date] | None) -> tuple[np.ndarray, list[Excluded]]:
    names = department_names(department)
    eligible = np.ones(len(index), dtype=bool)
    excluded: list[Excluded] = []
    for i, p in enumerate(index.profiles):
        why = exclusions(p, department=names, drafters=drafters, period=period)
        if why:
            eligible[i] = False
            excluded.append(Excluded(p, why))
    return eligible, excluded


def _members(index: ExpertIndex, scores: DraftScores, top: list[str],
             assigned: list[tuple[int, int | None]]) -> list[PanelMember]:
    """Seat holders in top-domain order, then free seats by score."""
    holders: dict[int, int] = {}
    free: list[int] = []
    for pos, slot in sorted(assigned, key=lambda a: -scores.scores[a[0]]):
        if slot is not None and slot not in holders:
            holders[slot] = pos
        else:
            free.append(pos)
    ordered = [(holders[j], top[j]) for j in sorted(holders)] + [(pos, None) for pos in free]
    return [PanelMember(index.profiles[pos], scores.match(pos), seat, code)
            for seat, (pos, code) in enumerate(ordered)]


def _alternates(index: ExpertIndex, scores: DraftScores, panel: list[PanelMember], eligible: np.ndarray,
                per_seat: int) -> list[Alternate]:
    """For each seat, the best eligible non-panel experts, those holding the seat's domain first."""
    taken = {index.position(m.expert.id) for m in panel}
    pool = [i for i in np.argsort(-scores.scores, kind="stable") if eligible[i] and i not in taken]
    out: list[Alternate] = []
    for m in panel:
        if m.seat_domain is not None:
            same = [i for i in pool if m.seat_domain in index.profiles[i].domains]
            chosen = set(same)
            ranked = same + [i for i in pool if i not in chosen]
        else:
            ranked = pool
        for rank, pos in enumerate(ranked[:per_seat], start=1):
            out.append(Alternate(index.profiles[pos], scores.match(int(pos)), m.seat, m.seat_domain,
                                 replaces=m.expert.id, rank=rank))
    return out


def _problem(index: ExpertIndex, scored: list[DraftScores], tops: list[list[str]], eligible: np.ndarray,
             k: int) -> AssignmentProblem:
    col = {c: j for j, c in enumerate(index.domain_codes)}
    return AssignmentProblem(
        affinity=np.vstack([s.scores for s in scored]).astype(np.float64),
        eligible=eligible,
        capacity=np.array([capacity(p) for p in index.profiles], dtype=np.int64),
        seats=np.full(len(scored), k, dtype=np.int64),
        expert_domains=index.expert_domains,
        top_domains=[[col[c] for c in t] for t in tops],
    )


def propose_panel(draft: dict | DraftText | DraftScores, index: ExpertIndex, *, department: Department,
                  drafters: Collection[int] = (), k: int = 3, period: tuple[date, date] | None = None,
                  alternates: int = 2) -> Proposal:
    """Propose a panel of ``k`` experts for one draft from the submitting ``department`` (its short
    and full names). ``drafters`` are ids of experts who took part in drafting; ``period`` is the
    review period checked against the experts' unavailability."""
    scores = _scores(index, draft)
    top = scores.top_domains(k)
    eligible, excluded = _screen(index, department, set(drafters), period)
    solution = solve(_problem(index, [scores], [top], eligible[None, :], k))
    panel = _members(index, scores, top, solution.assigned[0])
    return Proposal(domains=scores.ranked_domains(), top_domains=top, panel=panel,
                    alternates=_alternates(index, scores, panel, eligible, alternates), excluded=excluded)


def assign_batch(drafts: Sequence[tuple[Hashable, dict | DraftText | DraftScores, Department]],
                 index: ExpertIndex, *, k: int = 3,
                 period: tuple[date, date] | Mapping[Hashable, tuple[date, date]] | None = None,
                 drafters: Mapping[Hashable, Collection[int]] | None = None,
                 candidates: int = 12) -> BatchResult:
    """Panels for many pending drafts at once, maximising total affinity under the experts' remaining
    loads, top-domain coverage and conflicts. ``drafts`` holds (key, draft, department) triples;
    ``period`` is one review period for all drafts or one per key."""
    drafters = drafters or {}
    scored, tops, rows, excluded = [], [], [], {}
    for key, draft, department in drafts:
        s = _scores(index, draft)
        scored.append(s)
        tops.append(s.top_domains(k))
        span = period.get(key) if isinstance(period, Mapping) else period
        ok, ex = _screen(index, department, set(drafters.get(key, ())), span)
        rows.append(ok)
        excluded[key] = ex
    if not scored:
        return BatchResult({}, {}, {}, 0, 0.0, 0, 0, 0.0, 0, 0, True)
    start = time.perf_counter()
    problem = _problem(index, scored, tops, np.vstack(rows), k)
    solution = solve(problem, candidates=candidates)
    seconds = time.perf_counter() - start
    panels, domains = {}, {}
    affinity = 0.0
    for d, (key, _, _) in enumerate(drafts):
        panels[key] = _members(index, scored[d], tops[d], solution.assigned[d])
        domains[key] = scored[d].ranked_domains()
        affinity += sum(float(scored[d].scores[pos]) for pos, _ in solution.assigned[d])
    return BatchResult(panels, domains, excluded, solution.objective, affinity, solution.covered,
                       int(problem.seats.sum()) - solution.flow, seconds, solution.iterations,
                       solution.arcs, solution.verified)
