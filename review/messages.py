"""User-facing texts for error codes raised by operations and the pipeline."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ERRORS = {
    # pipeline failures
    "unsupported_format": _l("This file type cannot be read. Upload the draft as .docx, .pdf or .txt."),
    "legacy_word": _l("This is an old Word or WPS file: please save it as .docx and upload it again."),
    "encrypted": _l("The PDF is password-protected. Upload a copy without a password."),
    "no_text_layer": _l("Scanned document, no text layer; OCR is not supported. Upload the original .docx or a PDF exported from it."),
    "unreadable_text_map": _l("The PDF's fonts have no usable text map, so its text cannot be read. Export the PDF again with embedded fonts, or upload the .docx."),
    "too_large": _l("The file is too large or expands to too much data to be read safely."),
    "timeout": _l("Reading the file took too long and was stopped. Check the file, or upload the .docx."),
    "memory": _l("Reading the file needed too much memory and was stopped. Check the file, or upload the .docx."),
    "corrupt": _l("The file is damaged or not what its name says. Save it again and upload it."),
    "encoding": _l("The text file is neither UTF-8 nor GB18030."),
    "crashed": _l("The file could not be read. Save it again and upload it, or upload the .docx."),
    "empty": _l("The draft has no text."),
    "internal_error": _l("The file could not be read because of an internal error; it was logged."),
    # submission and review operations
    "missing_title": _l("Enter the title of the policy."),
    "title_too_long": _l("The title is longer than 300 characters."),
    "bad_policy_type": _l("Choose the policy type."),
    "bad_stage": _l("Choose the stage."),
    "bad_file_type": _l("This file type is not accepted here."),
    "missing_letter": _l("Upload the official letter (公函)."),
    "missing_draft": _l("Upload the draft for review."),
    "draft_unreadable": _l("The draft could not be read: replace it."),
    "response_missing": _l("Answer every opinion item: adopted, partly adopted or not adopted."),
    "response_reason_missing": _l("Give the reason for each item that is not fully adopted."),
    "no_experts": _l("Choose at least one expert."),
    "due_in_past": _l("The deadline is in the past."),
    "already_assigned": _l("This expert is already on the panel."),
    "expert_excluded": _l("This expert cannot review this draft (conflict of interest, load or availability)."),
    "unknown_expert": _l("Unknown expert."),
    "reason_required": _l("A reason is required."),
    "recommendation_required": _l("Choose an overall recommendation."),
    "summary_required": _l("Write a summary of your opinion."),
    "bad_screening": _l("Screening answers must be 是, 不知道 or 否."),
    "unknown_clause": _l("A comment refers to a clause that is not in this draft."),
    "bad_severity": _l("Severity must be low, medium or high."),
    "bad_comments": _l("Each comment needs a text, a suggested wording and a severity."),
    "bad_conclusion": _l("Choose one of the four conclusions."),
    "bad_items": _l("The wording of the opinion items is not valid."),
    "stale_decision": _l("A later round already has its opinion sheet."),
    "serial_busy": _l("No serial number could be allocated; try again."),
    "no_font": _l("No Chinese font is installed for the PDF sheet: install fonts-wqy-zenhei or set REVIEW_SHEET_FONT."),
    "already_revoked": _l("This sheet is already revoked."),
    "bad_outcome": _l("Choose the outcome of the intake."),
    "not_admissible": _l("This sheet does not allow legality review."),
    "future_date": _l("The received date is in the future."),
    "invalid_state": _l("This action is not possible in the submission's current state."),
    "forbidden": _l("You may not do this."),
    # the screening form (初筛表)
    "no_screening": _l("This round has no screening to edit."),
    "screening_final": _l("The screening form is final and can no longer be changed."),
    "bad_impact_level": _l("Choose the impact level: none, minor or major."),
    "reason_too_long": _l("A reason is longer than 500 characters."),
    "too_many_reasons": _l("Give at most 10 reasons per question."),
    "related_too_long": _l("The list of related departments is longer than 300 characters."),
}


def error_text(code: str, fallback: str = "") -> str:
    text = ERRORS.get(code)
    return str(text) if text is not None else (fallback or code)


def parse_error_text(parsed: dict | None) -> str:
    """The first failure of a pipeline result, in the user's language."""
    errors = (parsed or {}).get("errors") or []
    if not errors:
        return error_text("crashed")
    first = errors[0]
    return error_text(first.get("code", ""), first.get("message", ""))
