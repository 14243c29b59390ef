"""The annual report as a background job: charts are drawn by matplotlib (seconds on a first run)."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from ..jobs import JobFailure, enqueue, job_handler

KIND = "annual_report"


def report_dir() -> Path:
    path = Path(current_app.instance_path) / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def report_path(job) -> Path | None:
    name = (job.result or {}).get("file") if job.kind == KIND else None
    return report_dir() / name if name else None


def start_report(actor, year: int):
    """The job that writes the year's report; the page follows its progress."""
    return enqueue(KIND, {"year": year}, owner=actor, subject=f"{KIND}:{year}", total=8)


@job_handler(KIND)
def run_report(job, progress) -> dict:
    from ..sheets.fonts import SheetFontError
    from .report import annual_report

    year = int(job.payload["year"])
    try:
        data = annual_report(year, current_app.config, progress)
    except SheetFontError:
        raise JobFailure("no_font") from None
    name = f"annual-{year}-{job.id}.docx"
    (report_dir() / name).write_bytes(data)
    return {"file": name, "year": year, "size": len(data)}
