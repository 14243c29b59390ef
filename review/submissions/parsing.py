"""Parsing an uploaded draft with the pipeline, in a child process with time and memory limits."""
from __future__ import annotations

from pathlib import Path

from flask import current_app


def parse_draft(path: Path, filename: str, *, timeout: float | None = None, in_job: bool = False) -> dict:
    """``in_job``: called from a background job, which may take longer than a request
    (PARSE_JOB_TIMEOUT instead of PARSE_TIMEOUT; the memory limit is the same); ``timeout`` overrides both."""
    from pipeline import run_file_isolated

    timeout_key = "PARSE_JOB_TIMEOUT" if in_job else "PARSE_TIMEOUT"
    result = run_file_isolated(
        path,
        timeout=float(timeout or current_app.config[timeout_key]),
        memory=int(current_app.config["PARSE_MEMORY_MB"]) * 1024 * 1024,
        max_clauses=int(current_app.config["MAX_CLAUSES"]),
    )
    data = result.to_dict()
    data["file"] = filename  # the user's name, not the storage key
    return data
