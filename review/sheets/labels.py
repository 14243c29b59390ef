"""The sheet page's labels in the reader's language. The sheet itself is a Chinese official
document (its wording is rubrics/sheet.toml); the page around it speaks the reader's language,
and the sheet's own texts are shown as content."""
from __future__ import annotations

from ..i18n import _l, label, language, translate

PAGE_LABELS = {
    "serial": _l("Serial number"),
    "committee": _l("Review body"),
    "title": _l("Policy title"),
    "department": _l("Drafting department"),
    "policy_type": _l("Policy type"),
    "round": _l("Review round"),
    "received_on": _l("Received on"),
    "review_period": _l("Review period"),
    "decided_on": _l("Decided on"),
    "procedure": _l("Review procedure"),
    "conclusion": _l("Conclusion"),
    "legality": _l("Legality review"),
    "next_steps": _l("Next steps"),
    "reason": _l("Reason"),
    "draft_sha256": _l("SHA-256 of the draft file"),
    "text_sha256": _l("SHA-256 of the draft's normalised text"),
    "suggestion": _l("Suggested wording"),
    "no_opinions": _l("The experts made no clause-level opinion."),
    "general_clause": _l("General opinion"),
}


def page_label(key: str) -> str:
    return translate(PAGE_LABELS[key])


def page_rows(view) -> list[tuple[str, str, bool]]:
    """(label, value, value is the sheet's own Chinese text) for the facts table of the page."""
    f = view.facts
    rows = []
    for key, value in [*view.basic_items(), *view.conclusion_items()]:
        if key == "round":
            rows.append((page_label(key), str(f["round"]), False))
        elif key == "procedure" and language() == "en" and f.get("procedure"):
            rows.append((page_label(key), label("lane", f["procedure"]), False))
        elif key == "conclusion" and language() == "en" and f.get("conclusion"):
            rows.append((page_label(key), label("conclusion", f["conclusion"]), False))
        else:
            rows.append((page_label(key), value, True))
    return rows


def sheet_conclusion(facts: dict):
    """The signed conclusion: the sheet's own words for Chinese readers, the catalogue's otherwise."""
    from ..i18n import content

    if language() == "en" and facts.get("conclusion"):
        return label("conclusion", facts["conclusion"])
    return content(facts.get("conclusion_label", ""))
