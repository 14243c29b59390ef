"""The sheet as it will be issued, before the office signs: same renderer, no serial, no code,
no signature, "预览 PREVIEW" across every page."""
from __future__ import annotations

from flask import current_app

from ..calendar import local_today
from ..reviews.models import Decision
from . import operations as ops
from .content import SheetView
from .fonts import fonts_from_app_config
from .render_pdf import SheetFontError, render_pdf
from .wording import sheet_wording


def preview_pdf(actor, decision: Decision, items: list[dict] | None = None) -> bytes:
    """The preview PDF of ``decision`` with ``items`` (the office's current wording; None: drafted)."""
    if not ops.can_issue(actor):
        raise ops.SheetError("forbidden", "only the committee office issues opinion sheets")
    items = ops.clean_items(ops.draft_items(decision) if items is None else items)
    facts = dict(ops.build_facts(decision, items, local_today()), serial="", verify_url="")
    try:
        return render_pdf(SheetView(facts, sheet_wording()), b"", "", fonts_from_app_config(current_app.config),
                          preview=True)
    except SheetFontError as exc:
        raise ops.SheetError("no_font", str(exc)) from None
