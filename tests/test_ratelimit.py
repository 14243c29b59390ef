"""Rate limits hold across worker processes: the counters live in the shared database."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from review import create_app
from review.extensions import db

ROOT = Path(__file__).resolve().parent.parent


class Worker:
    def __init__(self, env: dict[str, str]):
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "ratelimit_worker.py")], cwd=ROOT,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def wait_ready(self) -> None:
        assert self.proc.stdout.readline().strip() == "ready"

    def send(self, line: str) -> int:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def start_workers(tmp_path, monkeypatch, **extra_env):
    instance = tmp_path / "instance"
    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(instance))
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REVIEW_INSTANCE_PATH": str(instance),
           "REVIEW_LOGIN_RATE_LIMIT": "3 per minute", "REVIEW_LOGIN_ADDRESS_RATE_LIMIT": "6 per minute",
           "REVIEW_VERIFY_RATE_LIMIT": "3 per minute", **extra_env}
    env["REVIEW_RATELIMIT_STORAGE_URI"] = extra_env.get("REVIEW_RATELIMIT_STORAGE_URI", "database://")
    pair = [Worker(env), Worker(env)]
    for w in pair:
        w.wait_ready()
    return pair


@pytest.fixture
def redis_url():
    """A throw-away Redis server on a free port."""
    import shutil
    import socket
    import time

    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("Redis is not installed: install the Debian package redis-server (make test does this)")
    pytest.importorskip("redis", reason="the redis client package (the dev extra) is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


def check_limits_across(a, b) -> None:
    # One account from one address: 3 per minute in all, whichever worker answers.
    assert [w.send("POST /login target") for w in (a, b, a, b)] == [200, 200, 200, 429]
    # Password spraying: new usernames from the same address meet the per-address limit (6).
    answers = [w.send(f"POST /login user{i}") for i, w in enumerate((a, b) * 3)]
    assert 429 in answers and answers[-1] == 429
    assert answers.count(200) + 3 <= 6
    # The anonymous verify page (3 per minute per address) is shared too.
    assert [w.send("GET /verify/NO-SUCH-SERIAL?code=x") for w in (b, a, b, a)] == [404, 404, 404, 429]


@pytest.mark.slow
def test_limits_hold_across_two_workers_on_one_database(tmp_path, monkeypatch):
    workers = start_workers(tmp_path, monkeypatch)
    try:
        check_limits_across(*workers)
    finally:
        for w in workers:
            w.close()


@pytest.mark.slow
def test_limits_hold_across_two_workers_with_redis(tmp_path, monkeypatch, redis_url):
    workers = start_workers(tmp_path, monkeypatch, REVIEW_RATELIMIT_STORAGE_URI=redis_url)
    try:
        check_limits_across(*workers)
    finally:
        for w in workers:
            w.close()
    from review.ratelimit import RateLimitCounter

    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False})
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(RateLimitCounter)) == 0  # all in Redis


def _limited_app(tmp_path, monkeypatch, **config):
    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "rl"))
    monkeypatch.setenv("REVIEW_LOGIN_RATE_LIMIT", "100 per minute")
    monkeypatch.setenv("REVIEW_LOGIN_ADDRESS_RATE_LIMIT", "2 per minute")
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, **config})
    with app.app_context():
        db.create_all()
    return app


def test_a_forged_forwarded_for_does_not_escape_the_address_limit(tmp_path, monkeypatch):
    app = _limited_app(tmp_path, monkeypatch)
    client = app.test_client()
    codes = [client.post("/login", data={"username": f"u{i}", "password": "x"},
                         headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code for i in range(3)]
    assert codes == [200, 200, 429]


def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(tmp_path, monkeypatch):
    app = _limited_app(tmp_path, monkeypatch, TRUSTED_PROXIES=1)
    client = app.test_client()

    def attempt(address, i):
        return client.post("/login", data={"username": f"u{i}", "password": "x"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("10.0.0.1", i) for i in range(3)] == [200, 200, 429]
    assert attempt("10.0.0.2", 9) == 200


def concurrent_counts(app, n: int = 16) -> list[int]:
    """n threads bump one counter at once through the database storage; the values they got."""
    from concurrent.futures import ThreadPoolExecutor

    from review.ratelimit import DatabaseStorage

    storage = DatabaseStorage("database://")

    def bump(_):
        with app.app_context():
            return storage.incr("LIMITER/test/key", 60)

    with ThreadPoolExecutor(n) as pool:
        counts = sorted(pool.map(bump, range(n)))
    with app.app_context():
        assert storage.get("LIMITER/test/key") == n and storage.get_expiry("LIMITER/test/key") > 0
        storage.clear("LIMITER/test/key")
        assert storage.get("LIMITER/test/key") == 0
    return counts


def test_the_database_counter_is_atomic_under_concurrency(tmp_path, monkeypatch):
    app = _limited_app(tmp_path, monkeypatch)
    assert concurrent_counts(app) == list(range(1, 17))  # no two requests saw the same count


def test_an_expired_window_starts_again(tmp_path, monkeypatch):
    from review.ratelimit import DatabaseStorage, RateLimitCounter

    app = _limited_app(tmp_path, monkeypatch)
    storage = DatabaseStorage("database://")
    with app.app_context():
        assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
        db.session.execute(db.update(RateLimitCounter).values(expires_at=0))
        db.session.commit()
        assert storage.get("k") == 0 and storage.incr("k", 60) == 1
