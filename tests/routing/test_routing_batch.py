"""Batch assignment: loads, conflicts, coverage and optimality (brute force and OR-Tools full instance)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from ortools.graph.python import min_cost_flow

from pipeline.routing import AssignmentProblem, ExpertIndex, assign_batch, propose_panel, solve
from pipeline.routing.flow import COVER_BONUS, SCALE, build_network
from routing_data import committee

NEUTRAL = ["卫生健康委", "滨海新区卫生健康委员会"]


def random_problem(seed: int, n_d: int, n_e: int, k: int, n_dom: int = 6) -> AssignmentProblem:
    rng = np.random.default_rng(seed)
    dom = np.zeros((n_e, n_dom), dtype=bool)
    for e in range(n_e):
        dom[e, rng.choice(n_dom, rng.integers(1, 3), replace=False)] = True
    tops = [sorted(rng.choice(n_dom, rng.integers(1, k + 1), replace=False).tolist()) for _ in range(n_d)]
    return AssignmentProblem(affinity=rng.random((n_d, n_e)), eligible=rng.random((n_d, n_e)) > 0.2,
                             capacity=rng.integers(0, 3, n_e), seats=np.full(n_d, k),
                             expert_domains=dom, top_domains=tops)


def covered(problem: AssignmentProblem, d: int, chosen: tuple[int, ...]) -> int:
    """Top domains of draft d held by distinct chosen experts (max matching, by brute force)."""
    tops = problem.top_domains[d]
    best = 0
    for perm in itertools.permutations(chosen, min(len(chosen), len(tops))):
        for slots in itertools.permutations(range(len(tops)), len(perm)):
            best = max(best, sum(problem.expert_domains[e, tops[j]] for e, j in zip(perm, slots)))
    return best


def brute_force(problem: AssignmentProblem) -> tuple[int, int]:
    """(max seats filled, best objective among those) over every feasible assignment."""
    n_d, n_e = problem.affinity.shape
    options = []
    for d in range(n_d):
        elig = [e for e in range(n_e) if problem.eligible[d, e]]
        opts = [c for r in range(int(problem.seats[d]) + 1) for c in itertools.combinations(elig, r)]
        options.append([(c, int(-problem.cost[d, list(c)].sum()) + COVER_BONUS * covered(problem, d, c))
                        for c in opts])
    best = (-1, 0)
    for combo in itertools.product(*options):
        load = np.zeros(n_e, dtype=int)
        for chosen, _ in combo:
            load[list(chosen)] += 1
        if (load <= problem.capacity).all():
            best = max(best, (sum(len(c) for c, _ in combo), sum(v for _, v in combo)))
    return best


@pytest.mark.parametrize("seed", range(4))
def test_optimal_against_brute_force(seed):
    problem = random_problem(seed, n_d=3, n_e=5, k=2, n_dom=4)
    solution = solve(problem, candidates=1)
    assert solution.verified
    assert (solution.flow, solution.objective) == brute_force(problem)


def full_ortools(problem: AssignmentProblem) -> int:
    d_idx, e_idx = np.nonzero(problem.eligible)
    net = build_network(problem, d_idx, e_idx)
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(net.tails, net.heads, net.caps, net.costs)
    smcf.set_node_supply(0, int(problem.seats.sum()))
    smcf.set_node_supply(1, -int(problem.seats.sum()))
    assert smcf.solve_max_flow_with_min_cost() == smcf.OPTIMAL
    return -smcf.optimal_cost()


@pytest.mark.parametrize("seed", range(3))
def test_pruned_solution_equals_full_instance(seed):
    problem = random_problem(seed, n_d=30, n_e=80, k=3)
    for candidates in (1, 3, 12):  # tiny candidate sets force the verification to add arcs
        solution = solve(problem, candidates=candidates)
        assert solution.verified
        assert solution.objective == full_ortools(problem)


def test_verification_adds_pruned_arcs_that_improve():
    # Every draft prefers the same few experts, each able to take one draft: the best candidates
    # collide, the pruned instance is not optimal at first, and the potentials find the missing arcs.
    rng = np.random.default_rng(3)
    n_d, n_e = 20, 70
    quality = rng.random(n_e)
    problem = AssignmentProblem(affinity=np.clip(quality[None, :] + 0.1 * rng.random((n_d, n_e)), 0, 1),
                                eligible=np.ones((n_d, n_e), bool), capacity=np.ones(n_e, dtype=np.int64),
                                seats=np.full(n_d, 3), expert_domains=np.ones((n_e, 1), bool),
                                top_domains=[[0]] * n_d)
    solution = solve(problem, candidates=8)
    assert solution.verified and not solution.full_instance
    assert solution.iterations > 1
    assert solution.arcs < len(build_network(problem, *np.nonzero(problem.eligible)).tails)
    assert solution.objective == full_ortools(problem)


def test_solution_respects_capacity_eligibility_and_seats():
    problem = random_problem(7, n_d=25, n_e=40, k=3)
    solution = solve(problem, candidates=2)
    load = np.zeros(problem.capacity.shape, dtype=int)
    for d, members in enumerate(solution.assigned):
        experts = [e for e, _ in members]
        assert len(experts) == len(set(experts)) <= 3
        assert all(problem.eligible[d, e] for e in experts)
        for e, slot in members:
            if slot is not None:
                assert problem.expert_domains[e, problem.top_domains[d][slot]]
        load[experts] += 1
    assert (load <= problem.capacity).all()
    assert solution.objective == full_ortools(problem)


def test_assign_batch_respects_loads_and_conflicts(myopia_draft, tobacco_draft):
    profiles = committee()
    for p in profiles:
        p.max_load, p.open_load = 1, 0
    profiles[0].max_load = 2  # the only tobacco expert can take two drafts
    index = ExpertIndex(profiles)
    drafts = [("a", tobacco_draft, NEUTRAL), ("b", tobacco_draft, NEUTRAL), ("c", tobacco_draft, NEUTRAL),
              ("d", myopia_draft, ["教育局", "滨海新区教育局"])]
    result = assign_batch(drafts, index, k=2, drafters={"d": {3}})
    assert result.verified
    load: dict[int, int] = {}
    for members in result.panels.values():
        for m in members:
            load[m.expert.id] = load.get(m.expert.id, 0) + 1
    assert load[1] == 2  # both of its slots used on tobacco drafts
    assert all(load[p.id] <= p.max_load for p in profiles if p.id in load)
    myopia_panel = {m.expert.id for m in result.panels["d"]}
    assert not myopia_panel & {3, 7}  # drafter and 教研室 (affiliated with 教育局) excluded
    assert {w.code for e in result.excluded["d"] for w in e.why} == {"conflict_drafting", "conflict_affiliation"}
    assert result.seats_unfilled == 0
    assert result.affinity == pytest.approx(sum(m.match.score for ms in result.panels.values() for m in ms))


def test_batch_period_per_draft(tobacco_draft):
    from datetime import date

    profiles = committee()
    profiles[0].unavailable = [(date(2026, 6, 1), date(2026, 6, 30))]
    index = ExpertIndex(profiles)
    periods = {"june": (date(2026, 6, 10), date(2026, 6, 20)), "july": (date(2026, 7, 1), date(2026, 7, 20))}
    result = assign_batch([("june", tobacco_draft, NEUTRAL), ("july", tobacco_draft, NEUTRAL)], index, k=2,
                          period=periods)
    assert 1 not in {m.expert.id for m in result.panels["june"]}
    assert [w.code for e in result.excluded["june"] for w in e.why] == ["unavailable"]
    assert result.panels["july"][0].expert.id == 1


def test_batch_of_one_equals_propose_panel(index, myopia_draft):
    single = propose_panel(myopia_draft, index, department=NEUTRAL, k=3)
    batch = assign_batch([("x", myopia_draft, NEUTRAL)], index, k=3)
    assert [m.expert.id for m in batch.panels["x"]] == [m.expert.id for m in single.panel]
    assert batch.objective == sum(round(m.match.score * SCALE) for m in single.panel) + COVER_BONUS * 3


def test_empty_batch(index):
    result = assign_batch([], index)
    assert result.panels == {} and result.objective == 0
