"""A throw-away multi-node deployment on 127.0.0.1, laid out as the README's "Production" says.

PostgreSQL (initdb/pg_ctl of the Debian package, as the postgres user when we are root), Redis
(rate-limit counters and the job queue), N gunicorn nodes configured as `make run` serves
(gunicorn.conf.py; each node its own instance folder, all sharing the upload, sheet and key
folders), job workers (`flask --app wsgi worker`) and nginx rendered from deploy/nginx.conf.
Random free ports and temporary folders; every process runs in its own process group, and
``Cluster.close()`` stops what this object started (also after an error). Used by
benchmarks/bench_cluster.py and tests/cluster/test_cluster.py.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import start_gunicorn, stop_gunicorn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PASSWORD = "cluster probe 2026 ok"  # the probe logins' password (seeded below)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user(user: str, cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root, and nginx should not: drop to a system user when root.
    return ["runuser", "-u", user, "--", *cmd] if os.geteuid() == 0 else cmd


def _own_dir(prefix: str, user: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(path, user, "nogroup" if user == "nobody" else user)
    return path


def _stop_group(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def _wait_for(url: str, proc: subprocess.Popen, what: str, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {log.read_text(errors='replace')[-1500:]}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer within {seconds:g} s")


def render_nginx(template: str, *, listen: str, nodes: list[str], max_body: str, run_dir: Path,
                 log_dir: Path, tag_node: bool = False) -> str:
    """deploy/nginx.conf with its fields filled. ``tag_node`` adds the answering node's address as
    a response header, so a test can see that both nodes served (not for production)."""
    fields = {"listen": listen, "server_name": listen.split(":")[0], "max_body": max_body,
              "run_dir": str(run_dir), "log_dir": str(log_dir),
              "nodes": "\n".join(f"        server {n} max_fails=1 fail_timeout=5s;" for n in nodes)}
    lines = []
    for line in template.splitlines(keepends=True):
        if not line.lstrip().startswith("#"):  # the header explains the fields: left as it is
            for field, value in fields.items():
                line = line.replace("{{ %s }}" % field, value)
        lines.append(line)
    text = "".join(lines)
    if tag_node:
        text = text.replace("        location / {\n", "        location / {\n"
                            "            add_header X-Review-Node $upstream_addr always;\n", 1)
    if any("{{" in line for line in text.splitlines() if not line.lstrip().startswith("#")):
        raise ValueError("deploy/nginx.conf has a field this script does not fill")
    return text


class Cluster:
    """``with Cluster(nodes=2) as c:`` starts everything; ``c.url`` is nginx, ``c.node_url(i)`` a node."""

    def __init__(self, nodes: int = 2, workers: int = 1, env: dict | None = None, web_concurrency: int | None = None):
        self.n_nodes, self.n_workers, self.extra_env = nodes, workers, dict(env or {})
        self.web_concurrency = web_concurrency
        self.base = Path(tempfile.mkdtemp(prefix="hiap-cluster-"))
        self.nodes: dict[int, subprocess.Popen] = {}
        self.node_ports = {i: free_port() for i in range(nodes)}
        self.workers: list[subprocess.Popen] = []
        self._procs: list[subprocess.Popen] = []  # redis, nginx
        self._dirs: list[Path] = [self.base]
        self._pg: tuple[str, Path] | None = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.seed: dict = {}

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> "Cluster":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def start(self) -> None:
        self.db_url = self._start_postgres()
        self.redis_url = self._start_redis()
        self._run([str(VENV_BIN / "flask"), "--app", "wsgi", "init-db"], self.env(0))
        out = self._run([sys.executable, str(Path(__file__).resolve()), "seed"], self.env(0))
        self.seed = json.loads(out.strip().splitlines()[-1])
        for i in range(self.n_nodes):
            self.start_node(i)
        for _ in range(self.n_workers):
            self.start_worker()
        self.start_nginx(list(range(self.n_nodes)))

    def close(self) -> None:
        for proc in list(self.nodes.values()):
            stop_gunicorn(proc)
        for proc in self.workers + self._procs:
            _stop_group(proc)
        if self._pg:
            bindir, data = self._pg
            subprocess.run(_as_user("postgres", [f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"]),
                           capture_output=True)
            self._pg = None
        for d in self._dirs:
            shutil.rmtree(d, ignore_errors=True)

    # -- settings -------------------------------------------------------------------------------

    def env(self, node: int | str) -> dict:
        """The environment of one node (or worker): own instance folder, everything else shared."""
        shared = self.base / "shared"
        env = {
            "REVIEW_INSTANCE_PATH": str(self.base / f"node-{node}"),
            "REVIEW_DATABASE_URL": self.db_url,
            "REVIEW_RATELIMIT_STORAGE_URI": self.redis_url + "/0",
            "REVIEW_JOB_QUEUE": self.redis_url + "/1",
            "REVIEW_UPLOAD_DIR": str(shared / "uploads"),
            "REVIEW_SHEET_DIR": str(shared / "sheets"),
            "REVIEW_KEY_DIR": str(shared / "keys"),
            "REVIEW_OUTBOX_DIR": str(shared / "outbox"),
            "REVIEW_BASE_URL": self.url,
            "REVIEW_TRUSTED_PROXIES": "1",
            **self.extra_env,
        }
        if self.web_concurrency:
            env["WEB_CONCURRENCY"] = str(self.web_concurrency)
        return env

    def node_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.node_ports[i]}"

    def log(self, name: str) -> Path:
        return self.base / f"{name}.log"

    # -- services -------------------------------------------------------------------------------

    def _run(self, cmd: list[str], env: dict) -> str:
        r = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, **env), capture_output=True, text=True, timeout=600)
        if r.returncode:
            raise RuntimeError(f"{' '.join(cmd[-2:])} failed: {r.stderr[-2000:]}")
        return r.stdout

    def _start_postgres(self) -> str:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("PostgreSQL is not installed (Debian package postgresql)")
        bindir = os.path.dirname(found[-1])
        base = _own_dir("hiap-cluster-pg-", "postgres")
        self._dirs.append(base)
        data, port = base / "data", free_port()
        subprocess.run(_as_user("postgres", [f"{bindir}/initdb", "-D", str(data), "-A", "trust", "-U", "postgres",
                                             "-E", "UTF8", "--no-locale"]), check=True, capture_output=True)
        subprocess.run(_as_user("postgres", [f"{bindir}/pg_ctl", "-D", str(data), "-w", "-l", str(base / "log"), "-o",
                                             f"-p {port} -k {base} -c listen_addresses=127.0.0.1 "
                                             "-c max_connections=300 -c fsync=off", "start"]),
                       check=True, capture_output=True)
        self._pg = (bindir, data)
        subprocess.run(_as_user("postgres", [f"{bindir}/createdb", "-h", str(base), "-p", str(port), "-U", "postgres",
                                             "hiap"]), check=True, capture_output=True)
        return f"postgresql://postgres@127.0.0.1:{port}/hiap"

    def _start_redis(self) -> str:
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("Redis is not installed (Debian package redis-server)")
        port = free_port()
        proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                 "--dir", str(self.base)], stdout=open(self.log("redis"), "ab"),
                                stderr=subprocess.STDOUT, start_new_session=True)
        self._procs.append(proc)
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)
        return f"redis://127.0.0.1:{port}"

    def start_node(self, i: int) -> None:
        env = self.env(i)
        instance = Path(env.pop("REVIEW_INSTANCE_PATH"))
        self.nodes[i] = start_gunicorn(instance, self.node_ports[i], env=env, log=self.log(f"node-{i}"))

    def kill_node(self, i: int) -> None:
        """SIGKILL the node's whole process group (gunicorn master and workers), as a machine dies."""
        proc = self.nodes.pop(i)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def start_worker(self) -> subprocess.Popen:
        n = len(self.workers)
        proc = subprocess.Popen([str(VENV_BIN / "flask"), "--app", "wsgi", "worker"], cwd=ROOT,
                                env=dict(os.environ, **self.env(f"worker-{n}")), start_new_session=True,
                                stdout=open(self.log(f"worker-{n}"), "ab"), stderr=subprocess.STDOUT)
        self.workers.append(proc)
        return proc

    def kill_worker(self, proc: subprocess.Popen) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def start_nginx(self, nodes: list[int]) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(nginx):
            raise RuntimeError("nginx is not installed (Debian package nginx)")
        home = _own_dir("hiap-cluster-nginx-", "nobody")
        self._dirs.append(home)
        self.nginx_conf = home / "nginx.conf"
        self._nginx_home = home
        self._write_nginx(nodes)
        proc = subprocess.Popen(_as_user("nobody", [nginx, "-p", str(home), "-c", str(self.nginx_conf), "-e",
                                                    str(home / "error.log"), "-g", "daemon off;"]),
                                stdout=open(self.log("nginx"), "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        self._procs.append(proc)
        self._nginx = proc
        _wait_for(f"{self.url}/static/app.css", proc, "nginx", self.log("nginx"))

    def _write_nginx(self, nodes: list[int]) -> None:
        max_mb = int(self.extra_env.get("REVIEW_MAX_UPLOAD_MB", 20)) + 1
        text = render_nginx((ROOT / "deploy" / "nginx.conf").read_text(), listen=f"127.0.0.1:{self.port}",
                            nodes=[f"127.0.0.1:{self.node_ports[i]}" for i in nodes], max_body=f"{max_mb}m",
                            run_dir=self._nginx_home, log_dir=self._nginx_home, tag_node=True)
        self.nginx_conf.write_text(text)
        if os.geteuid() == 0:
            shutil.chown(self.nginx_conf, "nobody", "nogroup")

    def route_to(self, nodes: list[int]) -> None:
        """Change nginx's upstream to these nodes (a reload: running requests finish)."""
        self._write_nginx(nodes)
        # nginx -s reload signals the master found in the pid file (as the user that runs it).
        subprocess.run(_as_user("nobody", [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(self._nginx_home),
                                           "-c", str(self.nginx_conf), "-e", str(self._nginx_home / "error.log"),
                                           "-s", "reload"]), check=True, capture_output=True)
        time.sleep(1.0)  # the new workers take over; the old ones finish their requests


# -- seeding (runs in a child with a node's environment) ---------------------------------------


def seed() -> dict:
    """The demo committee (load-demo), API tokens for the department, office, justice and every
    expert, and two probe logins with a known password. Passwords are hashed with cheap argon2
    parameters here (as the tests do): 80 production hashes would take a minute."""
    from argon2 import PasswordHasher

    from review import create_app
    from review.accounts import auth
    from review.accounts.models import User
    from review.accounts.operations import create_token, create_user
    from review.demo import load
    from review.extensions import db

    auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    app = create_app()
    with app.app_context():
        load()
        for name in ("probe_a", "probe_b"):
            create_user(name, "office", PASSWORD, display_name=name)
        db.session.commit()
        out: dict = {"experts": {}}
        for user in db.session.scalars(db.select(User).order_by(User.id)):
            if user.username in ("dept_edu", "office", "justice"):
                out[user.username] = create_token(user.username, "cluster", 1)
            elif user.role.value == "expert" and user.expert_id:
                out["experts"][str(user.expert_id)] = create_token(user.username, "cluster", 1)
        db.session.commit()
    return out


if __name__ == "__main__" and sys.argv[1:] == ["seed"]:
    sys.path.insert(0, str(ROOT))
    print(json.dumps(seed()))
