"""Locale selection and the labels of enum values, through the translation layer.

The UI speaks Simplified Chinese first; English is available. Message ids are English and
``translations/zh_CN`` holds the Chinese text.
"""
from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import Flask, current_app, g, has_request_context, request, session
from markupsafe import Markup, escape
from flask_login import current_user


def _l(message: str) -> str:
    """Marks a message id for extraction; ``translate`` renders it in the reader's language."""
    return message


def translations():
    """The request's catalogue, looked up once per request (Flask-Babel looks it up per call)."""
    cached = g.get("_translations")
    if cached is None:
        from flask_babel import get_translations

        cached = g._translations = get_translations()
    return cached


def language() -> str:
    """The request's locale as a string ("zh" / "en"), computed once per request."""
    lang = g.get("_language")
    if lang is None:
        from flask_babel import get_locale

        lang = g._language = str(get_locale())
    return lang


def translate(message: str) -> str:
    return translations().ugettext(message)

LOCALES = ("zh_CN", "en")

# Labels of enum values shown to users. Keys are "<enum>.<value>".
LABELS = {
    "role.department": _l("Department official"),
    "role.office": _l("Committee office"),
    "role.expert": _l("Expert"),
    "role.justice": _l("Justice bureau"),
    "role.admin": _l("Administrator"),
    "status.submitted": _l("Submitted"),
    "status.returned": _l("Returned for completion"),
    "status.accepted": _l("Accepted"),
    "status.under_review": _l("Under review"),
    "status.deliberation": _l("Deliberation"),
    "status.concluded": _l("Opinion issued"),
    "status.withdrawn": _l("Withdrawn"),
    "impact_level.none": _l("No significant health impact"),
    "impact_level.minor": _l("Minor: simplified review"),
    "impact_level.major": _l("Major: full panel review"),
    "conclusion.approve": _l("Approved"),
    "conclusion.modify": _l("Modify"),
    "conclusion.redraft": _l("Redraft"),
    "conclusion.reject": _l("Recommend not to publish"),
    "policy_type.rule": _l("Rule"),
    "policy_type.normative": _l("Normative document"),
    "policy_type.major_decision": _l("Major administrative decision"),
    "stage.drafting": _l("Drafting"),
    "stage.revision": _l("Revision"),
    "stage.pre_publication": _l("Before publication"),
    "file_kind.letter": _l("Official letter"),
    "file_kind.draft": _l("Draft for review"),
    "file_kind.basis": _l("Basis document"),
    "return_item.letter": _l("Official letter"),
    "return_item.draft": _l("A readable draft"),
    "return_item.basis": _l("Basis documents"),
    "return_item.explanation": _l("Drafting explanation"),
    "return_item.consultation": _l("Record of public consultation"),
    "assignment.invited": _l("Invited"),
    "assignment.accepted": _l("Accepted"),
    "assignment.declined": _l("Declined"),
    "assignment.conflict": _l("Conflict declared"),
    "assignment.submitted": _l("Opinion submitted"),
    "assignment.replaced": _l("Replaced"),
    "assignment.cancelled": _l("Cancelled"),
    "severity.low": _l("Low"),
    "severity.medium": _l("Medium"),
    "severity.high": _l("High"),
    "response.adopted": _l("Adopted"),
    "response.partly": _l("Partly adopted"),
    "response.rejected": _l("Not adopted"),
    "check.done": _l("Acted on"),
    "check.not_done": _l("Not acted on"),
    "sheet.valid": _l("Valid"),
    "sheet.superseded": _l("Superseded"),
    "sheet.revoked": _l("Revoked"),
    "token.active": _l("Active"),
    "token.expired": _l("Expired"),
    "token.revoked": _l("Revoked"),
    "lane.general": _l("General procedure (full panel)"),
    "lane.simple": _l("Simplified procedure (one expert)"),
    "lane.filing": _l("Filing confirmation (no expert review)"),
    "followup.scheduled": _l("Waiting for the report"),
    "followup.reported": _l("Report submitted"),
    "followup.accepted": _l("Report accepted"),
    "followup.new_review": _l("New review requested"),
    "expected.yes": _l("Yes"),
    "expected.partly": _l("Partly"),
    "expected.no": _l("No"),
    "entry_status.drafting": _l("Drafting"),
    "entry_status.under_review": _l("Under review"),
    "entry_status.in_force": _l("In force"),
    "entry_status.revised": _l("Revised"),
    "entry_status.abolished": _l("Abolished"),
    "entry_origin.submission": _l("Submitted for review"),
    "entry_origin.inventory": _l("Inventory of existing documents"),
    "intake.accepted": _l("Accepted for legality review"),
    "intake.returned": _l("Returned"),
    "intake.pending": _l("Pending"),
}


ACTIONS = {
    "submit": _l("Submitted"),
    "accept": _l("Accepted for review"),
    "return": _l("Returned for completion"),
    "resubmit": _l("Completed and resubmitted"),
    "start_review": _l("Panel invited, review started"),
    "add_experts": _l("Experts added"),
    "close_review": _l("Review closed early"),
    "opinions_complete": _l("All opinions in"),
    "reopen_review": _l("Review reopened"),
    "decide": _l("Decision"),
    "revise": _l("Revision uploaded"),
    "withdraw": _l("Withdrawn"),
    "invitation_accept": _l("Invitation accepted"),
    "invitation_decline": _l("Invitation declined"),
    "invitation_conflict": _l("Conflict of interest declared"),
    "invitation_reopen": _l("Invitation reopened"),
    "replace_expert": _l("Expert replaced"),
    "remind_manual": _l("Reminder sent"),
    "remind_before_due": _l("Automatic reminder before the deadline"),
    "remind_overdue": _l("Automatic overdue reminder"),
    "submit_opinion": _l("Opinion submitted"),
    "reinvite_skipped": _l("Expert not re-invited"),
    "issue_sheet": _l("Opinion sheet issued"),
    "revoke_sheet": _l("Opinion sheet revoked"),
    "legality_intake": _l("Legality-review intake recorded"),
    "edit_screening": _l("Screening form edited"),
    "finalise_screening": _l("Screening form made final"),
    "confirm_filing": _l("Filed without expert review"),
    "set_followup": _l("Follow-up evaluation set"),
    "remind_followup": _l("Follow-up reminder sent"),
    "followup_report": _l("Follow-up report submitted"),
    "followup_accept": _l("Follow-up report accepted"),
    "followup_new_review": _l("New review requested after follow-up"),
    "followup_resubmit": _l("Submitted again after follow-up"),
    "registry_publish": _l("Publication recorded in the registry"),
    "registry_revised": _l("Recorded as revised in the registry"),
    "registry_abolished": _l("Recorded as abolished in the registry"),
}


EXCLUSIONS = {
    "conflict_affiliation": _l("Conflict of interest: works for the submitting department"),
    "conflict_declared": _l("Conflict of interest declared with this department"),
    "conflict_drafting": _l("Took part in drafting"),
    "inactive": _l("Inactive"),
    "overloaded": _l("Maximum load reached"),
    "unavailable": _l("Unavailable in the review period"),
}


# The facts behind an exclusion, worded for the reader (the pipeline's English detail is for logs).
EXCLUSION_DETAILS = {
    "conflict_affiliation": _l("%(affiliation)s belongs to %(department)s"),
    "conflict_declared": _l("declared for %(department)s"),
    "overloaded": _l("%(load)s open reviews, at most %(max)s"),
    "unavailable": _l("unavailable from %(start)s to %(end)s"),
}


def exclusion_label(code: str) -> str:
    text = EXCLUSIONS.get(code)
    return translate(text) if text is not None else code


def exclusion_detail(code: str, params: dict | None) -> str:
    """The translated facts of an exclusion, or '' when there are none to show."""
    text = EXCLUSION_DETAILS.get(code)
    if text is None or not params:
        return ""
    try:
        return translate(text) % params
    except (KeyError, TypeError, ValueError):
        return ""


def action_label(action: str) -> str:
    text = ACTIONS.get(action)
    return translate(text) if text is not None else action


def label(kind: str, value) -> str:
    """The user-facing label of an enum value (accepts the enum member or its value)."""
    if value is None:
        return ""
    raw = getattr(value, "value", value)
    text = LABELS.get(f"{kind}.{raw}")
    return translate(text) if text is not None else str(raw)


def content(value, lang: str = "zh-CN") -> Markup:
    """Document or user content (titles, names, clause text) marked with its language: screen readers
    and the untranslated-text crawl (tests/workflow/crawl.py) tell it from the UI."""
    if value is None or value == "":
        return Markup("")
    # An f-string of two escapes: Markup's % formatting wraps each argument, 2.4x slower, and the
    # detail page calls this ~100 times.
    return Markup(f'<span lang="{escape(lang)}">{escape(value)}</span>')


def select_locale() -> Locale:
    return _locale_object(_locale_code())


@lru_cache(maxsize=None)
def _locale_object(code: str) -> Locale:
    # Babel parses a locale string by listing its locale-data folder: ~1 ms per request if the
    # selector returned the string. Flask-Babel passes a Locale through unchanged.
    return Locale.parse(code)


def _locale_code() -> str:
    if not has_request_context():  # CLI, background work: the configured default, never an error
        return str(current_app.config.get("DEFAULT_LOCALE") or "zh_CN")
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    return "en" if _prefers_english() else "zh_CN"


def _prefers_english() -> bool:
    # Chinese is the default: only a browser that asks for English and not Chinese gets English.
    langs = [lang.lower() for lang, _ in request.accept_languages]
    return bool(langs) and langs[0].startswith("en") and not any(lang.startswith("zh") for lang in langs)


def domain_label(code: str) -> str:
    from flask import current_app

    domain = current_app.extensions["domains"].get(code)
    if domain is None:
        return code
    return domain.en if language() == "en" else domain.zh


def init_app(app: Flask) -> None:
    from flask_babel import get_locale

    from .permissions import expert_label

    # Templates translate through the request's catalogue, fetched once per request.
    app.jinja_env.install_gettext_callables(
        lambda message: translations().ugettext(message),
        lambda singular, plural, n: translations().ungettext(singular, plural, n),
        newstyle=True,
    )

    @app.teardown_request
    def _forget_translations(_exc) -> None:
        g.pop("_translations", None)
        g.pop("_language", None)

    from .calendar import format_local

    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["content"] = content
    # A label's colon: full-width in Chinese, ": " in English.
    app.jinja_env.globals["colon"] = lambda: ": " if language() == "en" else "："
    app.jinja_env.globals.update(label=label, domain_label=domain_label, LOCALES=LOCALES,
                                 get_locale=get_locale, action_label=action_label, expert_label=expert_label,
                                 exclusion_label=exclusion_label, exclusion_detail=exclusion_detail)
    # How people cite a clause (第十二条, 四、（三）): the parse preview's clause numbers.
    from pipeline.citation import cite
    app.jinja_env.globals["cite"] = cite
