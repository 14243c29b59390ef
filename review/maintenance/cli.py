"""Maintenance commands: ``audit verify``, ``backup``, ``restore``, ``storage check``,
``rotate-signing-key``."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from ..extensions import db


def register(app: Flask) -> None:
    for command in (audit, storage, backup_cmd, restore_cmd, rotate_signing_key):
        app.cli.add_command(command)


@click.group("audit", cls=AppGroup)
def audit() -> None:
    """The tamper-evident audit trail."""


@audit.command("verify")
@click.option("--sign", is_flag=True, help="when the trail verifies, sign its head and store the signature "
                                          "(run daily from cron)")
@with_appcontext
def audit_verify(sign: bool) -> None:
    """Check the hash chain, its signed heads, and the decisions and sheets against it (exit 1 = broken)."""
    from .integrity import seal_head, verify_all

    report = verify_all()
    for problem in report.problems:
        click.echo(f"BROKEN: {problem}")
    if not report.ok:
        db.session.rollback()
        sys.exit(1)
    click.echo(f"OK: {report.events} event(s) chained, head seq {report.head_seq} {report.head_hash[:16]}, "
               f"{report.seals} signed head(s), {report.decisions} decision(s), {report.sheets} sheet(s) checked")
    if sign and report.head_seq:
        seal = seal_head(report)
        db.session.commit()
        click.echo(f"signed head seq {seal.seq} with key {seal.key_id}")


@click.group("storage", cls=AppGroup)
def storage() -> None:
    """The upload and sheet folders."""


@storage.command("check")
@click.option("--fix", is_flag=True, help="delete orphan files older than the grace period (never rows)")
@click.option("--grace-minutes", default=60, show_default=True, type=click.IntRange(min=0),
              help="younger orphans may belong to a request still in progress")
@with_appcontext
def storage_check(fix: bool, grace_minutes: int) -> None:
    """Files no row names, and rows whose file is missing (exit 1 when anything is left to do)."""
    from .storage import check_storage

    report = check_storage(fix=fix, grace_seconds=grace_minutes * 60)
    removed = set(report.removed)
    for path in report.orphans:
        state = "removed" if path in removed else ("kept (younger than the grace period)" if fix else "orphan")
        click.echo(f"ORPHAN FILE: {path} {state}")
    for row in report.missing:
        click.echo(f"MISSING FILE: {row} (the row is kept: restore the file from a backup)")
    left = len(report.orphans) - len(report.removed)
    click.echo(f"{report.files} file(s) checked: {len(report.orphans)} orphan(s), {len(report.removed)} removed, "
               f"{len(report.missing)} row(s) without their file")
    sys.exit(1 if left or report.missing else 0)


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_cmd(dest: Path) -> None:
    """Copy the database (a consistent snapshot, while the app serves), uploads, sheets and keys
    into DEST (new or empty), with manifest.json of SHA-256 hashes."""
    from .backup import BackupError, backup

    try:
        report = backup(dest)
    except BackupError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    m = report.manifest
    click.echo(f"backup in {report.path}: {m['database']['engine']} database, {sum(m['rows'].values())} row(s), "
               f"{len(m['files']) - 1} file(s)")
    for name in report.missing:
        click.echo(f"warning: {name} is named by a row but was missing from the instance", err=True)
    sys.exit(1 if report.missing else 0)


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_cmd(src: Path) -> None:
    """Restore a backup into this instance, which must be empty; checks the manifest before and after."""
    from .backup import BackupError
    from .integrity import verify_all
    from .restore import restore

    try:
        report = restore(src)
    except BackupError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    problems = report.problems + [f"audit: {p}" for p in verify_all().problems]
    for problem in problems:
        click.echo(f"BROKEN: {problem}")
    click.echo(f"restored {sum(report.rows.values())} row(s) and {report.files} file(s) into "
               f"{current_app.instance_path}" + (": checks failed" if problems else ": manifest and audit trail verify"))
    sys.exit(1 if problems else 0)


@click.command("rotate-signing-key")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@with_appcontext
def rotate_signing_key(yes: bool) -> None:
    """Replace the sheet signing key; the old public key keeps verifying the sheets it signed."""
    from ..sheets import signing

    if not yes:
        click.confirm("New sheets will be signed with a new key. Continue?", abort=True)
    old, new = signing.rotate_keypair(current_app.config["KEY_DIR"])
    click.echo(f"signing key {new} in use; {old} retired (public key kept in "
               f"{Path(current_app.config['KEY_DIR']) / signing.RETIRED_DIR})")
