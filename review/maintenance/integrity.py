"""``audit verify``: the hash chain, its signed heads, and the decision and sheet rows against what
the chain recorded when they were made. Read-only, except ``seal_head`` which stores a signed head.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from ..audit import chain
from ..audit.models import AuditEvent, AuditHead, AuditSeal
from ..audit.records import decision_record, sheet_record
from ..extensions import db
from ..models_base import utcnow
from ..reviews.models import Decision
from ..sheets import signing
from ..sheets.models import OpinionSheet, SheetStatus
from ..submissions.models import Status, Submission

_t = AuditEvent.__table__
_CHAIN_STMT = select(_t.c.id, _t.c.seq, _t.c.prev_hash, _t.c.chained, _t.c.hash, _t.c.submission_id,
                     _t.c.actor_id, _t.c.action, _t.c.from_state, _t.c.to_state, _t.c.reason, _t.c.round,
                     _t.c.data, _t.c.created_at).where(_t.c.seq.is_not(None)).order_by(_t.c.seq)


@dataclass
class Report:
    events: int = 0
    head_seq: int = 0
    head_hash: str = ""
    decisions: int = 0
    sheets: int = 0
    seals: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _differences(recorded: dict, actual: dict) -> str:
    return "; ".join(f"{k} is {_short(actual.get(k))}, recorded {_short(recorded.get(k))}"
                     for k in sorted(set(recorded) | set(actual)) if recorded.get(k) != actual.get(k))


def _seal_payload(seq: int, hash_: str, signed_at: str) -> dict:
    return {"kind": "hiap-audit-head", "seq": seq, "hash": hash_, "signed_at": signed_at}


def check_chain(report: Report) -> None:
    """Walk the chain in order; report the first broken link (and stop walking there)."""
    seals = list(db.session.scalars(select(AuditSeal).order_by(AuditSeal.seq, AuditSeal.id)))
    report.seals = len(seals)
    sealed = {s.seq for s in seals}
    unchained = db.session.scalar(select(db.func.min(AuditEvent.id)).where(AuditEvent.seq.is_(None)))
    if unchained is not None:
        report.problems.append(f"event id {unchained} is not in the chain (inserted outside the application?)")
    expected, prev, broken = 1, "", False
    hashes_at_seals: dict[int, str] = {}
    for row in db.session.execute(_CHAIN_STMT.execution_options(yield_per=1000)):
        report.events += 1
        if broken:
            continue
        where = f"event id {row.id} (seq {row.seq}, {row.action})"
        if row.seq != expected:
            missing = f"seq {expected}" if row.seq == expected + 1 else f"seq {expected}..{row.seq - 1}"
            report.problems.append(f"{where}: the events before it ({missing}) are missing (deleted)")
            broken = True
            continue
        if row.prev_hash != prev:
            report.problems.append(f"{where}: its link to the previous event does not match "
                                   f"(prev_hash {row.prev_hash[:12]}…, previous hash {prev[:12]}…)")
            broken = True
            continue
        actual = chain.event_payload(row)
        try:
            recorded = json.loads(row.chained)
        except (TypeError, ValueError):
            recorded = {}
        if chain.canonical(actual) != row.chained:
            report.problems.append(f"{where} was changed: {_differences(recorded, actual) or 'its content differs'}")
            broken = True
            continue
        if chain.sha256_hex(row.chained) != row.hash:
            report.problems.append(f"{where}: its hash does not match its content (hash edited)")
            broken = True
            continue
        if row.seq in sealed:
            hashes_at_seals[row.seq] = row.hash
        prev, expected = row.hash, expected + 1
    last_seq = expected - 1
    head = db.session.get(AuditHead, chain.HEAD_ID)
    report.head_seq, report.head_hash = last_seq, prev
    if not broken and head is not None and (head.seq, head.hash) != (last_seq, prev):
        report.problems.append(f"the chain ends at seq {last_seq} but its head row says seq {head.seq}: "
                               f"the last events were deleted or the head was changed")
    elif not broken and head is None and last_seq:
        report.problems.append("the chain's head row is missing")
    _check_seals(report, seals, hashes_at_seals, broken)


def _check_seals(report: Report, seals: list[AuditSeal], hashes: dict[int, str], broken: bool) -> None:
    key_dir = current_app.config["KEY_DIR"]
    for seal in seals:
        seq = seal.seq
        public = signing.public_key_for(key_dir, seal.key_id)
        payload = _seal_payload(seal.seq, seal.hash, chain.timestamp(seal.signed_at))
        if public is None or not signing.verify_signature(public, payload, seal.signature):
            report.problems.append(f"the signed head of seq {seq} has no valid signature (key {seal.key_id})")
        elif seq in hashes and hashes[seq] != seal.hash:
            report.problems.append(f"the chain up to seq {seq} was rewritten: the head signed on "
                                   f"{chain.timestamp(seal.signed_at)} does not match it")
        elif seq not in hashes and not broken:
            report.problems.append(f"the event at seq {seq}, covered by a signed head, is missing")


def check_decisions(report: Report) -> None:
    """Each decision row against the record its 'decide' event keeps."""
    recorded: dict[tuple[int, int], dict] = {}
    for sub_id, round_, data in db.session.execute(
            select(AuditEvent.submission_id, AuditEvent.round, AuditEvent.data)
            .where(AuditEvent.action == "decide").order_by(AuditEvent.id)):
        recorded[(sub_id, round_)] = (data or {}).get("decision") or {"conclusion": (data or {}).get("conclusion")}
    latest: dict[int, Decision] = {}
    for d in db.session.scalars(select(Decision).order_by(Decision.id)):
        report.decisions += 1
        latest[d.submission_id] = d
        expected = recorded.get((d.submission_id, d.round))
        where = f"decision id {d.id} (submission {d.submission_id}, round {d.round})"
        if expected is None:
            report.problems.append(f"{where} has no 'decide' event in the audit trail")
            continue
        actual = {k: v for k, v in decision_record(d).items() if k in expected}
        if actual != expected:
            report.problems.append(f"{where} differs from the audit trail: {_differences(expected, actual)}")
    for sub_id, conclusion in db.session.execute(select(Submission.id, Submission.conclusion)
                                                 .where(Submission.status == Status.concluded)):
        d = latest.get(sub_id)
        if d is not None and d.conclusion != conclusion:
            report.problems.append(f"submission {sub_id}: its conclusion is {_short(conclusion.value)} "
                                   f"but its decision says {_short(d.conclusion.value)}")


def check_sheets(report: Report) -> None:
    """Each issued sheet row and its files against the record of its 'issue_sheet' event."""
    from ..sheets.operations import sheet_path

    issued: dict[str, dict] = {}
    revoked: set[str] = set()
    for action, data in db.session.execute(select(AuditEvent.action, AuditEvent.data).where(
            AuditEvent.action.in_(("issue_sheet", "revoke_sheet")))):
        serial = (data or {}).get("serial")
        if action == "issue_sheet" and (data or {}).get("sheet"):
            issued[serial] = data["sheet"]
        elif action == "revoke_sheet":
            revoked.add(serial)
    for sheet in db.session.scalars(select(OpinionSheet).order_by(OpinionSheet.id)):
        report.sheets += 1
        where = f"sheet {sheet.serial} (id {sheet.id})"
        expected = issued.get(sheet.serial)
        if expected is None:
            report.problems.append(f"{where} has no 'issue_sheet' event in the audit trail")
            continue
        actual = sheet_record(sheet, sheet_path)
        if actual != expected:
            report.problems.append(f"{where} differs from the audit trail: {_differences(expected, actual)}")
        if (sheet.status is SheetStatus.revoked) != (sheet.serial in revoked):
            said = "revoked" if sheet.serial in revoked else "not revoked"
            report.problems.append(f"{where} is {sheet.status.value} but the audit trail says {said}")


def verify_all() -> Report:
    report = Report()
    check_chain(report)
    check_decisions(report)
    check_sheets(report)
    return report


def seal_head(report: Report) -> AuditSeal:
    """Sign the verified chain head with the committee's key and store it (the caller commits)."""
    pair = signing.load_keypair(current_app.config["KEY_DIR"])
    signed_at = utcnow()
    payload = _seal_payload(report.head_seq, report.head_hash, chain.timestamp(signed_at))
    seal = AuditSeal(seq=report.head_seq, hash=report.head_hash, key_id=pair.key_id,
                     signature=signing.sign(pair, payload), signed_at=signed_at)
    db.session.add(seal)
    db.session.flush()
    return seal
