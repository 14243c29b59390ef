"""Panel assignment as max-flow / min-cost flow (OR-Tools SimpleMinCostFlow), solved on a pruned
candidate set whose optimality for the full instance is then verified with node potentials.

Network (one unit of flow = one expert on one draft's panel)::

    source -> expert e            capacity = remaining load, cost 0
    e -> draft d                  e has none of d's top domains          cap 1, cost -A[d, e]
    e -> seat (d, j)              e has exactly one top domain j of d    cap 1, cost -A[d, e]
    e -> pair (e, d) -> seat(d,j) e has several; the pair node keeps e to one unit per draft
    seat (d, j) -> draft d        cap 1 cost -COVER_BONUS (the seat is covered), cap k cost 0 (overflow)
    draft d -> sink               cap k

``A`` is affinity * SCALE rounded; costs are integers. The solver maximises the number of filled
seats, then minimises cost: the coverage bonus (10 x the best single affinity) makes covering a top
domain outweigh any affinity difference inside one panel.

Pruning and its proof: each draft keeps its best ``candidates`` experts overall plus the best
``candidates`` per top domain. After solving, Bellman-Ford on the residual graph gives potentials
``pi``; a pruned bundle (e, d) could improve the solution only if some route e -> X through it has
negative reduced cost ``-A[d, e] + pi(e) - pi(X)``. Those bundles are added and the instance
re-solved until there are none, which proves the pruned optimum is the full optimum. The flow value
is proven maximal when it reaches an upper bound (every draft full as far as it has eligible experts,
or all remaining load used); otherwise the candidate lists double until it does or until the
instance is the full one.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

SCALE = 10_000
COVER_BONUS = 10 * SCALE


@dataclass
class AssignmentProblem:
    affinity: np.ndarray        # (drafts, experts) float in [0, 1]
    eligible: np.ndarray        # (drafts, experts) bool: no conflict, available
    capacity: np.ndarray        # (experts,) int: remaining load
    seats: np.ndarray           # (drafts,) int: panel size k per draft
    expert_domains: np.ndarray  # (experts, domains) bool
    top_domains: list[list[int]]  # per draft, domain column indices, at most seats[d] of them

    def __post_init__(self) -> None:
        self.eligible = self.eligible & (self.capacity[None, :] > 0)
        width = max([len(t) for t in self.top_domains] + [1])
        self.top = np.full((len(self.top_domains), width), -1, dtype=np.int64)
        for d, tops in enumerate(self.top_domains):
            self.top[d, :len(tops)] = tops
        # Integer unit cost of putting expert e on draft d.
        self.cost = -np.rint(self.affinity * SCALE).astype(np.int64)

    def overlap(self, d_idx: np.ndarray, e_idx: np.ndarray) -> np.ndarray:
        """(bundles, width) bool: expert e holds top domain j of draft d."""
        padded = np.concatenate([self.expert_domains, np.zeros((self.expert_domains.shape[0], 1), bool)], axis=1)
        return padded[e_idx[:, None], self.top[d_idx]]


@dataclass
class Network:
    """The flow network of a problem over a chosen set of (draft, expert) bundles, as arc arrays."""

    tails: np.ndarray
    heads: np.ndarray
    caps: np.ndarray
    costs: np.ndarray
    n_nodes: int
    bundle_arc: np.ndarray      # first arc of each bundle (expert -> draft/seat/pair)
    bundle_seat: list = field(default_factory=list)  # per bundle: [(arc, seat j)] arcs into seats

    @staticmethod
    def nodes(problem: AssignmentProblem) -> tuple[int, int, int]:
        n_d, n_e = problem.affinity.shape
        expert0, draft0 = 2, 2 + n_e
        seat0 = draft0 + n_d
        return expert0, draft0, seat0


def build_network(problem: AssignmentProblem, d_idx: np.ndarray, e_idx: np.ndarray) -> Network:
    n_d, n_e = problem.affinity.shape
    width = problem.top.shape[1]
    expert0, draft0, seat0 = Network.nodes(problem)
    seat_node = seat0 + np.arange(n_d * width).reshape(n_d, width)
    pair0 = seat0 + n_d * width
    cost = problem.cost[d_idx, e_idx]
    ov = problem.overlap(d_idx, e_idx)
    n_ov = ov.sum(axis=1)
    parts_t, parts_h, parts_c, parts_u = [], [], [], []

    def add(t, h, cap, c):
        parts_t.append(np.asarray(t, np.int64)); parts_h.append(np.asarray(h, np.int64))
        parts_u.append(np.broadcast_to(np.asarray(cap, np.int64), np.shape(t)).copy())
        parts_c.append(np.broadcast_to(np.asarray(c, np.int64), np.shape(t)).copy())

    add(np.zeros(n_e), expert0 + np.arange(n_e), problem.capacity, 0)
    add(draft0 + np.arange(n_d), np.ones(n_d), problem.seats, 0)
    has_seat = problem.top >= 0
    sd, sj = np.nonzero(has_seat)
    add(seat_node[sd, sj], draft0 + sd, 1, -COVER_BONUS)
    add(seat_node[sd, sj], draft0 + sd, problem.seats[sd], 0)
    n_fixed = sum(len(t) for t in parts_t)
    # Bundles: the first arc of bundle b is arc n_fixed + b.
    first_head = np.where(n_ov == 0, draft0 + d_idx, 0)
    single = n_ov == 1
    first_head[single] = seat_node[d_idx[single], ov[single].argmax(axis=1)]
    multi = np.nonzero(n_ov >= 2)[0]
    pair_nodes = pair0 + np.arange(len(multi))
    first_head[multi] = pair_nodes
    add(expert0 + e_idx, first_head, 1, cost)
    mb, mj = np.nonzero(ov[multi])
    add(pair_nodes[mb], seat_node[d_idx[multi[mb]], mj], 1, 0)
    tails, heads = np.concatenate(parts_t), np.concatenate(parts_h)
    net = Network(tails, heads, np.concatenate(parts_u), np.concatenate(parts_c), pair0 + len(multi),
                  n_fixed + np.arange(len(d_idx)))
    # Which seat each bundle's unit ends in, for reading the solution back.
    seat_arcs: list[list[tuple[int, int]]] = [[] for _ in range(len(d_idx))]
    single_b = np.nonzero(single)[0]
    for b, j in zip(single_b.tolist(), ov[single_b].argmax(axis=1).tolist()):
        seat_arcs[b].append((int(net.bundle_arc[b]), j))
    pair_arc0 = n_fixed + len(d_idx)
    for a, (b, j) in enumerate(zip(multi[mb], mj)):
        seat_arcs[b].append((pair_arc0 + a, int(j)))
    net.bundle_seat = seat_arcs
    return net


def run_ortools(net: Network, demand: int) -> tuple[min_cost_flow.SimpleMinCostFlow, np.ndarray]:
    """Max flow with min cost from source (node 0) to sink (node 1); ``demand`` bounds the flow."""
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(net.tails, net.heads, net.caps, net.costs)
    smcf.set_node_supply(0, demand)
    smcf.set_node_supply(1, -demand)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    return smcf, smcf.flows(np.arange(len(net.tails)))


def potentials(net: Network, flows: np.ndarray) -> np.ndarray:
    """Shortest distances from a virtual root in the residual graph (vectorised Bellman-Ford)."""
    fwd = flows < net.caps
    bwd = flows > 0
    t = np.concatenate([net.tails[fwd], net.heads[bwd]])
    h = np.concatenate([net.heads[fwd], net.tails[bwd]])
    c = np.concatenate([net.costs[fwd], -net.costs[bwd]])
    order = np.argsort(h, kind="stable")
    t, h, c = t[order], h[order], c[order]
    starts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]]) if len(h) else np.array([], np.int64)
    dist = np.zeros(net.n_nodes, dtype=np.int64)
    for _ in range(net.n_nodes + 1):
        if not len(h):
            break
        best = np.minimum.reduceat(dist[t] + c, starts)
        heads = h[starts]
        improved = best < dist[heads]
        if not improved.any():
            return dist
        dist[heads[improved]] = best[improved]
    raise RuntimeError("negative cycle in the residual graph: the flow is not optimal")


@dataclass
class Solution:
    assigned: list[list[tuple[int, int | None]]]  # per draft: (expert, top-domain slot j or None)
    objective: int                                # -(min cost): scaled affinity + coverage bonuses
    flow: int
    covered: int
    iterations: int
    arcs: int
    verified: bool
    seconds: float
    full_instance: bool  # pruning could not be proven and the full instance was solved


def candidate_mask(problem: AssignmentProblem, candidates: int) -> np.ndarray:
    """Each draft's best ``candidates`` eligible experts overall and per top domain."""
    n_d, n_e = problem.affinity.shape
    keyed = np.where(problem.eligible, problem.affinity, -np.inf)
    mask = np.zeros((n_d, n_e), dtype=bool)
    rows = np.arange(n_d)[:, None]

    def keep(scores: np.ndarray) -> None:
        m = min(candidates, n_e)
        part = np.argpartition(-scores, m - 1, axis=1)[:, :m] if m < n_e else np.tile(np.arange(n_e), (n_d, 1))
        ok = np.isfinite(scores[rows, part])
        mask[np.broadcast_to(rows, part.shape)[ok], part[ok]] = True

    keep(keyed)
    for j in range(problem.top.shape[1]):
        cols = problem.top[:, j]
        holds = np.where(cols[:, None] >= 0, problem.expert_domains[:, np.maximum(cols, 0)].T, False)
        keep(np.where(holds, keyed, -np.inf))
    return mask


def solve(problem: AssignmentProblem, *, candidates: int = 12, max_rounds: int = 20) -> Solution:
    """Optimal assignment of ``problem``; see the module docstring for the pruning proof."""
    start = time.perf_counter()
    mask = candidate_mask(problem, candidates) if candidates else problem.eligible.copy()
    full = problem.eligible
    n_d = problem.affinity.shape[0]
    upper = np.minimum(problem.seats, full.sum(axis=1)).sum()
    rounds, verified = 0, False
    while True:
        rounds += 1
        d_idx, e_idx = np.nonzero(mask)
        net = build_network(problem, d_idx, e_idx)
        smcf, flows = run_ortools(net, int(problem.seats.sum()))
        if mask.sum() == full.sum():
            verified = True
            break
        if smcf.maximum_flow() != upper and smcf.maximum_flow() != problem.capacity.sum():
            # Flow value not provably maximal: widen the candidate lists (eventually the full instance).
            candidates = max(1, candidates) * 2
            mask |= candidate_mask(problem, candidates)
            continue
        pi = potentials(net, flows)
        expert0, draft0, seat0 = Network.nodes(problem)
        pe = pi[expert0:draft0][None, :]
        rc = problem.cost + pe - pi[draft0:draft0 + n_d][:, None]
        width = problem.top.shape[1]
        seat_pi = pi[seat0:seat0 + n_d * width].reshape(n_d, width)
        any_top = np.zeros_like(mask)
        best = np.full(rc.shape, np.iinfo(np.int64).max, dtype=np.int64)
        for j in range(width):
            cols = problem.top[:, j]
            holds = np.where(cols[:, None] >= 0, problem.expert_domains[:, np.maximum(cols, 0)].T, False)
            any_top |= holds
            best = np.where(holds, np.minimum(best, problem.cost + pe - seat_pi[:, j][:, None]), best)
        best = np.where(any_top, best, rc)
        violating = full & ~mask & (best < 0)
        if not violating.any():
            verified = True
            break
        if rounds >= max_rounds:
            mask = full.copy()
            continue
        mask |= violating
    assigned: list[list[tuple[int, int | None]]] = [[] for _ in range(n_d)]
    bundle_flow = flows[net.bundle_arc]
    for b in np.nonzero(bundle_flow > 0)[0]:
        slot = next((j for arc, j in net.bundle_seat[b] if flows[arc] > 0), None)
        assigned[d_idx[b]].append((int(e_idx[b]), slot))
    covered = int(sum(1 for d in range(n_d) for j in range(problem.top.shape[1])
                      if problem.top[d, j] >= 0 and any(s == j for _, s in assigned[d])))
    return Solution(assigned, -int(smcf.optimal_cost()), int(smcf.maximum_flow()), covered, rounds,
                    len(net.tails), verified, time.perf_counter() - start, bool(mask.sum() == full.sum()))
