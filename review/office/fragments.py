"""Parts of the office's pages rendered once and kept (review/pagecache.py).

- The screening report and the structure of a draft version: a version's parsed result never
  changes once stored, so the version and the language are the whole key.
- One progress-board row: keyed by every value the row shows (the submission's, its seats' and
  their experts' fields, the counted figures), the day and the language, all already loaded for
  the page; a change anywhere in the row is a new key.
- The parts of the detail page made of a routing proposal alone (the panel's rows with their
  reasons, the excluded experts, the replacement and name lists): a stored proposal's key hashes
  everything it holds (routing/store.py), so that key, the part and the language are the key.
"""
from __future__ import annotations

from datetime import date

from flask import render_template
from markupsafe import Markup

from ..i18n import language
from ..pagecache import fragment
from .board import BoardRow


def parsed_report(version, parsed: dict, part: str) -> Markup:
    if version is None:
        return Markup(render_template("office/_parsed_report.html", parsed=parsed, part=part))
    key = (version.id, version.text_sha256, part, language())
    return fragment("parsed_reports", key,
                    lambda: render_template("office/_parsed_report.html", parsed=parsed, part=part))


def _row_key(row: BoardRow, today: date) -> tuple:
    s = row.submission
    seats = tuple((seat.assignment.id, seat.assignment.status, seat.assignment.due, seat.assignment.expert_name,
                   seat.deadline.due, seat.deadline.days, seat.comments, seat.last_activity) for seat in row.seats)
    return (s.id, s.title, s.department, s.current_round, row.deadline.due, row.deadline.days,
            row.comments, row.last_activity, seats, today, language())


def board_row(row: BoardRow, today: date) -> Markup:
    return fragment("board_rows", _row_key(row, today),
                    lambda: render_template("office/_board_row.html", row=row))


def proposal_part(proposal, key: str, part: str) -> Markup:
    return fragment("proposal_parts", (key, part, language()),
                    lambda: render_template("office/_proposal_parts.html", proposal=proposal, part=part))


def init_app(app) -> None:
    app.jinja_env.globals.update(parsed_report=parsed_report, board_row=board_row, proposal_part=proposal_part)
