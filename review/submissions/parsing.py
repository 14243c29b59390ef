"""Parsing an uploaded draft with the pipeline, in a child process with time and memory limits."""
from __future__ import annotations

from pathlib import Path

from flask import current_app


def parse_draft(path: Path, filename: str, *, timeout: float | None = None) -> dict:
    """``timeout`` defaults to the interactive PARSE_TIMEOUT; background jobs pass PARSE_JOB_TIMEOUT."""
    from pipeline import run_file_isolated

    result = run_file_isolated(
        path,
        timeout=float(timeout or current_app.config["PARSE_TIMEOUT"]),
        memory=int(current_app.config["PARSE_MEMORY_MB"]) * 1024 * 1024,
        max_clauses=int(current_app.config["MAX_CLAUSES"]),
    )
    data = result.to_dict()
    data["file"] = filename  # the user's name, not the storage key
    return data
