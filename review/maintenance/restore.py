"""``restore SRC``: a backup into an empty instance, checked against its manifest before and after."""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect

from ..extensions import db
from .backup import (FOLDERS, FORMAT, MANIFEST, PG_FILE, SQLITE_FILE, STARTUP_KEYS, BackupError, engine_kind,
                     file_entry, pg_args)


@dataclass
class RestoreReport:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    problems: list[str] = field(default_factory=list)


def read_manifest(src: Path) -> dict:
    """The manifest, after checking every file it lists against its hash (and no file unlisted)."""
    path = src / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} cannot be read ({type(exc).__name__})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a HiAP Review backup manifest")
    problems = []
    for rel, expected in sorted(manifest["files"].items()):
        file = src / rel
        if not file.is_file():
            problems.append(f"{rel}: missing from the backup")
        elif file_entry(file) != expected:
            problems.append(f"{rel}: its SHA-256 or size differs from the manifest")
    listed = set(manifest["files"]) | {MANIFEST}
    extra = sorted(p.relative_to(src).as_posix() for p in src.rglob("*")
                   if p.is_file() and p.relative_to(src).as_posix() not in listed)
    problems += [f"{rel}: not in the manifest" for rel in extra]
    if problems:
        raise BackupError("the backup does not match its manifest:\n  " + "\n  ".join(problems))
    return manifest


def _table_rows() -> dict[str, int]:
    with db.engine.connect() as conn:
        names = [t for t in inspect(conn).get_table_names() if not t.startswith("sqlite_")]
        return {t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar_one() for t in sorted(names)}


def instance_problems() -> list[str]:
    """Why this instance is not empty (nothing = it may receive a restore)."""
    problems = [f"table {t} has {n} row(s)" for t, n in _table_rows().items() if n and t != "alembic_version"]
    for name, config_key in FOLDERS:
        root = Path(current_app.config[config_key])
        files = [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []
        if name == "keys":
            files = [p for p in files if p.name not in STARTUP_KEYS]
        if files:
            problems.append(f"{root} holds {len(files)} file(s)")
    return problems


def _restore_sqlite(src: Path) -> None:
    target = db.engine.url.database
    db.session.remove()
    db.engine.dispose()
    source, dest = sqlite3.connect(src / SQLITE_FILE), sqlite3.connect(target)
    try:
        source.backup(dest)  # page by page into the live file: its WAL stays consistent
    finally:
        source.close()
        dest.close()


def _restore_postgres(src: Path) -> None:
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not installed (Debian package postgresql-client)")
    db.session.remove()
    with db.engine.begin() as conn:  # the empty tables of init-db make way for the dump's
        for table in inspect(conn).get_table_names():
            conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
    db.engine.dispose()
    args, env = pg_args(db.engine.url)
    done = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                           *args, str(src / PG_FILE)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[:500]}")


def restore(src: Path) -> RestoreReport:
    src = Path(src)
    manifest = read_manifest(src)
    engine = manifest["database"]["engine"]
    if engine != engine_kind():
        raise BackupError(f"the backup is of a {engine} database; this instance uses {engine_kind()}")
    problems = instance_problems()
    if problems:
        raise BackupError("the instance is not empty: " + "; ".join(problems))
    if engine == "sqlite":
        _restore_sqlite(src)
    else:
        _restore_postgres(src)
    report = RestoreReport()
    for rel in sorted(manifest["files"]):
        folder, _, rest = rel.partition("/")
        config_key = dict(FOLDERS).get(folder)
        if config_key is None or not rest:
            continue  # the database dump
        target = Path(current_app.config[config_key]) / rest
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)  # a new inode: key caches (signing.load_keypair) see the change
        shutil.copy2(src / rel, target)
        report.files += 1
        if file_entry(target) != manifest["files"][rel]:
            report.problems.append(f"{target}: differs from the manifest after copying")
    report.rows = _table_rows()
    for table, count in manifest["rows"].items():
        if report.rows.get(table) != count:
            report.problems.append(f"table {table}: {report.rows.get(table)} row(s), the backup had {count}")
    return report
