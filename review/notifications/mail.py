"""Outgoing mail: real SMTP when configured, otherwise .eml files in the instance outbox.

Mails are queued on the database session and delivered only after it commits, so a rolled-back
action never sends a mail.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event

from ..extensions import db

log = logging.getLogger(__name__)
_QUEUE = "outgoing_mail"


def queue_mail(to: str, subject: str, body: str) -> None:
    if not to:
        return
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain="hiap-review")
    message.set_content(body)
    db.session.info.setdefault(_QUEUE, []).append((current_app._get_current_object(), message))


def deliver(app: Flask, message: EmailMessage) -> None:
    config = app.config
    if not config["MAIL_SERVER"]:
        outbox = Path(config["OUTBOX_DIR"])
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        path = outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(bytes(message))
        return
    cls = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with cls(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=20) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def _after_commit(session) -> None:
    for app, message in session.info.pop(_QUEUE, []):
        try:
            deliver(app, message)
        except (OSError, smtplib.SMTPException) as exc:
            # The action is committed; a mail failure must not undo it. The in-app notification
            # stays, and the failure is logged for the administrator.
            log.error("mail to %s failed: %s", message["To"], exc)


def _after_rollback(session) -> None:
    session.info.pop(_QUEUE, None)


def init_mail() -> None:
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_soft_rollback", lambda s, prev: _after_rollback(s))
