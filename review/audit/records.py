"""What the audit trail records of a decision and of an issued sheet, so that the verifier can
compare the rows with it later (review/maintenance/integrity.py). Plain attribute access: the
audit package imports no feature package."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path


def _value(v):
    return getattr(v, "value", v)


def decision_record(decision, actor_id: int | None = None) -> dict:
    """The decision's fields, as the row must keep them."""
    return {"round": decision.round, "conclusion": _value(decision.conclusion),
            "proposed": _value(decision.proposed), "reason": decision.reason or "",
            "dissent": json.loads(json.dumps(decision.dissent or [], ensure_ascii=False)),
            "decided_by_id": decision.decided_by_id if actor_id is None else actor_id}


def file_sha256(path: Path) -> str | None:
    """The file's SHA-256, or None when it is missing."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def facts_sha256(facts: dict) -> str:
    text = json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sheet_record(sheet, path_of) -> dict:
    """The issued sheet's immutable fields and its files' hashes (``path_of(key)`` -> Path)."""
    return {"serial": sheet.serial, "decision_id": sheet.decision_id, "submission_id": sheet.submission_id,
            "facts_sha256": facts_sha256(sheet.facts), "signature": sheet.signature, "key_id": sheet.key_id,
            "code_hash": sheet.code_hash, "pdf_key": sheet.pdf_key, "docx_key": sheet.docx_key,
            "pdf_sha256": file_sha256(path_of(sheet.pdf_key)) if sheet.pdf_key else None,
            "docx_sha256": file_sha256(path_of(sheet.docx_key)) if sheet.docx_key else None}
