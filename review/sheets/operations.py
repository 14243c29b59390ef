"""Opinion sheets: drafting the wording, issuing (serial, signature, files), superseding, revoking,
and the justice bureau's intake. Checks (verify, check_draft, check_sheet_pdf) live in checks.py
and are re-exported here.

Operations flush and never commit; the caller's request handler commits once.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

from flask import current_app, has_request_context
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from pipeline.citation import quote

from ..accounts.models import Role, User
from ..audit.models import CommitteeSetting
from ..audit.operations import record_event
from ..audit.records import sheet_record
from ..calendar import local_now
from ..extensions import db
from ..reviews.models import ClauseComment, Decision
from ..reviews.operations import ReviewError, submitted_opinions
from ..submissions.models import Submission
from ..transaction import written
from ..validation import printable
from . import signing
from .checks import (  # noqa: F401  (public API)
    PdfCheck,
    VerificationResult,
    check_draft,
    check_pdf_offline,
    check_sheet_pdf,
    find_by_code,
    verify,
)
from .content import SheetView, qr_png, verify_url
from .models import OpinionSheet, SheetStatus
from .fonts import fonts_from_app_config
from .layout import seal_image
from .render_docx import render_docx
from .render_pdf import SheetFontError, encode_payload, render_pdf
from .wording import sheet_wording

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by hand
MAX_ITEMS = 200
MAX_TEXT = 4000
EXCERPT = 80
SERIAL_ATTEMPTS = 8


class SheetError(ReviewError):
    """A sheet operation refused; code "forbidden" maps to 403, others to 400."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


# -- permissions ------------------------------------------------------------------------------


def _role(user) -> Role | None:
    return getattr(user, "role", None)  # None for an anonymous visitor


def can_issue(user: User) -> bool:
    return _role(user) is Role.office


def can_download(user: User, sheet: OpinionSheet) -> bool:
    """The office, the justice bureau and the department that owns the submission."""
    if _role(user) in (Role.office, Role.justice):
        return True
    return _role(user) is Role.department and user.department_id == sheet.submission.department_id


def can_view(user: User, sheet: OpinionSheet) -> bool:
    return _role(user) is Role.admin or can_download(user, sheet)


def can_revoke(user: User) -> bool:
    return _role(user) is Role.admin


def can_record_intake(user: User) -> bool:
    return _role(user) is Role.justice


# -- codes and serials --------------------------------------------------------------------------


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "ignore")).hexdigest()


def code_matches(sheet_hash: str, code: str) -> bool:
    return hmac.compare_digest(sheet_hash, hash_code(code))


def format_serial(year: int, seq: int) -> str:
    fmt = sheet_wording()["serial_format"]
    return fmt.format(prefix=current_app.config["SHEET_SERIAL_PREFIX"], year=year, seq=seq)


def _next_seq(year: int) -> int:
    return (db.session.scalar(select(func.max(OpinionSheet.seq)).where(OpinionSheet.year == year)) or 0) + 1


# -- wording ----------------------------------------------------------------------------------


def draft_items(decision: Decision) -> list[dict]:
    """The experts' comments of the decision's round, grouped by clause in document order:
    [{clause_key, clause_path, clause_text, opinion, suggestion}] (general comments first)."""
    sub = decision.submission
    version = next((v for v in sub.versions if v.round == decision.round), None)
    order = {c.id: n for n, c in enumerate(version.clauses)} if version else {}
    general = sheet_wording()["labels"]["general_clause"]
    groups: dict[int | None, list[ClauseComment]] = {}
    for opinion in submitted_opinions(sub, decision.round):
        for comment in opinion.comments:
            groups.setdefault(comment.clause_id, []).append(comment)
    items = []
    for clause_id in sorted(groups, key=lambda cid: -1 if cid is None else order.get(cid, 1 << 30)):
        comments = groups[clause_id]
        clause = comments[0].clause
        items.append({
            "clause_key": clause.key if clause else "",
            "clause_path": (clause.path or clause.key) if clause else general,
            "clause_text": printable(_excerpt(clause.text)) if clause else "",
            "opinion": printable(_join(c.text for c in comments)),
            "suggestion": printable(_join(c.suggestion for c in comments)),
        })
    return items


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _join(texts) -> str:
    distinct = list(dict.fromkeys(t.strip() for t in texts if t and t.strip()))
    if len(distinct) <= 1:
        return distinct[0] if distinct else ""
    return "\n".join(f"{n}. {t}" for n, t in enumerate(distinct, 1))


def clean_items(items: list[dict]) -> list[dict]:
    """The office's edited wording: trimmed, bounded; an item whose opinion was cleared is dropped."""
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise SheetError("bad_items", f"items must be a list of at most {MAX_ITEMS} entries", "items")
    out = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise SheetError("bad_items", f"item {n + 1} is not an object", "items")
        # Stored text may predate input validation: what the sheet draws must be XML- and PDF-safe.
        fields = {k: printable(str(item.get(k) or ""), multiline=k != "clause_path").strip()
                  for k in ("clause_path", "opinion", "suggestion")}
        if any(len(v) > MAX_TEXT for v in fields.values()):
            raise SheetError("bad_items", f"item {n + 1} is longer than {MAX_TEXT} characters", "items")
        if not fields["opinion"]:
            continue
        fields["clause_path"] = fields["clause_path"] or sheet_wording()["labels"]["general_clause"]
        out.append(fields)
    return out


# -- facts --------------------------------------------------------------------------------------


def _panel(sub: Submission, round_: int) -> dict:
    setting = db.session.get(CommitteeSetting, 1)
    anonymised = bool(setting and setting.anonymise_panel)
    experts = [o.assignment.expert for o in submitted_opinions(sub, round_)]
    domains = current_app.extensions.get("domains", {})
    members = [] if anonymised else [
        {"name": printable(e.name, multiline=False), "domains": [domains[d].zh if d in domains else d for d in (e.domains or [])]}
        for e in experts
    ]
    return {"anonymised": anonymised, "size": len(experts), "members": members}


def build_facts(decision: Decision, items: list[dict], issued: date) -> dict:
    """Everything the sheet states, except the serial (allocated at insert time)."""
    sub = decision.submission
    wording = sheet_wording()
    version = next((v for v in sub.versions if v.round == decision.round), None)
    conclusion = wording["conclusions"][decision.conclusion.value]
    invited = [a.invited_at for a in sub.round_assignments(decision.round) if a.invited_at]
    texts = {(c.path or c.key): c.text for c in version.clauses} if version else {}
    return {
        "v": 2,  # 2: the PDF carries a file seal (render_pdf.seal); a v2 sheet without one was rebuilt
        "committee": current_app.config["COMMITTEE_NAME"],
        "submission_id": sub.id,
        "decision_id": decision.id,
        "title": printable(sub.title, multiline=False),
        "department": printable(sub.department.full_name or sub.department.name, multiline=False),
        "policy_type": sub.policy_type.value,
        "policy_type_label": wording["policy_types"][sub.policy_type.value],
        "round": decision.round,
        "received_on": _day(version.created_at if version else sub.created_at),
        "review_started_on": _day(min(invited)) if invited else "",
        "decided_on": _day(decision.decided_at),
        "issued_on": issued.isoformat(),
        "panel": _panel(sub, decision.round),
        # 审查程序: a submission accepted before lanes existed went through the general procedure.
        "procedure": (sub.lane.value if sub.lane else "general"),
        "procedure_label": (wording.get("procedures") or {}).get(sub.lane.value if sub.lane else "general", ""),
        "items": [dict({k: i[k] for k in ("clause_path", "opinion", "suggestion")},
                       quote=quote(texts.get(i["clause_path"], ""))) for i in items],
        "summaries": [o.summary.strip() for o in submitted_opinions(sub, decision.round) if (o.summary or "").strip()],
        "supersedes": _earlier_serial(sub),
        "conclusion": decision.conclusion.value,
        "conclusion_label": conclusion["label"],
        "legality_allowed": decision.conclusion.value == "approve",
        "legality": conclusion["legality"],
        "next_steps": conclusion["next_steps"],
        "reason": printable(decision.reason or ""),
        "draft_sha256": version.draft_sha256 if version else "",
        "text_sha256": version.text_sha256 if version else "",
    }


def _earlier_serial(sub: Submission) -> str:
    """The valid sheet of an earlier round that the new one supersedes ('' when none)."""
    return db.session.scalar(select(OpinionSheet.serial).where(
        OpinionSheet.submission_id == sub.id, OpinionSheet.status == SheetStatus.valid)
        .order_by(OpinionSheet.id.desc()).limit(1)) or ""


# -- issuing -------------------------------------------------------------------------------------


def sheet_of_decision(decision: Decision) -> OpinionSheet | None:
    return db.session.scalar(select(OpinionSheet).where(OpinionSheet.decision_id == decision.id))


def issue_sheet(actor: User, decision: Decision, items: list[dict] | None = None) -> tuple[OpinionSheet, str]:
    """Issue the signed sheet of a decision; returns (sheet, plain verification code).

    Once per decision: a second call (double click, a colleague at the same time) returns the
    existing sheet with an empty code, since only the code's hash is kept."""
    if not can_issue(actor):
        raise SheetError("forbidden", "only the committee office issues opinion sheets")
    sub = decision.submission
    # Take the submission's write lock first: concurrent issuers queue here, then see each other's sheet.
    db.session.execute(update(Submission).where(Submission.id == sub.id).values(updated_at=_now()))
    existing = sheet_of_decision(decision)
    if existing is not None:
        return existing, ""
    later = db.session.scalar(select(OpinionSheet.serial).join(Decision, OpinionSheet.decision_id == Decision.id)
                              .where(Decision.submission_id == sub.id, Decision.round > decision.round))
    if later:
        raise SheetError("stale_decision", f"a later round already has the sheet {later}")
    items = draft_items(decision) if items is None else items
    items = clean_items(items)
    issued = _now()
    local = issued.astimezone(local_now().tzinfo)  # the sheet's date and serial year are local
    base_facts = build_facts(decision, items, local.date())
    pair = signing.load_keypair(current_app.config["KEY_DIR"])
    code = new_code()
    sheet = None
    for _attempt in range(SERIAL_ATTEMPTS):
        year = local.year
        seq = _next_seq(year)
        serial = format_serial(year, seq)
        facts = dict(base_facts, serial=serial, year=year, seq=seq, key_id=pair.key_id,
                     verify_url=verify_url(current_app.config["BASE_URL"], serial, encoded=False))
        candidate = OpinionSheet(decision_id=decision.id, submission_id=sub.id, serial=serial, year=year,
                                 seq=seq, code_hash=hash_code(code), facts=facts,
                                 signature=signing.sign(pair, facts), key_id=pair.key_id,
                                 status=SheetStatus.valid, issued_at=issued)
        try:
            with db.session.begin_nested():
                db.session.add(candidate)
                db.session.flush()
        except IntegrityError:
            existing = sheet_of_decision(decision)
            if existing is not None:
                return existing, ""
            continue  # another sheet took this serial: allocate the next one
        sheet = candidate
        break
    if sheet is None:
        raise SheetError("serial_busy", "could not allocate a serial number; try again")
    _supersede_earlier(sheet)
    if has_request_context():
        # The files are rendered by a job (review/sheets/jobs.py); the sheet's page shows its progress.
        from .jobs import start_rendering

        start_rendering(actor, sheet, code)
    else:
        render_issued(actor, sheet, code)
    db.session.flush()
    return sheet, code


def render_issued(actor: User | None, sheet: OpinionSheet, code: str) -> None:
    """Write the issued sheet's files and record the issue, with their hashes, in the audit trail."""
    try:
        _write_files(sheet, code)
    except SheetFontError as exc:
        raise SheetError("no_font", str(exc)) from None
    decision = sheet.decision
    record_event(decision.submission, actor, "issue_sheet", data={
        "serial": sheet.serial, "conclusion": decision.conclusion.value, "decision": decision.id,
        "sheet": sheet_record(sheet, sheet_path)})


def _supersede_earlier(sheet: OpinionSheet) -> None:
    earlier = db.session.scalars(select(OpinionSheet).where(
        OpinionSheet.submission_id == sheet.submission_id, OpinionSheet.id != sheet.id,
        OpinionSheet.status == SheetStatus.valid)).all()
    for old in earlier:
        old.status = SheetStatus.superseded
        old.superseded_by_id = sheet.id


def sheet_dir() -> Path:
    return Path(current_app.config["SHEET_DIR"])


def sheet_path(key: str) -> Path:
    root = sheet_dir().resolve()
    path = (root / key).resolve()
    if root not in path.parents:
        raise ValueError("sheet key outside the sheet folder")
    return path


def qr_key(sheet: OpinionSheet) -> str:
    return sheet.pdf_key.rsplit(".", 1)[0] + ".qr.png"


def _write_files(sheet: OpinionSheet, code: str) -> None:
    view = SheetView(sheet.facts, sheet_wording(), code)
    qr = qr_png(verify_url(current_app.config["BASE_URL"], sheet.serial, code))
    payload = encode_payload(sheet.facts, sheet.signature, sheet.key_id, signing.ALGORITHM)
    fonts = fonts_from_app_config(current_app.config)
    pdf = render_pdf(view, qr, payload, fonts,
                     sign_file=lambda digest: signing.sign_file_digest(signing.load_keypair(current_app.config["KEY_DIR"]), digest))
    docx = render_docx(view, qr, seal_image(view, fonts))
    stem = f"{sheet.year}/{uuid.uuid4().hex}"
    sheet.pdf_key, sheet.docx_key = f"{stem}.pdf", f"{stem}.docx"
    for key, data in ((sheet.pdf_key, pdf), (sheet.docx_key, docx), (qr_key(sheet), qr)):
        path = sheet_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        written(path)  # no sheet row, no file: removed again unless the issue commits
        path.write_bytes(data)


# -- revocation and intake ---------------------------------------------------------------------


def revoke_sheet(actor: User, sheet: OpinionSheet, reason: str) -> None:
    if not can_revoke(actor):
        raise SheetError("forbidden", "only an administrator revokes opinion sheets")
    reason = (reason or "").strip()
    if not reason:
        raise SheetError("reason_required", "give the reason for the revocation", "reason")
    if sheet.status is SheetStatus.revoked:
        raise SheetError("already_revoked", f"{sheet.serial} is already revoked")
    sheet.status = SheetStatus.revoked
    sheet.superseded_by_id = None
    sheet.revoked_reason = reason[:MAX_TEXT]
    sheet.revoked_at = _now()
    record_event(sheet.submission, actor, "revoke_sheet", reason=reason, data={"serial": sheet.serial})
    from ..notifications.operations import department_users, justice_users, notify

    # Whoever may act on the sheet is told: the department that holds it and the justice bureau.
    notify([*department_users(sheet.submission), *justice_users()], "sheet.revoke", submission=sheet.submission,
           url=f"/sheets/{sheet.serial}", serial=sheet.serial, reason=reason[:MAX_TEXT])
    db.session.flush()


def get_sheet(serial: str) -> OpinionSheet | None:
    return db.session.scalar(select(OpinionSheet).where(OpinionSheet.serial == serial))


def verify_record(sheet: OpinionSheet) -> VerificationResult:
    """The verification result of a sheet the viewer may already see (no code needed)."""
    from .checks import result_for

    return result_for(sheet)


from .register import (  # noqa: E402,F401  (public API; register imports the helpers above)
    INTAKE_OUTCOMES,
    record_intake,
    register_departments,
    register_page,
    register_query,
    register_years,
)
