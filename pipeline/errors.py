"""Failure codes shared by readers, stages and the isolation wrapper.

The codes are stable: the web app translates them into Chinese, the messages stay English.
"""
from __future__ import annotations

UNSUPPORTED_FORMAT = "unsupported_format"
LEGACY_WORD = "legacy_word"
ENCRYPTED = "encrypted"
NO_TEXT_LAYER = "no_text_layer"
UNREADABLE_TEXT_MAP = "unreadable_text_map"
TOO_LARGE = "too_large"
TIMEOUT = "timeout"
MEMORY = "memory"
CORRUPT = "corrupt"
ENCODING = "encoding"
CRASHED = "crashed"
EMPTY = "empty"
INTERNAL = "internal_error"
TOO_MANY_CLAUSES = "too_many_clauses"
MARKUP_TEXT = "markup_text"


class PipelineError(Exception):
    """A document cannot be read; carries a stable code and a one-line reason."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
