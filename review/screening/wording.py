"""The 初筛表's wording (rubrics/screening_form.toml), validated once per process."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_TEXT = {"type": "string", "minLength": 1}
_LABELS = ("name", "category", "department", "submitter", "date", "method", "related", "number", "question",
           "answer", "reasons", "impact", "populations", "signer", "reviewer", "office", "sign_date", "draft_note")
SCHEMA = {
    "type": "object",
    "required": ["version", "title", "method_auto", "method_reviewed", "none_text", "labels", "levels",
                 "categories", "stages"],
    "properties": {
        "version": {"type": "integer"}, "title": _TEXT, "method_auto": _TEXT, "method_reviewed": _TEXT,
        "none_text": _TEXT,
        "labels": {"type": "object", "required": list(_LABELS), "additionalProperties": _TEXT},
        "levels": {"type": "object", "required": ["none", "minor", "major"], "additionalProperties": False,
                   "properties": {k: _TEXT for k in ("none", "minor", "major")}},
        "categories": {"type": "object", "required": ["rule", "normative", "major_decision"],
                       "additionalProperties": _TEXT},
        "stages": {"type": "object", "required": ["drafting", "revision", "pre_publication"],
                   "additionalProperties": _TEXT},
    },
}


def load_wording(path: Path | None = None) -> dict:
    from pipeline.rubrics import RUBRICS_DIR, load_toml

    return load_toml(path or RUBRICS_DIR / "screening_form.toml", SCHEMA)


@lru_cache(maxsize=1)
def wording() -> dict:
    return load_wording()
