"""Command-line interface: ``flask --app wsgi <command>``."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from .extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(create_user_cmd)
    app.cli.add_command(create_token_cmd)
    app.cli.add_command(revoke_token_cmd)
    app.cli.add_command(experts)
    app.cli.add_command(load_demo)
    app.cli.add_command(route_cmd)
    app.cli.add_command(remind_cmd)
    from .sheets.cli import register as register_sheet_commands

    register_sheet_commands(app)
    from .maintenance.cli import register as register_maintenance_commands

    register_maintenance_commands(app)
    from .jobs.cli import register as register_job_commands

    register_job_commands(app)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (runs the migrations)."""
    from flask_migrate import upgrade

    upgrade()
    click.echo("database is up to date")


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["department", "office", "expert", "justice", "admin"]))
@click.option("--password", required=True)
@click.option("--department", default=None, help="department name; created when it does not exist")
@click.option("--expert", "expert_name", default=None, help="name of the expert profile to link")
@click.option("--email", default="")
@click.option("--display-name", default="")
@with_appcontext
def create_user_cmd(username, role, password, department, expert_name, email, display_name) -> None:
    """Create a login."""
    from flask_babel import force_locale

    from .accounts.operations import AccountError, create_user

    try:
        with force_locale("en"):  # the password rules' messages; no request to choose a language
            user = create_user(username, role, password, department=department, expert_name=expert_name,
                               email=email, display_name=display_name)
    except AccountError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"created user {user.username} ({user.role.value})")


@click.command("create-token")
@click.argument("username")
@click.option("--name", "--label", "name", default="", help="what the token is for, e.g. the office system")
@click.option("--days", default=90, show_default=True, type=int, help="the token expires after this many days")
@with_appcontext
def create_token_cmd(username, name, days) -> None:
    """Print a new API bearer token for USERNAME (shown once, stored hashed)."""
    from .accounts.operations import AccountError, create_token

    from flask_babel import force_locale

    try:
        with force_locale("en"):
            token = create_token(username, name, days)
    except AccountError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(token)


@click.command("revoke-token")
@click.argument("username", required=False)
@click.option("--name", default=None, help="only USERNAME's tokens with this name")
@click.option("--id", "token_id", default=None, type=int, help="the token id (as on the admin page)")
@with_appcontext
def revoke_token_cmd(username, name, token_id) -> None:
    """Revoke API tokens: one by --id, or USERNAME's (those named --name, else all)."""
    from .accounts.operations import AccountError, revoke_tokens

    from flask_babel import force_locale

    try:
        with force_locale("en"):
            count = revoke_tokens(token_id=token_id, username=username, name=name)
    except AccountError as exc:
        db.session.rollback()
        _fail(str(exc))
    if not count:
        _fail("no active token matched")
    db.session.commit()
    click.echo(f"revoked {count} token(s)")


@click.group("experts", cls=AppGroup)
def experts() -> None:
    """Manage the expert committee."""


@experts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_cmd(file: Path) -> None:
    """Import experts from CSV: name,title,affiliation,domains,expertise (domains ';'-separated)."""
    from .experts.operations import ImportError_, import_experts_csv

    try:
        report = import_experts_csv(file.read_bytes(), set(current_app.extensions["domains"]))
    except ImportError_ as exc:
        db.session.rollback()
        for line, message in exc.problems:
            click.echo(f"{file}:{line}: {message}", err=True)
        _fail(f"nothing imported: {len(exc.problems)} bad row(s)")
    db.session.commit()
    click.echo(f"created {len(report.created)}, updated {len(report.updated)}, "
               f"unchanged {len(report.unchanged)}")


@click.command("load-demo")
@click.option("--if-empty", is_flag=True, help="do nothing when the database already has users")
@with_appcontext
def load_demo(if_empty: bool) -> None:
    """Load the demo committee, departments and one login per role."""
    from .demo import load

    printed = load(if_empty=if_empty)
    db.session.commit()
    click.echo(printed)


@click.command("route")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--department", default=None, help="submitting department: its experts are conflicted")
@click.option("--top", "k", default=None, type=int, help="panel size (default REVIEW_PANEL_SIZE)")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines output (the default output)")
@with_appcontext
def route_cmd(files, department, k, as_json) -> None:
    """Propose an expert panel for each FILE against the experts in the database."""
    import json

    from .accounts.models import Department
    from .routing.operations import propose_for_draft
    from .submissions.parsing import parse_draft

    names: list[str] = []
    if department:
        dept = db.session.scalar(db.select(Department).where(
            db.or_(Department.name == department, Department.full_name == department)))
        names = dept.names() if dept else [department]
    k = k or int(current_app.config["PANEL_SIZE"])
    failed = 0
    for file in files:
        parsed = parse_draft(Path(file), file)
        if parsed["status"] == "failure":
            failed += 1
            reason = (parsed.get("errors") or [{}])[0].get("message", "unreadable")
            click.echo(json.dumps({"file": file, "status": "failure", "error": reason}, ensure_ascii=False))
            continue
        proposal = propose_for_draft(parsed, names, k=k)
        click.echo(json.dumps({"file": file, **proposal.to_dict()}, ensure_ascii=False))
    sys.exit(1 if failed else 0)


@click.command("remind")
@click.option("--today", default=None, help="ISO date to run for (default: today)")
@with_appcontext
def remind_cmd(today) -> None:
    """Send the day's reminders: N working days before the deadline, and overdue (run daily by cron)."""
    from datetime import date

    from .reviews.operations import due_reminders

    day = date.fromisoformat(today) if today else None
    sent = due_reminders(day)
    db.session.commit()
    click.echo(f"{sent} reminder(s) sent")
