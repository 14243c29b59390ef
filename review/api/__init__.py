"""The JSON API for departments' office systems: the same operations as the pages.

``Authorization: Bearer <token>`` (tokens from ``flask --app wsgi create-token``); role and
ownership rules are those of the browser. Errors are JSON ``{error, detail}`` with a 4xx code.
"""
from .common import bp
from . import submissions, assignments, sheets, stats, jobs, openapi  # noqa: F401,E402  (register the routes)

__all__ = ["bp"]
