"""Sheet commands.

``flask --app wsgi verify-sheet FILE.pdf [--public-key KEY.pem] [--revocations LIST.json]`` checks a
sheet without the database. Exit status:

0  authentic: signed by the committee and the page shows what was signed (and, with --revocations,
   not revoked or superseded as of the list's date)
1  not issued by this committee (no valid signature of this key)
3  the signature is genuine but the file was modified
4  authentic, but revoked or superseded according to the revocation list
5  the check could not be made (unreadable file, missing key, revocation list not trusted)
(2 is click's usage error.)

``flask --app wsgi sheets export-revocations OUT.json`` writes the signed revocation list.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

EXIT_AUTHENTIC, EXIT_NOT_ISSUED, EXIT_MODIFIED, EXIT_REVOKED, EXIT_ERROR = 0, 1, 3, 4, 5


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_ERROR)


@click.command("verify-sheet")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", "public_key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM public key (from the verification page); default: this instance's key.")
@click.option("--revocations", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Signed revocation list (flask sheets export-revocations); verified with the same key.")
@with_appcontext
def verify_sheet(pdf: Path, public_key: Path | None, revocations: Path | None) -> None:
    """Check a sheet PDF without the database: signature, page content, later edits."""
    with force_locale(str(current_app.config.get("DEFAULT_LOCALE") or "zh_CN")):
        _verify_sheet(pdf, public_key, revocations)


def _verify_sheet(pdf: Path, public_key: Path | None, revocations: Path | None) -> None:
    from . import signing
    from .checks import check_pdf_offline
    from .revocations import RevocationListError, load_revocations

    if public_key is not None:
        pem = public_key.read_bytes()
    else:
        path = Path(current_app.config["KEY_DIR"]) / signing.PUBLIC_NAME
        if not path.is_file():
            _fail(f"no public key in {path.parent}; pass --public-key")
        pem = path.read_bytes()
    try:
        signing.load_public_key(pem)
        listed = load_revocations(revocations, pem) if revocations is not None else None
    except (signing.KeyError_, RevocationListError) as exc:
        _fail(str(exc))
    result = check_pdf_offline(pdf.read_bytes(), pem)
    if result.facts:
        click.echo(json.dumps(result.facts, ensure_ascii=False, indent=2, sort_keys=True))
    serial = str(result.facts.get("serial", ""))
    click.echo(f"VERDICT: {result.verdict.upper()} — {result.verdict_label()}")
    for message in result.messages():
        click.echo(f"  - {message}")
    if result.verdict == "unreadable":
        sys.exit(EXIT_ERROR)
    if result.verdict == "not_issued":
        sys.exit(EXIT_NOT_ISSUED)
    if result.verdict == "modified":
        sys.exit(EXIT_MODIFIED)
    if not result.seal_valid:  # a sheet from before the file seal
        click.echo(_("Checked without the register: the signature and the page agree; whether the bytes are "
                     "those of the issued file is known only against the register."))
    if listed is None:
        click.echo("STATUS: UNKNOWN — " + _("Revocation and supersession cannot be known without the register: "
                                            "verify online, or pass --revocations with a current list."))
        sys.exit(EXIT_AUTHENTIC)
    entry = listed.entries.get(serial)
    if entry is None:
        click.echo("STATUS: NOT LISTED — " + _("Neither revoked nor superseded as of %(when)s (revocation list).",
                                                when=listed.generated_at))
        sys.exit(EXIT_AUTHENTIC)
    if entry["status"] == "revoked":
        click.echo("STATUS: REVOKED — " + _("Revoked on %(date)s: %(reason)s", date=entry.get("revoked_at", "")[:10],
                                             reason=entry.get("reason", "")))
    else:
        click.echo("STATUS: SUPERSEDED — " + _("Superseded by %(serial)s.", serial=entry.get("superseded_by", "")))
    sys.exit(EXIT_REVOKED)


sheets = AppGroup("sheets", help="Opinion sheets: the signed revocation list.")


@sheets.command("export-revocations")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_revocations(out: Path) -> None:
    """Write the signed list of revoked and superseded sheets (for offline verify-sheet)."""
    from .revocations import build_revocations

    body = build_revocations()
    out.write_text(json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    click.echo(f"wrote {len(body['sheets'])} revoked or superseded sheet(s) to {out} (key {body['key_id']})")


def register(app) -> None:
    """Add the sheet commands to the app's CLI."""
    app.cli.add_command(verify_sheet)
    app.cli.add_command(sheets)
