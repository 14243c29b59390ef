"""Helpers to compare two instances: every row of every table, every file of the instance folders."""
from __future__ import annotations

import hashlib
from pathlib import Path

from review.extensions import db

FOLDERS = ("UPLOAD_DIR", "SHEET_DIR", "KEY_DIR")


def all_rows() -> dict[str, list[tuple]]:
    out = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        out[table.name] = [tuple(r) for r in db.session.execute(table.select().order_by(*order))]
    return out


def all_files(app) -> dict[str, str]:
    out = {}
    for key in FOLDERS:
        root = Path(app.config[key])
        for path in sorted(root.rglob("*")):
            if path.is_file():
                out[f"{key}/{path.relative_to(root).as_posix()}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out
