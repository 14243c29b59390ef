"""Outgoing mail: real SMTP when configured, otherwise .eml files in the instance outbox.

Mails are delivered only after the request's transaction commits (review/transaction.py), so a
rolled-back action never sends a mail.
"""
from __future__ import annotations

import email
import email.policy
import logging
import smtplib
import ssl
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import Flask, current_app, has_request_context

from ..jobs import job_handler
from ..transaction import on_commit
from ..validation import is_valid_email, printable

log = logging.getLogger(__name__)


def queue_mail(to: str, subject: str, body: str) -> bool:
    """Queue a mail for after the commit; False (logged, nothing raised) when it cannot be built.

    A bad stored address or a header-breaking subject must not abort the action that notifies:
    the in-app notification stays and the administrator reads the log."""
    if not to:
        return False
    if not is_valid_email(to):
        log.warning("mail skipped: the stored address %r is not a valid e-mail address", to)
        return False
    try:
        message = EmailMessage()
        message["From"] = current_app.config["MAIL_SENDER"]
        message["To"] = to.strip()
        message["Subject"] = printable(subject, multiline=False)
        message["Date"] = format_datetime(datetime.now(timezone.utc))
        message["Message-ID"] = make_msgid(domain="hiap-review")
        message.set_content(printable(body))
    except (ValueError, TypeError) as exc:
        log.warning("mail to %r skipped: %s", to, exc)
        return False
    if has_request_context():
        # A job delivers it (retried if the mail server is away) once the action commits.
        from ..jobs import enqueue

        enqueue("send_mail", {"message": bytes(message).decode("utf-8", "surrogateescape")},
                subject=f"mail:{message['Message-ID']}"[:80], max_attempts=int(current_app.config["MAIL_ATTEMPTS"]))
        return True
    app = current_app._get_current_object()  # scripts and jobs: delivered after their commit
    on_commit(lambda: _deliver_after_commit(app, message))
    return True


@job_handler("send_mail")
def send_mail_job(job, progress) -> dict:
    """Deliver a queued mail; an SMTP error raises, so the job is retried, then marked failed
    (the administrator sees it under Admin → Background tasks and can retry it)."""
    message = email.message_from_bytes(job.payload["message"].encode("utf-8", "surrogateescape"),
                                       policy=email.policy.default)
    deliver(current_app._get_current_object(), message)
    return {"to": message["To"]}


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


def _deliver_after_commit(app: Flask, message: EmailMessage) -> None:
    try:
        deliver(app, message)
    except (OSError, ValueError, smtplib.SMTPException) as exc:
        # The action is committed; a mail failure must not undo it. The in-app notification
        # stays, and the failure is logged for the administrator.
        log.error("mail to %s failed: %s", message["To"], exc)
