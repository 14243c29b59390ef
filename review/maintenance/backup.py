"""``backup DEST`` and ``restore SRC``: the database, the uploads, the sheets and the keys, with a
manifest of SHA-256 hashes.

The database is copied first, as one consistent snapshot taken while the app serves (SQLite's
online backup API; ``pg_dump`` on an exported snapshot for PostgreSQL), then the files. Files are
written before their row commits and deleted only after the row stops naming them, so every file a
row of the snapshot names is still there when the files are copied; the backup checks it.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from ..extensions import db
from ..models_base import utcnow

FORMAT = "hiap-backup/1"
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FOLDERS = (("uploads", "UPLOAD_DIR"), ("sheets", "SHEET_DIR"), ("keys", "KEY_DIR"))
# Keys a fresh instance makes at start-up: present in an "empty" instance, replaced by the restore.
STARTUP_KEYS = {"secret_key"}


class BackupError(Exception):
    pass


@dataclass
class BackupReport:
    path: Path
    manifest: dict
    missing: list[str] = field(default_factory=list)  # files rows of the snapshot name but absent


def engine_kind() -> str:
    return "sqlite" if db.engine.url.get_backend_name() == "sqlite" else "postgresql"


def pg_args(url) -> tuple[list[str], dict]:
    """libpq connection options for pg_dump/pg_restore; the password goes through the environment."""
    url = make_url(str(url.render_as_string(hide_password=False)))
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432), "--dbname", url.database or ""]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def _hash_copy(src: Path, dst: Path) -> dict:
    dst.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for chunk in iter(lambda: fin.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
            fout.write(chunk)
    shutil.copymode(src, dst)
    return {"sha256": digest.hexdigest(), "size": size}


def file_entry(path: Path) -> dict:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


_KEYS_SQL = ("SELECT storage_key FROM stored_file", "SELECT files FROM staged_upload",
             "SELECT pdf_key, docx_key FROM opinion_sheet")


def _named_files(rows_of) -> set[str]:
    """Paths (relative to the backup) that the snapshot's rows name."""
    named: set[str] = set()
    for (key,) in rows_of(_KEYS_SQL[0]):
        named.add(f"uploads/{key}")
    for (files,) in rows_of(_KEYS_SQL[1]):
        for f in (json.loads(files) if isinstance(files, str) else files) or []:
            if f.get("storage_key"):
                named.add(f"uploads/{f['storage_key']}")
    for pdf_key, docx_key in rows_of(_KEYS_SQL[2]):
        named.update(f"sheets/{k}" for k in (pdf_key, docx_key) if k)
    return named


def _dump_sqlite(dest: Path) -> tuple[dict, set[str], dict]:
    source = db.engine.url.database
    target = dest / SQLITE_FILE
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)  # one consistent snapshot, even while other connections write
    finally:
        src.close()
    try:
        tables = [r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                            "AND name NOT LIKE 'sqlite_%'")]
        counts = {t: dst.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}
        named = _named_files(lambda sql: dst.execute(sql).fetchall()) if "stored_file" in tables else set()
    finally:
        dst.close()
    return {"engine": "sqlite", "file": SQLITE_FILE}, named, counts


def _dump_postgres(dest: Path) -> tuple[dict, set[str], dict]:
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (Debian package postgresql-client)")
    args, env = pg_args(db.engine.url)
    target = dest / PG_FILE
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        # pg_dump reads the snapshot this transaction exported: the counts and file names below
        # come from exactly the data it dumps.
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                               f"--snapshot={snapshot}", "--file", str(target), *args],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
        tables = inspect(conn).get_table_names()
        counts = {t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar_one() for t in sorted(tables)}
        named = _named_files(lambda sql: conn.exec_driver_sql(sql).fetchall()) if "stored_file" in tables else set()
        conn.rollback()
    return {"engine": "postgresql", "file": PG_FILE}, named, counts


def backup(dest: Path) -> BackupReport:
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    os.chmod(dest, 0o700)  # it holds the private signing key
    started = utcnow()
    database, named, counts = _dump_sqlite(dest) if engine_kind() == "sqlite" else _dump_postgres(dest)
    files = {database["file"]: file_entry(dest / database["file"])}
    for name, config_key in FOLDERS:
        root = Path(current_app.config[config_key])
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
            if path.name.startswith("."):
                continue  # a key being written (signing._write_exclusive)
            rel = f"{name}/{path.relative_to(root).as_posix()}"
            try:
                files[rel] = _hash_copy(path, dest / rel)
            except FileNotFoundError:
                continue  # deleted meanwhile: no row of the snapshot names it (see the module doc)
    missing = sorted(named - set(files))
    manifest = {"format": FORMAT, "created_at": started.isoformat(), "database": database, "rows": counts,
                "files": files, "missing": missing}
    (dest / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    return BackupReport(dest, manifest, missing)
