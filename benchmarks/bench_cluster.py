"""Cluster benchmark: the review loop through nginx on one node and on two, and a node dying.

    .venv/bin/python benchmarks/bench_cluster.py [--loops 12] [--concurrency 4]

Starts the throw-away deployment of benchmarks/deployment.py on 127.0.0.1: PostgreSQL, Redis, nginx
(deploy/nginx.conf), two gunicorn nodes served as `make run` serves (gunicorn.conf.py) and one job
worker. One loop is a department's and the office's systems driving the JSON API with bearer
tokens: upload (the draft is read by the worker; the call answers 202 and the job is polled) ->
intake -> the suggested panel of three -> each expert accepts and submits an opinion -> decision
(the sheet is issued) -> the sheet verified by serial and code. Printed:

- the baseline: one node straight, without nginx;
- one node behind nginx, then two (nginx's upstream reloaded): reviews/s, API calls/s, p50/p95
  of the calls, and the ratio to the baseline;
- a run during which node 1 and the worker are SIGKILLed while a job is running (a new worker is
  started at once): calls that got no answer, acknowledged writes missing afterwards (goal: none),
  reviews concluded, jobs retried or failed, sheets per decision.

Every process started is stopped at the end, also on error. The machine is shared: say so when
quoting the figures, and compare only the rows of one run.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deployment import Cluster  # noqa: E402
from cluster_loop import (Api, Ledger, job_counts, kill_when_busy, lost, run_loops,  # noqa: E402
                          sheets_per_decision, unfinished_jobs)
from loadgen import gunicorn_settings  # noqa: E402


def measure(name: str, api: Api, tokens: dict, titles: list[str], concurrency: int) -> dict:
    load = os.getloadavg()[0]
    seconds, errors = run_loops(api, tokens, titles, concurrency)
    calls = [t for ts in api.ledger.seconds.values() for t in ts]
    q = statistics.quantiles(calls, n=20) if len(calls) > 1 else [0] * 19
    row = {"name": name, "reviews": len(api.ledger.concluded), "seconds": seconds,
           "rps": len(api.ledger.concluded) / seconds, "calls": api.ledger.requests / seconds,
           "p50": statistics.median(calls), "p95": q[18], "errors": errors, "load": load}
    print(f"  {name:34} {row['reviews']:3} reviews in {seconds:6.1f} s  {row['rps']:5.3f} reviews/s  "
          f"{row['calls']:5.1f} calls/s  p50 {row['p50'] * 1000:6.0f} ms  p95 {row['p95'] * 1000:6.0f} ms  "
          f"(load {load:.1f} before)" + (f"  ERRORS {len(errors)}: {errors[0]}" if errors else ""), flush=True)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loops", type=int, default=12, help="reviews per measurement")
    parser.add_argument("--concurrency", type=int, default=4, help="clients at once")
    args = parser.parse_args()
    n, conc = args.loops, args.concurrency
    print(f"cluster: 2 gunicorn nodes ({gunicorn_settings()} each), 1 job worker, PostgreSQL, Redis, nginx; "
          f"{os.cpu_count()} cores shared by all of them and by the client; {n} reviews per row, {conc} at once",
          flush=True)
    start = time.perf_counter()
    # The verify limit (30/min per address) would throttle the loop's own checks, all from 127.0.0.1.
    with Cluster(nodes=2, workers=1, env={"REVIEW_VERIFY_RATE_LIMIT": "100000 per minute"}) as c:
        print(f"  started in {time.perf_counter() - start:.0f} s", flush=True)
        run_loops(Api(c.url, Ledger()), c.seed, [f"预热{i}" for i in range(2 * conc)], conc)  # warm every worker
        base = measure("baseline: 1 node, no nginx", Api(c.node_url(0), Ledger()), c.seed,
                       [f"基线{i}" for i in range(n)], conc)
        c.route_to([0])
        one = measure("1 node behind nginx", Api(c.url, Ledger()), c.seed, [f"单节点{i}" for i in range(n)], conc)
        c.route_to([0, 1])
        two = measure("2 nodes behind nginx", Api(c.url, Ledger()), c.seed, [f"双节点{i}" for i in range(n)], conc)
        print(f"  ratios to the baseline: 1 node {one['rps'] / base['rps']:.2f}, 2 nodes {two['rps'] / base['rps']:.2f};"
              f" 2 nodes / 1 node {two['rps'] / one['rps']:.2f}", flush=True)

        print("a node and the worker die (SIGKILL) in the middle:", flush=True)
        ledger = Ledger()
        at_kill: dict = {}
        killer = threading.Thread(target=lambda: at_kill.update(kill_when_busy(c, ledger, 1, opinions=max(3, n // 2))))
        killer.start()
        kill = measure("2 nodes, node 1 + worker killed", Api(c.url, ledger), c.seed,
                       [f"宕机{i}" for i in range(n)], conc)
        killer.join()
        deadline = time.monotonic() + 300
        while unfinished_jobs(c.db_url)["pending"] and time.monotonic() < deadline:
            time.sleep(1)
        missing = lost(c.db_url, ledger)
        jobs, sheets = job_counts(c.db_url), sheets_per_decision(c.db_url)
        print(f"  at the kill: {at_kill.get('acks_before')} writes acknowledged, {at_kill.get('jobs_running')} job(s) "
              f"running", flush=True)
        print(f"  calls without an answer (502/refused, re-read and resumed): {len(ledger.uncertain)}"
              f" {ledger.uncertain[:6]}")
        print(f"  acknowledged writes: {len(ledger.acks)}; missing afterwards: {len(missing)} {missing[:10]} "
              "(goal: 0)")
        print(f"  reviews concluded: {len(ledger.concluded)} of {n}; verified by serial and code: "
              f"{len(ledger.verified)} (a decision whose answer was lost has its sheet but not its code)")
        print(f"  jobs: {jobs.get('done', 0)} done, {jobs.get('failed', 0)} failed, "
              f"{jobs.get('queued', 0) + jobs.get('running', 0)} unfinished, {jobs.get('retried', 0)} run again "
              f"after the worker died")
        print(f"  decisions {sheets['decisions']}, sheets {sheets['sheets']}, decisions without a sheet "
              f"{sheets['without_sheet']}, with more than one {sheets['with_several']}")
        ok = not missing and not kill["errors"] and not sheets["with_several"] and not sheets["without_sheet"] \
            and not jobs.get("failed") and len(ledger.concluded) == n
    print("verdict:", "nothing lost" if ok else "SOMETHING WAS LOST (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
