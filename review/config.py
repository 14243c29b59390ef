"""Configuration: defaults in code, overridden by ``REVIEW_*`` environment variables.

Nothing here touches the disk at import time; ``load_config`` is called by ``create_app``.
"""
from __future__ import annotations

import os
from pathlib import Path

# Defaults. Every key can be overridden by an environment variable REVIEW_<KEY>.
DEFAULTS: dict[str, object] = {
    "SECRET_KEY": None,  # generated into the instance folder on first start when unset
    "DATABASE_URL": None,  # default: sqlite file in the instance folder
    "MAX_UPLOAD_MB": 20,  # per request
    "PARSE_TIMEOUT": 30,  # seconds per uploaded file, enforced in a child process
    "PARSE_MEMORY_MB": 1024,
    # The inventory (registry): documents per upload, one document's size, a zip's expanded size and
    # the expanded/compressed ratio of a member above which a zip is refused as a bomb.
    "INVENTORY_MAX_FILES": 200,
    "INVENTORY_MAX_FILE_MB": 20,
    "INVENTORY_MAX_TOTAL_MB": 300,
    "INVENTORY_MAX_RATIO": 100,
    # Uploads are parsed by a background job (review/jobs), not in the request: its child may take longer.
    "PARSE_JOB_TIMEOUT": 300,
    # Where jobs queue: "sqlite" (a file in the instance folder; `make run` starts the worker),
    # "redis://host:6379/0", or "immediate" (run in-process; the default under TESTING).
    "JOB_QUEUE": "",
    "JOB_WORKERS": 2,  # threads of `flask worker`; each parse also runs in its own sandboxed child
    "JOB_HEARTBEAT_SECONDS": 10,
    "JOB_POLL_SECONDS": 0.25,  # longest pause of an idle worker between looks at the SQLite queue
    "JOB_STALE_SECONDS": 60,  # a running job without a heartbeat this long lost its worker
    "MAX_CLAUSES": 3000,  # per draft; a denser upload is refused by the parse child
    "MAX_FILES": 100,  # files per upload request (draft, letter and basis files together)
    "EMBEDDING_MODEL": "",  # sentence-transformers model name or path; empty = lexical only
    "PANEL_SIZE": 3,
    "REVIEW_WORKING_DAYS": 10,  # default deadline for experts, in working days
    "HOLIDAYS": "",  # comma-separated ISO dates that are not working days
    "EXTRA_WORKDAYS": "",  # comma-separated ISO weekend dates that are working days (调休)
    "REMIND_DAYS_BEFORE": 2,
    "SIMPLE_DUE_DAYS": 5,  # 简易程序: the one expert's deadline, in working days
    "FOLLOWUP_MONTHS": 12,  # 跟踪评估: default follow-up date, months after publication
    "FOLLOWUP_REMIND_EVERY": 7,  # days between reminders of an overdue follow-up report
    "COMMITTEE_NAME": "滨海新区健康专家委员会",
    "SHEET_SERIAL_PREFIX": "健审",
    "BASE_URL": "http://127.0.0.1:5000",
    "MAIL_SERVER": "",  # empty = write mails to the instance outbox folder
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_SENDER": "hiap-review@localhost",
    "MAIL_ATTEMPTS": 5,  # a mail job is retried this often while the mail server refuses it
    "VERIFY_RATE_LIMIT": "30 per minute",
    # Files checked without signing in (sheet PDFs, drafts against a sheet): size cap and budget.
    "VERIFY_MAX_MB": 5,
    "VERIFY_UPLOAD_RATE_LIMIT": "10 per minute",
    "LOGIN_RATE_LIMIT": "10 per minute",  # per username and address
    "LOGIN_ADDRESS_RATE_LIMIT": "30 per minute;300 per hour",  # per address, any username (spraying)
    "RATELIMIT_ENABLED": True,
    # Where the counters live, seen by every gunicorn worker: database:// = the app's database
    # (review/ratelimit.py); or redis://host:6379 (needs the redis package).
    "RATELIMIT_STORAGE_URI": "database://",
    "SESSION_DAYS": 14,  # a sign-in (and its "keep me signed in" cookie) ends after this many days
    # Reverse proxies in front of the app that set X-Forwarded-For/-Proto: without this, every
    # request seems to come from the proxy and the per-address limits would count everyone together.
    "TRUSTED_PROXIES": 0,
    # TrueType fonts (.ttf/.ttc, "file.ttc#N" for face N) of the sheet PDF; empty = the installed
    # defaults (review/sheets/fonts.py). SHEET_FONT sets every role; the others one each.
    "SHEET_FONT": "",
    "SHEET_FONT_TITLE": "",  # 小标宋
    "SHEET_FONT_BODY": "",  # 仿宋
    "SHEET_FONT_HEADING": "",  # 黑体
    "SHEET_FONT_KAI": "",  # 楷体
    "DEFAULT_LOCALE": "zh_CN",
    "TIMEZONE": "Asia/Shanghai",  # dates of deadlines and sheets
    "PAGE_SIZE": 20,
    # Expert review pages kept rendered per worker process (about 10 KB each; the clause list is
    # shared). 0 renders every view afresh.
    "PAGE_CACHE_SIZE": 512,
    # SQLite only: bytes of the database file read through a memory map (shared by every connection
    # of the machine, no copy per read), and KiB of page cache per connection. The 2 MiB default
    # cache held little of a district's 300 MB database: a registry search's count took 4 ms of
    # reads, 1 ms mapped. 0 turns the map off.
    "SQLITE_MMAP_SIZE": 256 * 1024 * 1024,
    "SQLITE_CACHE_KIB": 16384,
    "RUBRICS_DIR": "",  # empty = the rubrics/ folder of the code
    # Folders the app writes, each under the instance folder unless set. With several app nodes,
    # uploads, sheets and keys must be one shared folder each (see the README's "Production").
    "UPLOAD_DIR": "",
    "SHEET_DIR": "",
    "KEY_DIR": "",  # the sheet signing key and the generated session key
    "OUTBOX_DIR": "",  # mails written to disk when MAIL_SERVER is empty
    "CACHE_DIR": "",  # per node: embedding cache and temporary files of checks
}

_BOOL_TRUE = {"1", "true", "yes", "on"}


def _coerce(default: object, raw: str) -> object:
    if isinstance(default, bool):
        return raw.strip().lower() in _BOOL_TRUE
    if isinstance(default, int):
        return int(raw)
    return raw


def load_config(environ: dict[str, str] | None = None) -> dict[str, object]:
    """Defaults with ``REVIEW_*`` overrides applied."""
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        raw = environ.get(f"REVIEW_{key}")
        if raw is not None:
            try:
                config[key] = _coerce(default, raw)
            except ValueError:
                raise RuntimeError(f"REVIEW_{key}={raw!r} is not a valid value") from None
    return config


def instance_path_from_env(environ: dict[str, str] | None = None) -> str | None:
    environ = os.environ if environ is None else environ
    path = environ.get("REVIEW_INSTANCE_PATH")
    return str(Path(path).resolve()) if path else None


def database_uri(config: dict[str, object], instance_path: str) -> str:
    url = config.get("DATABASE_URL")
    if url:
        url = str(url)
        # Accept the libpq-style scheme and use the psycopg 3 driver.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return "sqlite:///" + str(Path(instance_path) / "review.sqlite3")
