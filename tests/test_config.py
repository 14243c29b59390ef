from pathlib import Path

from review import create_app
from review.config import database_uri, load_config


def test_defaults_without_environment():
    config = load_config({})
    assert config["PARSE_TIMEOUT"] == 30
    assert config["PANEL_SIZE"] == 3
    assert config["MAIL_SERVER"] == ""


def test_environment_overrides_are_typed():
    config = load_config({"REVIEW_PANEL_SIZE": "5", "REVIEW_MAIL_USE_TLS": "true",
                          "REVIEW_COMMITTEE_NAME": "某区健康专家委员会"})
    assert config["PANEL_SIZE"] == 5
    assert config["MAIL_USE_TLS"] is True
    assert config["COMMITTEE_NAME"] == "某区健康专家委员会"


def test_bad_integer_override_names_the_variable():
    import pytest

    with pytest.raises(RuntimeError, match="REVIEW_PANEL_SIZE"):
        load_config({"REVIEW_PANEL_SIZE": "three"})


def test_instance_path_moves_database_uploads_keys_and_outbox(tmp_path, monkeypatch):
    target = tmp_path / "elsewhere"
    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(target))
    app = create_app({"TESTING": True})
    assert Path(app.instance_path) == target.resolve()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{target.resolve()}/review.sqlite3"
    for key in ("UPLOAD_DIR", "OUTBOX_DIR", "KEY_DIR"):
        assert Path(app.config[key]).parent == target.resolve()
        assert Path(app.config[key]).is_dir()
    # The generated session secret is kept in the instance folder and reused.
    secret = (target / "keys" / "secret_key").read_text()
    assert app.config["SECRET_KEY"] == secret
    assert create_app({"TESTING": True}).config["SECRET_KEY"] == secret


def test_database_url_switches_to_postgresql(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("REVIEW_DATABASE_URL", "postgresql://review:pw@db.local/review")
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://review:pw@db.local/review"
    assert database_uri({"DATABASE_URL": "postgres://a@b/c"}, "/x") == "postgresql+psycopg://a@b/c"


def test_upload_cap_follows_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("REVIEW_MAX_UPLOAD_MB", "7")
    assert create_app({"TESTING": True}).config["MAX_CONTENT_LENGTH"] == 7 * 1024 * 1024


def test_gunicorn_serves_with_the_production_settings(tmp_path):
    """`make run` serves through gunicorn.conf.py: two workers, each with its own listening socket."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    root = Path(__file__).resolve().parent.parent
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, REVIEW_INSTANCE_PATH=str(tmp_path / "instance"), WEB_CONCURRENCY="2")
    subprocess.run([str(bin_dir / "flask"), "--app", "wsgi", "init-db"], cwd=root, env=env, check=True,
                   capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(bin_dir / "gunicorn"), "--config", "gunicorn.conf.py", "--bind",
                                 f"127.0.0.1:{port}", "wsgi:app"], cwd=root, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, status = time.monotonic() + 60, None
        while status is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                    status, body = response.status, response.read().decode()
            except OSError:
                time.sleep(0.3)
        assert status == 200 and "登录" in body
        # One listening socket per worker: the kernel spreads connections over them.
        listening = [line for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                     if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A"]
        assert len(listening) == 2
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    text = log.read_text(errors="replace")
    assert text.count("Booting worker") == 2 and "gthread" in text and "Traceback" not in text
    assert f"Serving on http://127.0.0.1:{port}" in text
    assert '"GET /login HTTP/1.1" 200' in text  # the access log is on


def test_make_serve_links_point_at_the_address_served(monkeypatch):
    """`make run PORT=5101` puts http://127.0.0.1:5101 into mails and QR codes, not the default port."""
    import subprocess
    from pathlib import Path

    monkeypatch.delenv("REVIEW_BASE_URL", raising=False)
    root = Path(__file__).resolve().parent.parent
    recipe = subprocess.run(["make", "-n", "--no-print-directory", "serve", "PORT=5101"], cwd=root,
                            capture_output=True, text=True, check=True).stdout
    assert "--bind 127.0.0.1:5101" in recipe
    # Run the recipe with gunicorn replaced by a print of what it would receive.
    probe = recipe.replace(".venv/bin/gunicorn", "printenv REVIEW_BASE_URL #")
    shown = subprocess.run(["bash", "-c", probe], cwd=root, capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "http://127.0.0.1:5101"
    monkeypatch.setenv("REVIEW_BASE_URL", "https://hiap.example.gov.cn")
    shown = subprocess.run(["bash", "-c", probe], cwd=root, capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "https://hiap.example.gov.cn"


def test_shared_folders_for_several_nodes(tmp_path, monkeypatch):
    """Two nodes with their own instance folders but one shared upload, sheet and key folder (as
    the README's production layout says) use the same files and the same session key."""
    shared = tmp_path / "shared"
    for key, sub in (("UPLOAD_DIR", "uploads"), ("SHEET_DIR", "sheets"), ("KEY_DIR", "keys")):
        monkeypatch.setenv(f"REVIEW_{key}", str(shared / sub))
    apps = []
    for node in ("a", "b"):
        monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / node))
        apps.append(create_app({"TESTING": True}))
    a, b = apps
    for key, sub in (("UPLOAD_DIR", "uploads"), ("SHEET_DIR", "sheets"), ("KEY_DIR", "keys")):
        assert a.config[key] == b.config[key] == str((shared / sub).resolve())
        assert Path(a.config[key]).is_dir()
    assert a.config["CACHE_DIR"] != b.config["CACHE_DIR"]  # per node
    assert Path(a.config["CACHE_DIR"]).parent == (tmp_path / "a").resolve()
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"] == (shared / "keys" / "secret_key").read_text()
    assert not (tmp_path / "a" / "keys").exists()


def test_a_parse_in_a_background_job_has_its_own_time_limit():
    assert load_config({})["PARSE_JOB_TIMEOUT"] == 300
    assert load_config({"REVIEW_PARSE_JOB_TIMEOUT": "600"})["PARSE_JOB_TIMEOUT"] == 600


def test_parse_draft_in_a_job_uses_the_job_time_limit(tmp_path, monkeypatch):
    import pipeline
    from pipeline.document import Result
    from review.submissions.parsing import parse_draft

    seen = []
    monkeypatch.setattr(pipeline, "run_file_isolated",
                        lambda path, **limits: seen.append(limits) or Result(file=str(path), status="success"))
    app = create_app({"TESTING": True, "PARSE_TIMEOUT": 30, "PARSE_JOB_TIMEOUT": 300, "PARSE_MEMORY_MB": 512})
    with app.app_context():
        parse_draft(tmp_path / "a.docx", "a.docx")
        parse_draft(tmp_path / "a.docx", "a.docx", in_job=True)
    assert [s["timeout"] for s in seen] == [30.0, 300.0]
    assert {s["memory"] for s in seen} == {512 * 1024 * 1024}


def test_sqlite_connections_read_through_a_memory_map_and_a_larger_cache(tmp_path, monkeypatch):
    from review.extensions import db

    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("REVIEW_SQLITE_CACHE_KIB", "4096")
    app = create_app({"TESTING": True, "SQLITE_MMAP_SIZE": 1 << 24})
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == 1 << 24
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -4096
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_gunicorn_workers_freeze_their_start_up_objects():
    """gunicorn.conf.py's post_worker_init: what the worker loaded is out of the collector's reach."""
    import gc
    import runpy

    conf = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    threshold = gc.get_threshold()
    try:
        conf["post_worker_init"](None)
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold()[0] == 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
