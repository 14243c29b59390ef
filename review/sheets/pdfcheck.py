"""Checking a sheet PDF: its signature, what its pages show, whether bytes were added after it was
written, and (with the database) the issued file and the register's rows.

The uploaded bytes are read only in the sandboxed child (pipeline.isolate.inspect_pdf_isolated);
this module compares what the child reports. One verdict per file:

- ``authentic``  真实且与出具文件一致: signed by this committee and byte-for-byte the issued file (its
  file seal verifies, or its hash is the register's); a sheet from before the seal (facts v1)
  offline: no later edits and its pages show what was signed;
- ``modified``   签名真实但文件被改动: a genuine signature on a file that was changed or rebuilt;
- ``not_issued`` 不是本委员会出具: no valid signature of this committee, or not in the register;
- ``unreadable``: the file could not be read within the limits (a refusal, not a verdict).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l

from . import signing
from .binding import revision_marks, text_mismatches
from .models import SheetStatus
from .render_pdf import decode_payload, seal_digest  # the payload's key is pipeline.pdfinspect's default

AUTHENTIC, MODIFIED, NOT_ISSUED, UNREADABLE = "authentic", "modified", "not_issued", "unreadable"

VERDICTS = {
    AUTHENTIC: _l("Authentic and identical to the issued file"),
    MODIFIED: _l("Genuine signature, but the file was modified"),
    NOT_ISSUED: _l("Not issued by this committee"),
    UNREADABLE: _l("The file could not be checked"),
}

PROBLEMS = {
    "unreadable": _l("The file is not a readable PDF."),
    "timeout": _l("Reading the file took too long and was stopped; a sheet PDF reads in a moment."),
    "memory": _l("Reading the file needed too much memory and was stopped (a compressed bomb?)."),
    "no_payload": _l("The file carries no signed facts of this committee."),
    "other_key": _l("The file was signed with another key."),
    "bad_signature": _l("The signature does not match the facts in the file."),
    "payloads": _l("The file carries more than one set of signed facts."),
    "revisions": _l("Content was added to the file after it was written (an incremental update)."),
    "xref_sections": _l("The file has more than one cross-reference section: it was edited after it was written."),
    "trailing_bytes": _l("The file has bytes after its end."),
    "content": _l("The page does not show what was signed: %(fields)s."),
    "not_identical": _l("The file is not byte-for-byte the file the committee issued."),
    "seal": _l("The file seal does not verify: bytes were changed or added after issue, or the file was rebuilt."),
    "not_in_register": _l("No sheet with this serial number was issued."),
    "register_differs": _l("The register holds a different sheet under this serial number."),
    "register_row": _l("The register's record of this sheet no longer matches its signature: the register was changed."),
    "register_decision": _l("The decision in the register no longer says what the sheet signed: the register was changed."),
}

FIELDS = {"serial": _l("serial number"), "conclusion": _l("conclusion"), "title": _l("title"),
          "department": _l("department"), "issued_on": _l("date"), "round": _l("round"), "year": _l("year")}


@dataclass
class PdfCheck:
    readable: bool = True
    embedded: bool = False  # the PDF carries facts and a signature
    signature_valid: bool = False
    key_known: bool = False
    seal_valid: bool | None = None  # the file seal verifies (None: a sheet from before the seal)
    content_matches: bool | None = None  # the page text shows the signed facts
    mismatched: list[str] = field(default_factory=list)  # facts the page shows otherwise
    revisions: list[str] = field(default_factory=list)  # marks of bytes added after writing
    in_register: bool | None = None  # None when checked without the database
    matches_register: bool | None = None
    register_consistent: bool | None = None  # the register's rows still say what was signed
    file_identical: bool | None = None  # byte-identical to the PDF issued
    status: str = ""  # "" = not known (offline without a revocation list)
    superseded_by: str | None = None
    revoked_reason: str = ""
    facts: dict = field(default_factory=dict)
    signature: str = ""
    problems: list[str] = field(default_factory=list)  # codes of PROBLEMS

    @property
    def verdict(self) -> str:
        if not self.readable:
            return UNREADABLE
        if not (self.embedded and self.signature_valid) or self.in_register is False:
            return NOT_ISSUED
        if self.matches_register is False and self.register_consistent is not False:
            return NOT_ISSUED  # another validly signed sheet holds this serial
        if self.file_identical or (self.seal_valid and self.file_identical is None):
            return AUTHENTIC  # the exact bytes issued
        if self.seal_valid is False or self.revisions or self.mismatched or self.file_identical is False:
            return MODIFIED
        return AUTHENTIC

    @property
    def authentic(self) -> bool:
        return self.verdict == AUTHENTIC

    @property
    def valid(self) -> bool:
        """Authentic, the register consistent, and known to be in force."""
        return self.authentic and self.register_consistent is not False and self.status == SheetStatus.valid.value

    @property
    def level(self) -> str:
        """The colour of the one statement on the result page."""
        if self.valid:
            return "success"
        if self.authentic and self.register_consistent is not False and self.status in ("", "superseded"):
            return "warning"
        return "error"

    def verdict_label(self) -> str:
        return str(VERDICTS[self.verdict])

    def messages(self) -> list[str]:
        from ..i18n import language

        fields = (", " if language().startswith("en") else "、").join(str(FIELDS.get(f, f)) for f in self.mismatched)
        return [str(PROBLEMS[p]) % {"fields": fields} if p == "content" else str(PROBLEMS[p]) for p in self.problems]

    def to_dict(self) -> dict:
        return dict(asdict(self), verdict=self.verdict, authentic=self.authentic, valid=self.valid)

    def to_api(self) -> dict:
        f = self.facts
        return {"verdict": self.verdict, "verdict_label": self.verdict_label(), "authentic": self.authentic,
                "valid": self.valid, "status": self.status or None, "superseded_by": self.superseded_by,
                "revoked_reason": self.revoked_reason or None, "serial": f.get("serial"),
                "conclusion": f.get("conclusion"), "conclusion_label": f.get("conclusion_label"),
                "title": f.get("title"), "department": f.get("department"), "issued_on": f.get("issued_on"),
                "signature_valid": self.signature_valid, "seal_valid": self.seal_valid,
                "file_identical": self.file_identical,
                "register_consistent": self.register_consistent, "mismatched": self.mismatched,
                "revisions": self.revisions, "problems": self.problems, "messages": self.messages()}


def inspect_pdf(pdf: bytes) -> dict:
    """What the sandboxed child reads in the PDF (see pipeline.pdfinspect); {code, error} on failure."""
    from pipeline.isolate import inspect_pdf_isolated

    fd, tmp = tempfile.mkstemp(suffix=".pdf", dir=current_app.config.get("CACHE_DIR"))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pdf)
        return inspect_pdf_isolated(tmp, timeout=float(current_app.config["PARSE_TIMEOUT"]),
                                    memory=int(current_app.config["PARSE_MEMORY_MB"]) * 1024 * 1024)
    finally:
        os.unlink(tmp)


def _payload(values: list[str]) -> dict | None:
    for raw in values:
        try:
            return decode_payload(raw)
        except (ValueError, UnicodeDecodeError, TypeError):
            continue
    return None


def _version(facts: dict) -> int:
    try:
        return int(facts.get("v", 1))
    except (TypeError, ValueError):
        return 1


def check_pdf_offline(pdf: bytes, public_pem: bytes, wording: dict | None = None, *,
                      retired: Callable[[str], bytes | None] | None = None) -> PdfCheck:
    """Check the embedded facts against a public key and the page text (no database). ``retired``
    gives the public key of an earlier key id (sheets signed before a rotation), or None."""
    from pipeline.errors import MEMORY, TIMEOUT

    from .wording import sheet_wording

    out = PdfCheck()
    info = inspect_pdf(pdf)
    if "structure" not in info:
        out.readable = False
        out.problems.append({TIMEOUT: "timeout", MEMORY: "memory"}.get(info.get("code"), "unreadable"))
        return out
    out.revisions = revision_marks(info["structure"])
    values = list(dict.fromkeys(info.get("payloads") or []))
    if len(values) > 1:
        out.revisions.append("payloads")
    payload = _payload(values)
    if payload is None:
        out.problems.append("unreadable" if info.get("error") else "no_payload")
        return out
    out.embedded = True
    out.facts = payload["facts"]
    public, key_id = signing.load_public_key(public_pem)
    signed_with = str(payload.get("key_id") or "")
    if signed_with != key_id and retired is not None and (old_pem := retired(signed_with)):
        public, key_id = signing.load_public_key(old_pem)
    out.key_known = signed_with == key_id
    out.signature_valid = out.key_known and signing.verify_signature(public, out.facts, str(payload.get("signature", "")))
    out.signature = str(payload.get("signature", ""))
    if not out.key_known:
        out.problems.append("other_key")
        return out
    if not out.signature_valid:
        out.problems.append("bad_signature")
        return out
    sealed = seal_digest(pdf)  # hashing only: the bytes are not parsed here
    if sealed is not None:
        out.seal_valid = signing.verify_file_digest(public, *sealed)
    elif _version(out.facts) >= 2:
        out.seal_valid = False  # every sheet since v2 is sealed: the seal was removed or duplicated
    if out.seal_valid is False:
        out.problems.append("seal")
    out.mismatched = text_mismatches(out.facts, info.get("text") or "", wording or sheet_wording())
    out.content_matches = not out.mismatched
    out.problems += out.revisions
    if out.mismatched:
        out.problems.append("content")
    return out


def check_sheet_pdf(pdf: bytes) -> PdfCheck:
    """Check a sheet PDF offline, then against the register: the row of its serial, the decision
    row, and the hash of the file that was issued."""
    from .checks import decision_consistent, result_for, signature_ok
    from .operations import get_sheet, sheet_path

    pair = signing.load_keypair(current_app.config["KEY_DIR"])
    key_dir = current_app.config["KEY_DIR"]
    out = check_pdf_offline(pdf, pair.public_pem, retired=lambda kid: signing.retired_public_pem(key_dir, kid))
    if not out.embedded:
        return out
    sheet = get_sheet(str(out.facts.get("serial", "")))
    out.in_register = sheet is not None
    if sheet is None:
        out.problems.append("not_in_register")
        return out
    row_ok = signature_ok(sheet.facts, sheet.signature, sheet.key_id)
    decision_ok = decision_consistent(sheet)
    out.register_consistent = row_ok and decision_ok
    out.problems += [code for code, ok in (("register_row", row_ok), ("register_decision", decision_ok)) if not ok]
    out.matches_register = (signing.canonical_json(sheet.facts) == signing.canonical_json(out.facts)
                            and sheet.signature == out.signature)
    if not out.matches_register and row_ok:
        out.problems.append("register_differs")
    try:
        issued = hashlib.sha256(sheet_path(sheet.pdf_key).read_bytes()).digest()
    except (OSError, ValueError):
        issued = None  # the stored file is missing: the signature and the page still tell
    if issued is not None:
        out.file_identical = issued == hashlib.sha256(pdf).digest()
        if not out.file_identical and out.signature_valid:
            out.problems.append("not_identical")
    res = result_for(sheet)
    out.status, out.superseded_by, out.revoked_reason = res.status, res.superseded_by, res.revoked_reason
    return out

