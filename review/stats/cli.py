"""``flask --app wsgi report annual --year Y [--out FILE]``: the annual work report as DOCX."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .filters import MAX_YEAR, MIN_YEAR

report = AppGroup("report", help="Reports of the committee's work.")


@report.command("annual")
@click.option("--year", required=True, type=click.IntRange(MIN_YEAR, MAX_YEAR))
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="where to write the DOCX (default: 年度工作报告-YEAR.docx in the current folder)")
def annual(year: int, out: str | None) -> None:
    """Write the committee's annual work report (年度工作报告) for YEAR."""
    from .report import annual_report

    path = Path(out or f"年度工作报告-{year}.docx")
    data = annual_report(year, current_app.config,
                         progress=lambda done, total, note="": click.echo(f"{done}/{total} {note}", err=True))
    path.write_bytes(data)
    click.echo(str(path))


def register(app: Flask) -> None:
    app.cli.add_command(report)
