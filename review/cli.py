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
    app.cli.add_command(experts)
    app.cli.add_command(load_demo)
    from .sheets.cli import register as register_sheet_commands

    register_sheet_commands(app)


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
    from .accounts.operations import AccountError, create_user

    try:
        user = create_user(username, role, password, department=department, expert_name=expert_name,
                           email=email, display_name=display_name)
    except AccountError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"created user {user.username} ({user.role.value})")


@click.command("create-token")
@click.argument("username")
@click.option("--label", default="")
@with_appcontext
def create_token_cmd(username, label) -> None:
    """Print a new API bearer token for USERNAME (shown once, stored hashed)."""
    from .accounts.operations import AccountError, create_token

    try:
        token = create_token(username, label)
    except AccountError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(token)


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
