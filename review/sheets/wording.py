"""The sheet's wording, read from ``rubrics/sheet.toml`` and validated on load."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import current_app

from pipeline.rubrics import RUBRICS_DIR, load_toml

_TEXT = {"type": "string", "minLength": 1}
_CONCLUSION = {
    "type": "object",
    "required": ["label", "legality", "next_steps"],
    "additionalProperties": False,
    "properties": {"label": _TEXT, "legality": _TEXT, "next_steps": _TEXT},
}
_LABEL_KEYS = [
    "serial", "committee", "title", "department", "policy_type", "round", "received_on",
    "review_period", "decided_on", "issued_on", "panel_size", "panel_anonymised", "clause", "opinion",
    "suggestion", "no_opinions", "general_clause", "conclusion", "legality", "next_steps", "reason",
    "draft_sha256", "text_sha256", "verify_url", "verify_code", "verify_note", "round_value", "seal",
]
_DOCUMENT_KEYS = [
    "opening", "title", "basic_heading", "basic", "panel", "panel_anonymised", "summaries_heading",
    "summaries_intro", "opinions_heading", "item_heading", "opinion", "suggestion", "no_opinions",
    "conclusion_heading", "conclusion", "supersedes", "closing", "seal", "note", "fingerprints",
    "verification_heading", "page_number", "preview", "no_serial", "no_url",
]
SCHEMA = {
    "type": "object",
    "required": ["version", "title", "serial_format", "headings", "labels", "document", "policy_types",
                 "conclusions"],
    "properties": {
        "version": {"type": "integer"},
        "title": _TEXT,
        "serial_format": {"type": "string", "pattern": r"\{prefix\}.*\{year\}.*\{seq\}"},
        "headings": {
            "type": "object",
            "required": ["basic", "panel", "opinions", "conclusion", "fingerprint", "verification"],
            "additionalProperties": _TEXT,
        },
        "labels": {"type": "object", "required": _LABEL_KEYS, "additionalProperties": _TEXT},
        "document": {"type": "object", "required": _DOCUMENT_KEYS, "additionalProperties": _TEXT},
        "policy_types": {
            "type": "object",
            "required": ["rule", "normative", "major_decision"],
            "additionalProperties": _TEXT,
        },
        "conclusions": {
            "type": "object",
            "required": ["approve", "modify", "redraft", "reject"],
            "additionalProperties": False,
            "properties": {k: _CONCLUSION for k in ("approve", "modify", "redraft", "reject")},
        },
    },
}


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    return load_toml(Path(path), SCHEMA)


def sheet_wording() -> dict:
    rubrics_dir = current_app.config.get("RUBRICS_DIR") or RUBRICS_DIR
    return _load(str(Path(rubrics_dir) / "sheet.toml"))
