"""``storage check``: files in the upload and sheet folders that no row names (a worker killed
between writing a file and committing its row), and rows whose file is gone.

Rows are never deleted here: a row without its file is reported for a person to restore from a
backup. ``fix`` removes orphan files older than a grace period only: a younger file may belong to a
request that has not committed yet.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..sheets.models import OpinionSheet
from ..submissions.models import StagedUpload, StoredFile


@dataclass
class StorageReport:
    orphans: list[Path] = field(default_factory=list)  # files no row names
    missing: list[str] = field(default_factory=list)  # "table id: path" of rows without their file
    removed: list[Path] = field(default_factory=list)
    kept_young: list[Path] = field(default_factory=list)
    files: int = 0


def _referenced() -> tuple[dict[str, str], dict[str, str]]:
    """{relative path: row description} for the upload folder and for the sheet folder."""
    uploads: dict[str, str] = {}
    for file_id, key in db.session.execute(select(StoredFile.id, StoredFile.storage_key)):
        uploads[key] = f"stored_file {file_id}"
    for staged_id, files in db.session.execute(select(StagedUpload.id, StagedUpload.files)):
        for f in files or []:
            if f.get("storage_key"):
                uploads[f["storage_key"]] = f"staged_upload {staged_id}"
    sheets: dict[str, str] = {}
    for sheet_id, pdf_key, docx_key in db.session.execute(
            select(OpinionSheet.id, OpinionSheet.pdf_key, OpinionSheet.docx_key)):
        for key in (pdf_key, docx_key):
            if key:
                sheets[key] = f"opinion_sheet {sheet_id}"
        if pdf_key:  # the QR image is written beside the PDF (sheets.operations.qr_key)
            sheets[pdf_key.rsplit(".", 1)[0] + ".qr.png"] = f"opinion_sheet {sheet_id}"
    return uploads, sheets


def _files(root: Path):
    if not root.is_dir():
        return
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            yield path


def check_storage(fix: bool = False, grace_seconds: float = 3600) -> StorageReport:
    report = StorageReport()
    uploads, sheets = _referenced()
    now = time.time()
    for root_key, referenced in (("UPLOAD_DIR", uploads), ("SHEET_DIR", sheets)):
        root = Path(current_app.config[root_key])
        seen: set[str] = set()
        for path in _files(root):
            report.files += 1
            rel = path.relative_to(root).as_posix()
            if rel in referenced:
                seen.add(rel)
                continue
            report.orphans.append(path)
            if not fix:
                continue
            try:
                young = now - path.stat().st_mtime < grace_seconds
            except OSError:
                continue
            if young:
                report.kept_young.append(path)
            else:
                path.unlink(missing_ok=True)
                report.removed.append(path)
        for rel, row in sorted(referenced.items()):
            if rel not in seen:
                report.missing.append(f"{row}: {root / rel}")
    return report
