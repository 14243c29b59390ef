"""Checking sheets: by serial and code, a draft against the approved version, a sheet PDF itself.

``verify`` is the hot path of the public page and the API: one indexed row, a constant-time code
comparison and one Ed25519 check with a cached key; no relationship is loaded.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import bindparam, select
from werkzeug.datastructures import FileStorage

from ..extensions import db
from ..reviews.models import Decision
from . import signing
from .models import OpinionSheet, SheetStatus

SUMMARY_KEYS = ("serial", "conclusion", "conclusion_label", "title", "department", "issued_on",
                "draft_sha256", "text_sha256", "legality_allowed", "legality", "round")


@dataclass
class VerificationResult:
    found: bool
    authentic: bool = False
    status: str = ""
    serial: str = ""
    facts: dict = field(default_factory=dict)
    superseded_by: str | None = None
    revoked_reason: str = ""
    revoked_at: str = ""
    issued_at: str = ""
    # The register's decision row still says what the sheet signed (False: it was edited).
    register_consistent: bool = True

    @property
    def valid(self) -> bool:
        """Authentic, consistent with the register, and still in force."""
        return (self.found and self.authentic and self.register_consistent
                and self.status == SheetStatus.valid.value)

    def summary(self) -> dict:
        return {k: self.facts.get(k) for k in SUMMARY_KEYS}

    def to_api(self) -> dict:
        f = self.facts
        return {"valid": self.valid, "authentic": self.authentic, "status": self.status,
                "serial": self.serial, "conclusion": f.get("conclusion"),
                "conclusion_label": f.get("conclusion_label"), "title": f.get("title"),
                "department": f.get("department"), "issued_at": self.issued_at,
                "draft_sha256": f.get("draft_sha256"), "text_sha256": f.get("text_sha256"),
                "legality_allowed": bool(f.get("legality_allowed")) and self.valid,
                "superseded_by": self.superseded_by,
                "revoked_reason": self.revoked_reason or None,
                "register_consistent": self.register_consistent}


def _public_key(key_id: str):
    return signing.public_key_for(current_app.config["KEY_DIR"], key_id)  # current or retired


_verified: dict[tuple[str, str], bytes] = {}  # (key id, signature) -> the canonical facts it verified


def signature_ok(facts: dict, signature: str, key_id: str) -> bool:
    """Ed25519 check, remembered per process: a signature once verified over exactly these bytes
    stays valid, so a repeated verification costs one canonical JSON encoding."""
    canonical = signing.canonical_json(facts)
    if _verified.get((key_id, signature)) == canonical:
        return True
    public = _public_key(key_id)
    ok = public is not None and signing.verify_signature(public, facts, signature)
    if ok:
        if len(_verified) > 50_000:
            _verified.clear()
        _verified[(key_id, signature)] = canonical
    return ok


# Only the columns a verification needs, as one Core statement built once: no ORM identity map,
# no relationship, no per-request statement compilation. The decision's conclusion and round come
# along, to catch a decision row edited after the sheet was signed.
_t = OpinionSheet.__table__
_d = Decision.__table__
_VERIFY_STMT = select(_t.c.id, _t.c.serial, _t.c.code_hash, _t.c.status, _t.c.facts, _t.c.signature, _t.c.key_id,
                      _t.c.superseded_by_id, _t.c.revoked_reason, _t.c.revoked_at, _t.c.issued_at,
                      _d.c.conclusion.label("decision_conclusion"), _d.c.round.label("decision_round")
                      ).select_from(_t.outerjoin(_d, _d.c.id == _t.c.decision_id)).where(_t.c.serial == bindparam("serial"))


def _value(v) -> str:
    return getattr(v, "value", v) if v is not None else ""


def decision_consistent(sheet) -> bool:
    """The decision row says what the sheet signed: same conclusion, same round."""
    if hasattr(sheet, "decision_conclusion"):
        conclusion, round_ = sheet.decision_conclusion, sheet.decision_round
    else:
        decision = sheet.decision
        conclusion, round_ = (decision.conclusion, decision.round) if decision is not None else (None, None)
    facts = sheet.facts or {}
    return _value(conclusion) == facts.get("conclusion") and round_ == facts.get("round")


def result_for(sheet) -> VerificationResult:
    """The result for a sheet (model instance or verification row) the caller may already see."""
    superseded_by = None
    if sheet.superseded_by_id:
        superseded_by = db.session.scalar(select(OpinionSheet.serial).where(OpinionSheet.id == sheet.superseded_by_id))
    return VerificationResult(
        found=True, authentic=signature_ok(sheet.facts, sheet.signature, sheet.key_id),
        status=sheet.status.value, serial=sheet.serial, facts=sheet.facts, superseded_by=superseded_by,
        revoked_reason=sheet.revoked_reason or "",
        revoked_at=sheet.revoked_at.isoformat() if sheet.revoked_at else "",
        issued_at=sheet.issued_at.isoformat() if sheet.issued_at else "",
        register_consistent=decision_consistent(sheet))


def _code_ok(code_hash: str, code: str) -> bool:
    from .operations import code_matches

    return code_matches(code_hash, code)


# Brackets people type for 〔〕 when they copy a serial by hand.
_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "【": "〔", "】": "〕", "［": "〔", "］": "〕",
                           "(": "〔", ")": "〕", "（": "〔", "）": "〕"})


def serial_variants(serial: str) -> list[str]:
    """The serial as typed, then with spaces removed and brackets normalised (tried only on a miss)."""
    serial = (serial or "").strip()
    typed = "".join(serial.split()).translate(_BRACKETS)
    return [serial] + ([typed] if typed != serial else [])


def find_by_code(serial: str, code: str) -> OpinionSheet | None:
    """The sheet when the code matches; a wrong code and an unknown serial look the same."""
    if not code:
        return None
    for candidate in serial_variants(serial):
        sheet = db.session.scalar(select(OpinionSheet).where(OpinionSheet.serial == candidate)) if candidate else None
        if sheet is not None:
            return sheet if _code_ok(sheet.code_hash, code) else None
    return None


def verify(serial: str, code: str) -> VerificationResult:
    """Verify by serial and code (the hot path: one indexed row, columns only)."""
    if not code:
        return VerificationResult(found=False)
    for candidate in serial_variants(serial):
        row = db.session.connection().execute(_VERIFY_STMT, {"serial": candidate}).first() if candidate else None
        if row is not None:
            return result_for(row) if _code_ok(row.code_hash, code) else VerificationResult(found=False)
    return VerificationResult(found=False)


# -- the draft received for legality review ------------------------------------------------------


def _read_upload(file) -> tuple[bytes, str]:
    if isinstance(file, FileStorage):
        return file.read(), file.filename or "draft"
    if isinstance(file, tuple):
        return bytes(file[0]), file[1]
    if isinstance(file, (str, Path)):
        return Path(file).read_bytes(), Path(file).name
    return bytes(file), "draft.docx"


def _approved_clauses(sheet: OpinionSheet) -> list[dict]:
    sub = sheet.submission
    version = next((v for v in sub.versions if v.round == sheet.facts.get("round")), None)
    if version is None:
        return []
    return [{"id": c.key, "path": c.path, "text": c.text} for c in version.clauses]


def check_draft(sheet: OpinionSheet, file) -> dict:
    """Is this the approved version? Same file bytes, or the same normalised text; otherwise the
    clauses changed after approval: {matches, by, changed_clauses: [{path, before, after, op}]}."""
    from pipeline import run_file_isolated
    from pipeline.diff import diff_clauses

    from ..submissions.storage import extension

    data, filename = _read_upload(file)
    facts = sheet.facts
    sha = hashlib.sha256(data).hexdigest()
    out = {"matches": False, "by": "", "sha256": sha, "text_sha256": "", "changed_clauses": [], "error": ""}
    if sha == facts.get("draft_sha256"):
        return dict(out, matches=True, by="file", text_sha256=facts.get("text_sha256", ""))
    suffix = extension(filename) or ".docx"
    fd, tmp = tempfile.mkstemp(suffix=suffix, dir=current_app.config.get("CACHE_DIR"))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        result = run_file_isolated(tmp, timeout=float(current_app.config["PARSE_TIMEOUT"]),
                                   memory=int(current_app.config["PARSE_MEMORY_MB"]) * 1024 * 1024)
    finally:
        os.unlink(tmp)
    parsed = result.to_dict()
    out["text_sha256"] = parsed.get("text_sha256") or ""
    if result.status == "failure":
        return dict(out, error="; ".join(e["message"] for e in parsed.get("errors", [])) or "unreadable")
    if out["text_sha256"] and out["text_sha256"] == facts.get("text_sha256"):
        return dict(out, matches=True, by="text")
    diff = diff_clauses(_approved_clauses(sheet), parsed.get("clauses") or [])
    out["changed_clauses"] = [{"op": d["op"], "path": d["path"] or "", "before": d["before"], "after": d["after"]}
                              for d in diff if d["op"] != "unchanged"]
    return out




# The sheet PDF itself (pdfcheck imports the helpers above).
from .pdfcheck import PdfCheck, check_pdf_offline, check_sheet_pdf, inspect_pdf  # noqa: E402,F401
