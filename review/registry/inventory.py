"""Inventory (梳理): a department's existing documents read in at once, each parsed in the sandbox and
screened into a registry entry. The request stores the files and checks zips; a background job reads
them with per-file progress (run_inventory); the CLI runs the same per-file step."""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app

from pipeline.errors import MEMORY, TIMEOUT
from pipeline.isolate import zip_isolated

from ..accounts.models import Department, User
from ..calendar import local_today
from ..extensions import db
from ..submissions import storage
from .models import EntryOrigin, EntryStatus, RegistryEntry
from .operations import RegistryError, apply_screening, set_text

DOCUMENT_EXTENSIONS = {".docx", ".pdf", ".txt"}
ZIP_EXTENSIONS = {".zip"}
_EXTRACT_SECONDS = 120.0  # a 300 MB inventory on a loaded machine


@dataclass(frozen=True)
class Limits:
    files: int  # documents per inventory, loose or inside zips
    member_bytes: int  # one document
    total_bytes: int  # everything a zip expands to
    ratio: int  # expanded / compressed size of one member, above which it is a bomb

    @classmethod
    def from_config(cls) -> "Limits":
        c = current_app.config
        return cls(int(c.get("INVENTORY_MAX_FILES", 200)), int(c.get("INVENTORY_MAX_FILE_MB", 20)) << 20,
                   int(c.get("INVENTORY_MAX_TOTAL_MB", 300)) << 20, int(c.get("INVENTORY_MAX_RATIO", 100)))


def _zip_error(answer: dict, name: str = "") -> RegistryError:
    if answer.get("error") == "zip_bomb":
        return RegistryError("zip_bomb", "the zip expands to far more data than it holds; it was refused",
                             "files", name=storage.clean_filename(answer.get("name") or name))
    if answer.get("error") in (TIMEOUT, MEMORY):
        return RegistryError("zip_too_costly", "reading the zip took more time or memory than allowed", "files")
    return RegistryError("bad_zip", "the zip file is damaged or not a zip", "files")


def zip_documents(path: Path, limits: Limits) -> list[dict]:
    """The members of a zip to read ({index, name, size, ...}), after checking its directory: a bomb
    (declared sizes or ratio beyond the limits), an encrypted or damaged zip raises RegistryError;
    other members are skipped. The directory is read in the sandboxed child (pipeline/ziparchive.py)."""
    answer = zip_isolated({"op": "list", "path": str(path)})
    if "members" not in answer:
        raise _zip_error(answer)
    members = [m for m in answer["members"] if not m["dir"] and not _hidden(m["name"])]
    if len(members) > limits.files:
        raise RegistryError("zip_too_many", f"the zip holds {len(members)} files; at most {limits.files}", "files",
                            n=len(members), max=limits.files)
    total = 0
    docs = []
    for m in members:
        m["name"] = storage.clean_filename(m["name"])
        if m["encrypted"]:
            raise RegistryError("zip_encrypted", "the zip is password-protected", "files")
        total += m["size"]
        bomb = (m["size"] > limits.member_bytes or total > limits.total_bytes
                or m["size"] > (1 << 20) and m["size"] > limits.ratio * max(m["compressed"], 1))
        if bomb:
            raise _zip_error({"error": "zip_bomb", "name": m["name"]})
        if storage.extension(m["name"]) in DOCUMENT_EXTENSIONS:
            docs.append(m)
    return docs


def _hidden(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def extract_documents(zip_path: Path, members: list[dict], limits: Limits, out_dir: Path) -> list[tuple[str, Path]]:
    """The members' bytes written to out_dir by the sandboxed child, each capped at its declared
    size and the limits (a member that lies about its size is a bomb too); (name, path) each."""
    answer = zip_isolated({"op": "extract", "path": str(zip_path), "indexes": [m["index"] for m in members],
                           "out_dir": str(out_dir), "member_limit": limits.member_bytes,
                           "total_limit": limits.total_bytes}, timeout=_EXTRACT_SECONDS)
    if "files" not in answer:
        raise _zip_error(answer)
    return [(m["name"], out_dir / str(m["index"])) for m in members]


def stage_inventory(actor: User, department_id: int | None, uploads: list) -> tuple[dict, int]:
    """Store the uploaded files and check them; returns (job payload, number of documents)."""
    from ..permissions import can_run_inventory

    if not can_run_inventory(actor, department_id) or db.session.get(Department, department_id) is None:
        raise RegistryError("forbidden", "you may not read in documents for this department", "department")
    uploads = [u for u in uploads if u is not None and u.filename]
    if not uploads:
        raise RegistryError("no_files", "choose the documents or a zip to read in", "files")
    limits = Limits.from_config()
    for u in uploads:
        if storage.extension(u.filename) not in DOCUMENT_EXTENSIONS | ZIP_EXTENSIONS:
            raise RegistryError("inventory_file_type", f"{u.filename}: not a .docx, .pdf, .txt or .zip", "files",
                                name=storage.clean_filename(u.filename))
    files, count = [], 0
    for u in uploads:
        saved = storage.save_upload(u)
        is_zip = storage.extension(saved.filename) in ZIP_EXTENSIONS
        count += len(zip_documents(saved.path, limits)) if is_zip else 1
        files.append({"name": saved.filename, "key": saved.storage_key, "zip": is_zip})
    if count > limits.files:
        raise RegistryError("zip_too_many", f"{count} documents; at most {limits.files}", "files",
                            n=count, max=limits.files)
    if count == 0:
        raise RegistryError("no_documents", "the zip holds no .docx, .pdf or .txt document", "files")
    return {"department_id": department_id, "actor_id": actor.id, "files": files}, count


def documents(files: list[dict], limits: Limits):
    """(display name, path) for every document of the stored files, zips expanded (each zip's
    documents extracted at once into a folder that is removed afterwards)."""
    for f in files:
        path = storage.upload_path(f["key"])
        if not f.get("zip"):
            yield f["name"], path
            continue
        members = zip_documents(path, limits)
        out_dir = Path(tempfile.mkdtemp(prefix="zip-", dir=storage.upload_root()))
        try:
            yield from extract_documents(path, members, limits, out_dir)
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)


def import_document(department_id: int, actor_id: int | None, name: str, path: Path) -> dict:
    """Parse one existing document in the sandbox and record it as an inventory entry (the same file
    read in again updates its entry). Returns the CLI's row {id, file, title, department, status,
    impact_level, yes_count} plus error for a file that could not be read."""
    from ..submissions.parsing import parse_draft

    # A background job or the CLI, not a waiting request: the jobs' longer limit.
    parsed = parse_draft(path, name, in_job=True)
    department = db.session.get(Department, department_id)
    row = {"id": None, "file": name, "title": "", "department": department.display, "status": parsed.get("status"),
           "impact_level": "", "yes_count": 0}
    if parsed.get("status") == "failure" or not parsed.get("clauses"):
        errors = parsed.get("errors") or [{"code": "empty", "message": "no body text"}]
        return {**row, "status": "failure", "error": errors[0].get("code"), "message": errors[0].get("message")}
    # The text's hash: the same document saved again (another file, the same text) is the same entry.
    entry = _entry_of(department_id, parsed.get("text_sha256") or parsed.get("sha256") or "")
    entry.title = (parsed.get("title") or Path(name).stem)[:300]
    entry.doc_number = (parsed.get("doc_number") or "")[:100]
    entry.published_on = _iso(parsed.get("date"))
    entry.year = (entry.published_on or local_today()).year
    entry.source_filename, entry.source_format = name[:255], (parsed.get("format") or "")[:16]
    entry.parse_status = parsed.get("status") or ""
    entry.parse_errors = [{"code": e.get("code"), "message": e.get("message")} for e in parsed.get("errors") or []]
    entry.created_by_id = entry.created_by_id or actor_id
    apply_screening(entry, parsed.get("screening"))
    set_text(entry, entry.title, [c.get("text") or "" for c in parsed.get("clauses") or []])
    db.session.flush()
    return {**row, "id": entry.id, "title": entry.title, "impact_level": entry.impact_level,
            "yes_count": entry.yes_count}


def _entry_of(department_id: int, sha256: str) -> RegistryEntry:
    entry = None
    if sha256:
        entry = db.session.scalar(db.select(RegistryEntry).where(
            RegistryEntry.department_id == department_id, RegistryEntry.origin == EntryOrigin.inventory,
            RegistryEntry.source_sha256 == sha256))
    if entry is None:
        entry = RegistryEntry(department_id=department_id, origin=EntryOrigin.inventory, status=EntryStatus.in_force,
                              source_sha256=sha256, answers=[], yes_count=0, impact_level="")
        db.session.add(entry)
    return entry


def _iso(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def run_inventory(job, progress) -> dict:
    """The background job: each document in turn, its progress shown by name."""
    payload = job.payload
    limits = Limits.from_config()
    total = int(job.total or 0)
    rows = []
    for n, (name, path) in enumerate(documents(payload["files"], limits)):
        progress(n, total, note=name[:200])
        rows.append(import_document(payload["department_id"], payload.get("actor_id"), name, path))
    # The uploads go only once every document is in: a retry after a crash reads them again.
    for f in payload["files"]:
        storage.upload_path(f["key"]).unlink(missing_ok=True)
    progress(len(rows), max(total, len(rows)), note="")
    return {"department_id": payload["department_id"], "rows": rows}
