"""Precedent lookup benchmark: index build and per-draft query against a raw baseline, same run.

    .venv/bin/python benchmarks/bench_precedents.py [--drafts 1000] [--queries 20]

Synthetic concluded drafts (20-40 clauses each, a third of the clauses commented) built from the
domain vocabulary, as in bench_routing. The baseline is tokenising the new draft (prepare_draft),
which every lookup needs anyway; the ratio says what the lookup costs on top of it. The lookup's
SQL is bounded separately (tests/decision/test_precedents.py).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_routing import synthetic_draft  # noqa: E402

from pipeline.routing import prepare_draft  # noqa: E402
from pipeline.routing.precedents import PastClause, PastDraft, PrecedentIndex  # noqa: E402


def past_work(n: int, rng: random.Random) -> tuple[list[PastDraft], list[PastClause]]:
    drafts, clauses = [], []
    for i in range(n):
        d = synthetic_draft(rng)
        texts = [c["text"] for c in d["clauses"]]
        drafts.append(PastDraft(i, d["title"], texts, {"department": "某局", "conclusion": "modify"}))
        for j, text in enumerate(texts):
            if rng.random() < 0.33:
                clauses.append(PastClause((i, j), i, f"第{j + 1}条", text, [{"text": "建议明确责任主体和时限"}]))
    return drafts, clauses


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--drafts", type=int, default=1000)
    ap.add_argument("--queries", type=int, default=20)
    args = ap.parse_args()
    rng = random.Random(7)
    drafts, clauses = past_work(args.drafts, rng)
    print(f"== {len(drafts):,} concluded drafts, {sum(len(d.clauses) for d in drafts):,} clauses, "
          f"{len(clauses):,} commented ==")
    t = time.perf_counter()
    index = PrecedentIndex(drafts, clauses)
    print(f"index build, cold: {time.perf_counter() - t:.2f} s (first build in the process)")
    more, more_clauses = past_work(1, random.Random(99))
    more[0].key = len(drafts)
    t = time.perf_counter()
    index = PrecedentIndex(drafts + more, clauses + more_clauses)
    print(f"index rebuild after one more concluded draft (tokens cached): {time.perf_counter() - t:.2f} s")
    new = [synthetic_draft(rng) for _ in range(args.queries)]
    base, look, found = [], [], []
    for d in new:
        t = time.perf_counter()
        text = prepare_draft(d)
        base.append(time.perf_counter() - t)
        t = time.perf_counter()
        sims, cls = index.similar_drafts(text), index.similar_clauses(text)
        look.append(time.perf_counter() - t)
        found.append((len(sims), len(cls)))
    b, q = statistics.median(base), statistics.median(look)
    print(f"baseline tokenise the draft (prepare_draft): median {b * 1000:.1f} ms")
    print(f"lookup similar drafts + similar clauses: median {q * 1000:.1f} ms  (ratio to baseline {q / b:.2f})")
    print(f"mean found per draft: {statistics.mean(f[0] for f in found):.1f} drafts, "
          f"{statistics.mean(f[1] for f in found):.1f} clauses")
    print("(timings on a machine shared with other jobs: noisy)")


if __name__ == "__main__":
    main()
