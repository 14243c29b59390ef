"""A throw-away PostgreSQL server for the tests that prove `REVIEW_DATABASE_URL` is all it takes."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile

import pytest


def _bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def _as_postgres(cmd: list[str]) -> list[str]:
    # The server refuses to run as root; drop to the postgres system user when we are root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def postgres_url():
    bindir = _bin()
    if bindir is None:
        pytest.fail("PostgreSQL is not installed: install the Debian package postgresql (make test does this)")
    base = tempfile.mkdtemp(prefix="hiap-pg-")
    data = os.path.join(base, "data")
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(_as_postgres([f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                                 "--no-locale"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", data, "-w", "-l", os.path.join(base, "log"),
                                 "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off",
                                 "start"]), check=True, capture_output=True)
    try:
        subprocess.run(_as_postgres([f"{bindir}/createdb", "-h", base, "-p", str(port), "-U", "postgres", "hiap"]),
                       check=True, capture_output=True)
        yield f"postgresql://postgres@127.0.0.1:{port}/hiap"
    finally:
        subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_app(postgres_url, tmp_path, monkeypatch):
    """The app on PostgreSQL, its schema made by the migrations, emptied after the test."""
    from review import create_app
    from review.extensions import db

    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("REVIEW_DATABASE_URL", postgres_url)
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    with app.app_context():
        yield app
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()
