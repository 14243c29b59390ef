"""Two app nodes behind nginx, sharing PostgreSQL, Redis and the upload/sheet/key folders, as the
README's "Production" describes: the review loop survives a node and the job worker dying, the
login limit counts over both nodes, a sign-out on one node ends the session on the other, and two
decisions sent at once to different nodes issue one sheet."""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest
import requests

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

from deployment import PASSWORD, Cluster  # noqa: E402
from cluster_loop import (Api, Ledger, kill_when_busy, lost, review_one, run_loops,  # noqa: E402
                          sheets_per_decision, unfinished_jobs)
from loadgen import csrf_token  # noqa: E402

pytestmark = pytest.mark.slow
QUEUE = "/office/?status=submitted&sort=created&dir=asc"  # the office's first page


@pytest.fixture(scope="module")
def cluster():
    # The verify limit (30/min per address) would throttle the loop's own sheet checks: all of
    # them come from 127.0.0.1. The login limits keep their defaults.
    # A dead worker's job is taken up again after JOB_STALE_SECONDS without a heartbeat (60 s by
    # default); shortened here so the test does not wait for minutes.
    with Cluster(nodes=2, workers=1, env={"REVIEW_VERIFY_RATE_LIMIT": "10000 per minute",
                                          "REVIEW_JOB_STALE_SECONDS": "10", "REVIEW_JOB_HEARTBEAT_SECONDS": "2"}) as c:
        yield c


def check_login_limit(c: Cluster) -> None:
    """Failed logins spread over both nodes count together: 10 per minute per account and address."""
    s = requests.Session()
    token = csrf_token(s.get(f"{c.url}/login", timeout=30).text)
    answers = []
    for _ in range(12):
        r = s.post(f"{c.url}/login", data={"username": "probe_a", "password": "wrong password 123",
                                           "csrf_token": token}, allow_redirects=False, timeout=60)
        answers.append((r.status_code, r.headers.get("X-Review-Node")))
    assert [code for code, _ in answers[:10]] == [200] * 10, answers
    assert [code for code, _ in answers[10:]] == [429, 429], answers
    assert {node for _, node in answers} == {f"127.0.0.1:{p}" for p in c.node_ports.values()}, answers
    # The right password is refused too while the limit holds, on either node.
    for base in (c.node_url(0), c.node_url(1)):
        r = requests.post(f"{base}/login", data={"username": "probe_a", "password": PASSWORD, "csrf_token": token},
                          cookies=s.cookies, allow_redirects=False, timeout=60)
        assert r.status_code == 429
    import redis

    assert redis.Redis.from_url(c.redis_url + "/0").dbsize() > 0  # the counters live in Redis


def check_session_end(c: Cluster) -> None:
    """Signed in through node 0, the cookie works on node 1; signed out on node 0, node 1 refuses it."""
    s = requests.Session()
    a, b = c.node_url(0), c.node_url(1)
    token = csrf_token(s.get(f"{a}/login", timeout=30).text)
    r = s.post(f"{a}/login", data={"username": "probe_b", "password": PASSWORD, "csrf_token": token},
               allow_redirects=False, timeout=60)
    assert r.status_code == 302 and "/login" not in r.headers["Location"]
    page = s.get(f"{b}{QUEUE}", allow_redirects=False, timeout=60)
    assert page.status_code == 200
    cookies = requests.utils.dict_from_cookiejar(s.cookies)  # replayed after the sign-out
    r = s.post(f"{a}/logout", data={"csrf_token": csrf_token(page.text)}, allow_redirects=False, timeout=60)
    assert r.status_code == 302
    old = requests.get(f"{b}{QUEUE}", cookies=cookies, allow_redirects=False, timeout=60)
    assert old.status_code == 302 and "/login" in old.headers["Location"]


def _sheet_pdf(c: Cluster, node: int, serial: str):
    """The issued PDF from one node; 409 while the job worker is still drawing it."""
    deadline = time.monotonic() + 120
    while True:
        r = requests.get(f"{c.node_url(node)}/api/v1/sheets/{serial}/pdf", timeout=60,
                         headers={"Authorization": f"Bearer {c.seed['office']}"})
        if r.status_code != 409 or time.monotonic() > deadline:
            return r
        time.sleep(0.5)


def check_one_sheet(c: Cluster) -> None:
    """Two decisions on one submission sent at the same moment to different nodes: one sheet."""
    ledger = Ledger()
    sub_id = review_one(Api(c.url, ledger), c.seed, "并发决定测试", until="deliberation")
    barrier, answers = threading.Barrier(2), {}

    def decide(node: int) -> None:
        barrier.wait()
        answers[node] = requests.post(f"{c.node_url(node)}/api/v1/submissions/{sub_id}/decision",
                                      headers={"Authorization": f"Bearer {c.seed['office']}"},
                                      json={"conclusion": "approve"}, timeout=120)

    threads = [threading.Thread(target=decide, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in answers.values())
    assert codes == [200, 409], {n: r.text[:200] for n, r in answers.items()}
    refused = next(r for r in answers.values() if r.status_code == 409)
    assert refused.json()["error"] == "already_decided"
    assert sheets_per_decision(c.db_url)["with_several"] == 0
    # The sheet was written by one node into the shared folder: both nodes serve the same file.
    serial = next(r for r in answers.values() if r.status_code == 200).json()["sheet"]["serial"]
    files = [_sheet_pdf(c, n, serial) for n in (0, 1)]
    assert [f.status_code for f in files] == [200, 200]
    assert files[0].content == files[1].content and files[0].content.startswith(b"%PDF")


def check_loop_survives_kill(c: Cluster) -> None:
    """Reviews running through nginx while node 1 and the worker are SIGKILLed: nothing that was
    acknowledged is lost, every review concludes, every job finishes."""
    ledger = Ledger()
    api = Api(c.url, ledger)
    at_kill = {}
    t = threading.Thread(target=lambda: at_kill.update(kill_when_busy(c, ledger, 1, opinions=4)))
    t.start()
    _, errors = run_loops(api, c.seed, [f"集群测试{n}" for n in range(10)], 4)
    t.join()
    assert at_kill["jobs_running"] >= 1 and at_kill["acks_before"] > 0, at_kill
    assert errors == []
    assert len(ledger.concluded) == 10
    assert lost(c.db_url, ledger) == []
    counts = sheets_per_decision(c.db_url)
    assert counts["without_sheet"] == 0 and counts["with_several"] == 0, counts
    deadline = time.monotonic() + 180
    while unfinished_jobs(c.db_url).get("pending") and time.monotonic() < deadline:
        time.sleep(1)
    assert unfinished_jobs(c.db_url) == {"pending": 0, "failed": 0}


def test_two_nodes_behind_nginx(cluster):
    check_login_limit(cluster)
    check_session_end(cluster)
    check_one_sheet(cluster)
    check_loop_survives_kill(cluster)
