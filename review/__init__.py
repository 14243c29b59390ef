"""HiAP Review: the Flask application."""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask

from .config import database_uri, instance_path_from_env, load_config

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=instance_path_from_env() or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    config = load_config()
    if test_config:
        config.update({k.removeprefix("REVIEW_"): v for k, v in test_config.items()})
    _apply_config(app, config)
    if int(config["TRUSTED_PROXIES"]) > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from pipeline.rubrics import RubricError, domains, load_domains, load_screening, screening

    try:
        rubrics_dir = app.config["RUBRICS_DIR"]
        loaded = load_domains(Path(rubrics_dir) / "domains.toml") if rubrics_dir else domains()
        app.extensions["domains"] = {d.code: d for d in loaded}
        # the screening rubric too: a broken file stops the start, not a later upload
        if rubrics_dir:
            load_screening(Path(rubrics_dir) / "screening.toml", tuple(app.extensions["domains"]))
        else:
            screening()
    except RubricError as exc:
        raise RuntimeError(f"cannot start: {exc}") from None

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    app.teardown_request(_forget_request_values)
    app.after_request(_security_headers)
    return app


# No inline script or event handler anywhere (templates load review/static/*.js); style
# attributes stay allowed (style-src-attr) since they cannot run code.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "style-src-attr 'unsafe-inline'",
    "img-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])


def _security_headers(response):
    """One hook rather than an extension: these headers are all the app needs (flask-talisman
    would also redirect to https itself, which the reverse proxy does)."""
    from flask import current_app

    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config["HTTPS"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _forget_request_values(_exc) -> None:
    """Values cached on g for one request: the user (Flask-Login), the locale (Flask-Babel and
    ours), the CSRF token (Flask-WTF). When an app context outlives a request (tests, CLI runners),
    the next request, maybe another session's, must not inherit them."""
    from flask import current_app, g

    for name in ("_login_user", "_flask_babel", "_language", "_translations",
                 current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")):
        g.pop(name, None)


# Folders the app writes: config key -> default sub-folder of the instance folder.
FOLDERS = {"UPLOAD_DIR": "uploads", "OUTBOX_DIR": "outbox", "KEY_DIR": "keys", "SHEET_DIR": "sheets",
           "CACHE_DIR": "cache"}


def _apply_config(app: Flask, config: dict) -> None:
    instance = Path(app.instance_path)
    app.config.update({k: v for k, v in config.items() if k not in ("SECRET_KEY", "DATABASE_URL")})
    for key, sub in FOLDERS.items():
        folder = Path(str(config.get(key) or instance / sub)).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        app.config[key] = str(folder)
    app.config["SECRET_KEY"] = config.get("SECRET_KEY") or _instance_secret(Path(app.config["KEY_DIR"]))
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(config, app.instance_path)
    # A server connection can drop between requests; an SQLite file cannot (no round trip per request).
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = (
        {} if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else {"pool_pre_ping": True})
    app.config["MAX_CONTENT_LENGTH"] = int(config["MAX_UPLOAD_MB"]) * 1024 * 1024
    from .submissions.limits import UploadRequest, form_parts_limit

    app.request_class = UploadRequest  # says which upload limit a 413 hit
    app.config["MAX_FORM_PARTS"] = form_parts_limit(int(config["MAX_FILES"]))
    app.config["BABEL_DEFAULT_LOCALE"] = config["DEFAULT_LOCALE"]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # Served over https (REVIEW_BASE_URL): cookies only travel encrypted, and HSTS is sent.
    app.config["HTTPS"] = str(config["BASE_URL"]).lower().startswith("https://")
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = app.config["HTTPS"]
    app.config.setdefault("TESTING", bool(config.get("TESTING", False)))


def _instance_secret(key_dir: Path) -> str:
    """A per-instance session key, generated once and kept in the key folder. Written to a
    temporary file and linked into place: of several workers or nodes starting at once on a
    shared folder, one key wins and none reads a half-written file."""
    path = key_dir / "secret_key"
    if not path.exists():
        tmp = key_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process was first: use its key
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def _init_extensions(app: Flask) -> None:
    from . import i18n
    from .extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    from . import ratelimit  # noqa: F401  (registers the database:// counter storage)

    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page explains itself
    i18n.init_app(app)
    from . import rubric_labels
    rubric_labels.init_app(app)
    from . import pagecache
    from .office import fragments
    from .registry import fragments as registry_fragments
    pagecache.init_app(app)
    fragments.init_app(app)
    registry_fragments.init_app(app)

    from . import models  # noqa: F401  (registers every model on the metadata)
    from . import transaction

    transaction.init()
    from .audit import chain

    chain.init()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            _sqlite_pragmas(db.engine, int(app.config["SQLITE_MMAP_SIZE"]), int(app.config["SQLITE_CACHE_KIB"]))
    from .accounts import auth

    auth.init_app(app)
    from .jobs import queue

    queue.init_app(app)
    _register_job_handlers()


def _register_job_handlers() -> None:
    """The modules whose ``@job_handler`` functions the workers run (imported for registration)."""
    from .notifications import mail as _mail_jobs  # noqa: F401
    from .reviews import batch as _batch_jobs  # noqa: F401
    from .routing import precedents as _precedent_jobs  # noqa: F401
    from .sheets import jobs as _sheet_jobs  # noqa: F401
    from .submissions import jobs as _submission_jobs  # noqa: F401
    from .stats import jobs as _report_jobs  # noqa: F401


def _sqlite_pragmas(engine, mmap_size: int, cache_kib: int) -> None:
    """WAL lets readers run beside the writer; the busy timeout queues concurrent writers; reads go
    through a memory map and a larger page cache (SQLITE_MMAP_SIZE, SQLITE_CACHE_KIB)."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA mmap_size={max(mmap_size, 0):d}")
        cursor.execute(f"PRAGMA cache_size={-max(cache_kib, 0):d}")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .admin.views import bp as admin_bp
    from .api import bp as api_bp
    from .api.common import register_error_handlers
    from .followups.views import bp as followups_bp
    from .home import bp as home_bp
    from .jobs.views import bp as jobs_bp
    from .notifications.views import bp as notifications_bp
    from .office.views import bp as office_bp
    from .reviews.views import bp as reviews_bp
    from .registry.views import bp as registry_bp
    from .screening.views import bp as screening_bp
    from .sheets.views import bp as sheets_bp
    from .stats.views import bp as stats_bp
    from .submissions.views import bp as submissions_bp
    from .verify.views import bp as verify_bp

    for bp in (home_bp, accounts_bp, admin_bp, api_bp, sheets_bp, verify_bp, submissions_bp, office_bp,
               reviews_bp, notifications_bp, screening_bp, jobs_bp, registry_bp, followups_bp, stats_bp):
        app.register_blueprint(bp)
    register_error_handlers(app)


def _register_cli(app: Flask) -> None:
    from .cli import register

    register(app)
