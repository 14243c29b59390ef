"""Text and e-mail validation at every boundary: forms, the JSON API, CLI commands, imports.

Text is normalised to NFC; zero-width and bidirectional-override characters and control
characters are removed (they carry nothing a reader sees, and break mail headers, XML in .docx and
PDF text). Multi-line fields keep line breaks (as \\n) and tabs; a single-line field refuses line
breaks with a message naming the field, since silently joining lines could change the meaning.
"""
from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

# Line breaks of every kind: CR, LF, VT, FF, NEL, LINE/PARAGRAPH SEPARATOR.
_LINE_BREAKS = "\r\n\x0b\x0c\x85\u2028\u2029"
_LINE_BREAK_RE = re.compile(f"[{_LINE_BREAKS}]")
# C0/C1 controls except tab and the line breaks handled above, plus invisible format characters
# that only serve spoofing here (zero-width, bidi overrides and isolates, BOM, soft hyphen).
_INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\ufff9-\ufffb\ud800-\udfff]")

# Labels of the fields that messages name, in the user's language.
FIELD_LABELS = {
    "title": _l("Title"),
    "contact_name": _l("Contact person"),
    "contact_phone": _l("Contact phone"),
    "note": _l("Note"),
    "reason": _l("Reason"),
    "summary": _l("Summary"),
    "comments": _l("Comments"),
    "text": _l("Comment"),
    "suggestion": _l("Suggested wording"),
    "determinant": _l("Health determinant"),
    "items": _l("Opinion items"),
    "opinion": _l("Opinion"),
    "username": _l("Username"),
    "display_name": _l("Name"),
    "email": _l("E-mail"),
    "name": _l("Name"),
    "affiliation": _l("Affiliation"),
    "expertise": _l("Expertise"),
    "department": _l("Department"),
    "responses": _l("Responses"),
    "response": _l("Response"),
}

MESSAGES = {
    "text_line_break": _l("%(field)s must be a single line: remove the line breaks."),
    "text_too_long": _l("%(field)s is longer than %(max)s characters."),
    "text_required": _l("%(field)s is required."),
    "bad_email": _l("%(field)s is not a valid e-mail address."),
}


class TextError(ValueError):
    """A text input that cannot be accepted; ``code`` is stable, ``field`` names the input."""

    def __init__(self, code: str, field: str, message: str, **params):
        self.code = code
        self.field = field
        self.params = params
        super().__init__(f"{field}: {message}")

    def text(self) -> str:
        """The message in the user's language, naming the field (English outside a request:
        the CLI)."""
        from flask import has_request_context

        if not has_request_context():
            return str(self)
        return describe(self.code, self.field, **self.params) or str(self)


def field_label(field: str | None) -> str:
    base = (field or "").split("-", 1)[0]
    return str(FIELD_LABELS.get(base, field or ""))


def describe(code: str, field: str | None, **params) -> str | None:
    """The translated message of a text error code, or None when the code is not one of ours."""
    template = MESSAGES.get(code)
    if template is None:
        return None
    return str(template) % {"field": field_label(field), **params}


def strip_invisible(text: str) -> str:
    """NFC, without controls (tab and line breaks kept) and invisible format characters."""
    return _INVISIBLE_RE.sub("", unicodedata.normalize("NFC", text))


def printable(text: str, *, multiline: bool = True) -> str:
    """Text safe to draw or write into XML and mail: what sheet rendering and headers use on stored
    data, which may predate this validation. Never raises."""
    text = strip_invisible(str(text or "")).replace("\r\n", "\n")
    text = _LINE_BREAK_RE.sub("\n" if multiline else " ", text)
    return text


def _as_str(value, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TextError("text_not_string", field, "must be text")
    return value


def as_id(value) -> int | None:
    """A database id from user input, or None (never an exception, never an overflow)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def line(value, field: str, *, max_len: int | None = None, required: bool = False) -> str:
    """A single-line field (title, name, phone): trimmed; line breaks refused."""
    text = strip_invisible(_as_str(value, field)).strip()
    if _LINE_BREAK_RE.search(text):
        raise TextError("text_line_break", field, "must be a single line (line breaks found)")
    text = text.replace("\t", " ")
    return _bounded(text, field, max_len, required)


def text(value, field: str, *, max_len: int | None = None, required: bool = False) -> str:
    """A multi-line field (note, reason, comment): line breaks become \\n, other controls go."""
    raw = strip_invisible(_as_str(value, field)).replace("\r\n", "\n")
    return _bounded(_LINE_BREAK_RE.sub("\n", raw).strip(), field, max_len, required)


def _bounded(text: str, field: str, max_len: int | None, required: bool) -> str:
    if required and not text:
        raise TextError("text_required", field, "is required")
    if max_len is not None and len(text) > max_len:
        raise TextError("text_too_long", field, f"is longer than {max_len} characters", max=max_len)
    return text


def email(value, field: str = "email", *, required: bool = False) -> str:
    """A normalised e-mail address ('' when empty and not required), checked by email-validator
    without a DNS look-up (intranet mail domains need not resolve from here)."""
    from email_validator import EmailNotValidError, validate_email

    raw = _as_str(value, field)
    if _LINE_BREAK_RE.search(raw) or _INVISIBLE_RE.search(raw):
        raise TextError("bad_email", field, "is not a valid e-mail address (control characters)")
    raw = raw.strip()
    if not raw:
        if required:
            raise TextError("text_required", field, "is required")
        return ""
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise TextError("bad_email", field, f"is not a valid e-mail address ({exc})") from None


def is_valid_email(value: str) -> bool:
    try:
        email(value, required=True)
    except TextError:
        return False
    return True


# -- WTForms -----------------------------------------------------------------------------------


def wtf_filter(multiline: bool = True):
    """A WTForms filter that normalises text as ``text``/``line`` do, without refusing anything."""

    def _filter(value):
        if not isinstance(value, str):
            return value
        return printable(value, multiline=True).strip() if multiline else strip_invisible(value).strip()

    return _filter


class SingleLine:
    """WTForms validator: refuses line breaks with the field's own label."""

    def __call__(self, form, field):
        from wtforms.validators import StopValidation

        if isinstance(field.data, str) and _LINE_BREAK_RE.search(field.data):
            raise StopValidation(str(_l("%(field)s must be a single line: remove the line breaks.")
                                     % {"field": field.label.text}))


def raising(error_cls):
    """Context manager: a TextError inside becomes ``error_cls(code, message, field)`` with the
    same parameters, so each feature's views and API handlers report it as their own."""
    from contextlib import contextmanager

    @contextmanager
    def _ctx():
        try:
            yield
        except TextError as exc:
            err = error_cls(exc.code, str(exc), exc.field)
            err.params = exc.params
            raise err from None

    return _ctx()


def local_path(target: str | None) -> str | None:
    """A ?next= target only when it is a path of this site: an open redirect would help phishing."""
    from urllib.parse import urlsplit

    if not target or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
