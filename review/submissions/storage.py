"""Uploaded files on disk under the instance folder, addressed by an opaque storage key.

Original file names are kept in the database only: on disk a file is named by a random key, so a
name can neither traverse paths nor leak into another user's view.
"""
from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage

from ..transaction import delete_after_commit, written

DRAFT_EXTENSIONS = {".docx", ".pdf", ".txt"}
LETTER_EXTENSIONS = {".docx", ".pdf", ".txt", ".ofd", ".jpg", ".jpeg", ".png"}
BASIS_EXTENSIONS = LETTER_EXTENSIONS | {".doc", ".wps", ".xlsx", ".xls"}


@dataclass
class Saved:
    filename: str
    storage_key: str
    size: int
    sha256: str

    @property
    def path(self) -> Path:
        return upload_path(self.storage_key)


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def upload_path(storage_key: str) -> Path:
    root = upload_root().resolve()
    path = (root / storage_key).resolve()
    if root not in path.parents:
        raise ValueError("storage key outside the upload folder")
    return path


def clean_filename(name: str) -> str:
    """The user's file name for display: no directories, no control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "file"


def extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def save_upload(upload: FileStorage | bytes, filename: str | None = None) -> Saved:
    """Write an upload to disk while hashing it."""
    if isinstance(upload, (bytes, bytearray)):
        chunks = [bytes(upload)]
        filename = filename or "file"
    else:
        filename = filename or upload.filename or "file"
        chunks = iter(lambda: upload.stream.read(1 << 20), b"")
    ext = extension(clean_filename(filename))
    key = f"{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}{ext}"
    path = upload_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    written(path)  # removed again unless the upload's transaction commits
    with open(path, "wb") as fh:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            fh.write(chunk)
    return Saved(clean_filename(filename), key, size, digest.hexdigest())


def delete_key(storage_key: str) -> None:
    """Delete an upload once the transaction that stops using it commits."""
    try:
        path = upload_path(storage_key)
    except ValueError:
        return
    delete_after_commit(path)
