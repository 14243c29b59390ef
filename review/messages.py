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
    "empty": _l("The draft has no body text: check that it is the policy draft, saved as .docx, .pdf or UTF-8 text."),
    "markup_text": _l("This .txt file is a web page or XML (it starts with tags), not plain text. Save the draft as .docx, or as plain text, and upload it again."),
    "empty_file": _l("The file is empty (0 bytes): the upload may have been interrupted, or the wrong file was chosen."),
    "too_many_clauses": _l("The draft has more than %(max)s clauses, more than one review can handle. Check the file, or split the draft."),
    "internal_error": _l("The file could not be read because of an internal error; it was logged."),
    # background jobs
    "job_error": _l("An internal error stopped the task (it was logged); try again, or tell the administrator if it fails again."),
    "worker_died": _l("The server process running the task stopped before it finished; try again."),
    "job_not_failed": _l("Only a failed task can be started again."),
    "job_unknown_kind": _l("This kind of task is not known to this version of the system."),
    "sheet_rendering": _l("The sheet's files are still being prepared; try again in a moment."),
    "sheet_code_lost": _l("The sheet's verification code could not be recovered (the instance's secret key changed): revoke the sheet and issue a new one."),
    "draft_parsing": _l("The draft is still being read; wait until it is done."),
    # submission and review operations
    "missing_title": _l("Enter the title of the policy."),
    "title_too_long": _l("The title is longer than 300 characters."),
    "bad_policy_type": _l("Choose the policy type."),
    "bad_stage": _l("Choose the stage."),
    "bad_file_type": _l("This file type is not accepted here."),
    "too_many_files": _l("This upload has %(n)s files; at most %(max)s files are accepted per submission."),
    "storage_full": _l("The server's upload storage is full, so the file was not saved. Your earlier upload is kept: try again later, and tell the administrator."),
    "storage_error": _l("The server could not save the file. Your earlier upload is kept: try again later, and tell the administrator."),
    "missing_letter": _l("Upload the official letter."),
    "missing_draft": _l("Upload the draft for review."),
    "bad_return_item": _l("Choose the missing items from the list."),
    "missing_item_letter": _l("The committee office asked for the official letter: upload it in its slot."),
    "missing_item_draft": _l("The committee office asked for a readable draft: upload it in its slot."),
    "missing_item_basis": _l("The committee office asked for basis documents: upload at least one in its slot."),
    "missing_item_explanation": _l("The committee office asked for the drafting explanation: upload it in its slot."),
    "missing_item_consultation": _l("The committee office asked for the record of public consultation: upload it in its slot."),
    "draft_unreadable": _l("The draft could not be read: replace it."),
    "response_missing": _l("Answer every opinion item: adopted, partly adopted or not adopted."),
    "response_reason_missing": _l("Give the reason for each item that is not fully adopted."),
    "no_experts": _l("Choose at least one expert."),
    "bad_lane": _l("Choose the procedure: general, simplified or filing confirmation."),
    "lane_reason_required": _l("You chose another procedure than the screening suggests: give your reason."),
    "simple_lane_one_expert": _l("The simplified procedure has one expert only: replace the expert instead of adding a second one."),
    "filing_no_experts": _l("This submission is handled by filing confirmation: no expert is invited."),
    "no_indicators": _l("Give at least one monitoring indicator."),
    "indicator_text_missing": _l("Each row with a target needs the indicator it measures."),
    "too_many_indicators": _l("At most 20 monitoring indicators."),
    "followup_not_approved": _l("Only a policy the committee approved is followed up."),
    "followup_date_past": _l("The follow-up date must be in the future."),
    "followup_reported": _l("The follow-up report was already submitted."),
    "followup_expected": _l("Say whether the health effects were as expected."),
    "followup_explain": _l("Explain what differed from the expected health effects."),
    "followup_result_missing": _l("Give the result of every indicator."),
    "followup_not_reported": _l("There is no follow-up report to answer."),
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
    "already_decided": _l("Another office user has just recorded the decision of this round; it is shown here."),
    "stale_decision": _l("A later round already has its opinion sheet."),
    "serial_busy": _l("No serial number could be allocated; try again."),
    "no_font": _l("No Chinese font is installed for the PDF sheet: install fonts-arphic-uming, fonts-arphic-ukai and fonts-wqy-zenhei, or set REVIEW_SHEET_FONT."),
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
    # the registry (健康相关政策台账) and the inventory
    "not_approved": _l("Only a draft whose review was approved can be recorded as published."),
    "missing_doc_number": _l("Enter the document number."),
    "missing_date": _l("Enter the date."),
    "bad_date": _l("The date is not valid: use the form YYYY-MM-DD."),
    "date_in_future": _l("The date is in the future."),
    "effective_before_published": _l("A policy cannot take effect before it is published."),
    "bad_status": _l("Choose revised or abolished."),
    "not_in_force": _l("Only a policy in force can be recorded as revised or abolished."),
    "before_publication": _l("The date is before the policy was published."),
    "bad_filter": _l("A filter has a value this list does not know; it was ignored."),
    "query_too_long": _l("The search is longer than 200 characters."),
    "no_files": _l("Choose the documents, or a zip of them, to read in."),
    "no_documents": _l("The zip holds no .docx, .pdf or .txt document."),
    "inventory_file_type": _l("%(name)s is not a .docx, .pdf, .txt or .zip file."),
    "bad_zip": _l("The zip file is damaged or is not a zip file. Create it again and upload it."),
    "zip_too_costly": _l("Reading the zip file took more time or memory than allowed, and was stopped. Split it into several smaller zips."),
    "zip_encrypted": _l("The zip file is password-protected. Upload it without a password."),
    "zip_too_many": _l("This upload holds %(n)s files; at most %(max)s are read in at once. Split it into several uploads."),
    "zip_bomb": _l("The zip file was refused: %(name)s would expand to far more data than the zip holds (a zip bomb), or beyond the size limit of one document."),
    # statistics and the annual report
    "stats_bad_year": _l("The year must be a number from %(low)s to %(high)s (got “%(value)s”)."),
    "stats_unknown_department": _l("There is no department “%(value)s”."),
    "report_year_required": _l("Choose the year of the annual report."),
}


def error_text(code: str, fallback: str = "", field: str | None = None, **params) -> str:
    from .validation import describe

    text = ERRORS.get(code)
    if text is not None:
        return str(text) % params if params else str(text)
    return describe(code, field, **params) or fallback or code


def exc_text(exc: Exception) -> str:
    """The user's-language message of an operation's error (code, field and parameters)."""
    return error_text(getattr(exc, "code", "") or "", str(exc), getattr(exc, "field", None),
                      **(getattr(exc, "params", None) or {}))


def parse_error_text(parsed: dict | None) -> str:
    """The first failure of a pipeline result, in the user's language."""
    errors = (parsed or {}).get("errors") or []
    if not errors:
        return error_text("crashed")
    first = errors[0]
    code = first.get("code", "")
    if code == "too_many_clauses":
        from flask import current_app

        return error_text(code, first.get("message", ""), max=current_app.config["MAX_CLAUSES"])
    return error_text(code, first.get("message", ""))
