"""The signed revocation list: every revoked or superseded sheet, signed with the committee key, so
that an offline check can know a sheet's status as of the list's date.

Format (JSON): {"type": "hiap-sheet-revocations", "v": 1, "committee", "key_id", "generated_at",
"sheets": [{serial, status, revoked_at, reason, superseded_by}], "signature"}; the signature is
Ed25519 over the canonical JSON of everything but "signature".
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..extensions import db
from . import signing
from .models import OpinionSheet, SheetStatus

TYPE = "hiap-sheet-revocations"
MAX_BYTES = 50 * 1024 * 1024


class RevocationListError(Exception):
    """The revocation list is unreadable or not signed by the expected key."""


@dataclass
class Revocations:
    generated_at: str
    entries: dict[str, dict]


def build_revocations() -> dict:
    pair = signing.load_keypair(current_app.config["KEY_DIR"])
    successor = aliased(OpinionSheet)
    rows = db.session.execute(
        select(OpinionSheet.serial, OpinionSheet.status, OpinionSheet.revoked_at, OpinionSheet.revoked_reason,
               successor.serial).outerjoin(successor, successor.id == OpinionSheet.superseded_by_id)
        .where(OpinionSheet.status != SheetStatus.valid).order_by(OpinionSheet.year, OpinionSheet.seq))
    sheets = [{"serial": serial, "status": status.value, "revoked_at": revoked_at.isoformat() if revoked_at else "",
               "reason": reason or "", "superseded_by": later or ""}
              for serial, status, revoked_at, reason, later in rows]
    body = {"type": TYPE, "v": 1, "committee": current_app.config["COMMITTEE_NAME"], "key_id": pair.key_id,
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "sheets": sheets}
    return dict(body, signature=signing.sign(pair, body))


def load_revocations(path: Path, public_pem: bytes) -> Revocations:
    """Read and verify a revocation list; nothing of it is used unless the signature holds."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise RevocationListError(f"{path} is larger than {MAX_BYTES // (1024 * 1024)} MB")
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RevocationListError(f"{path} is not a readable revocation list ({type(exc).__name__})") from None
    if not isinstance(body, dict) or body.get("type") != TYPE or not isinstance(body.get("sheets"), list):
        raise RevocationListError(f"{path} is not a revocation list of this system")
    public, key_id = signing.load_public_key(public_pem)
    signature = body.pop("signature", "")
    if body.get("key_id") != key_id or not signing.verify_signature(public, body, str(signature)):
        raise RevocationListError(f"{path} is not signed by key {key_id}: it was altered or comes from elsewhere")
    entries = {}
    for entry in body["sheets"]:
        if isinstance(entry, dict) and entry.get("status") in ("revoked", "superseded"):
            entries[str(entry.get("serial", ""))] = entry
    return Revocations(generated_at=str(body.get("generated_at", "")), entries=entries)
