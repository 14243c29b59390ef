"""Sheet commands: ``flask --app wsgi verify-sheet FILE.pdf [--public-key KEY.pem]``."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("verify-sheet")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", "public_key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PEM public key (from the verification page); default: this instance's key.")
@with_appcontext
def verify_sheet(pdf: Path, public_key: Path | None) -> None:
    """Check a sheet PDF's embedded facts and signature without the database (exit 0 = authentic)."""
    from . import signing
    from .checks import check_pdf_offline

    if public_key is not None:
        pem = public_key.read_bytes()
    else:
        path = Path(current_app.config["KEY_DIR"]) / signing.PUBLIC_NAME
        if not path.is_file():
            click.echo(f"error: no public key in {path.parent}; pass --public-key", err=True)
            sys.exit(1)
        pem = path.read_bytes()
    try:
        result = check_pdf_offline(pdf.read_bytes(), pem)
    except signing.KeyError_ as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(json.dumps(result.facts, ensure_ascii=False, indent=2, sort_keys=True))
    if result.embedded and result.signature_valid:
        click.echo(f"AUTHENTIC: {result.facts.get('serial')} is signed by key {result.facts.get('key_id')}")
        sys.exit(0)
    click.echo("NOT AUTHENTIC: " + "; ".join(result.problems or ["the signature does not verify"]))
    sys.exit(1)


def register(app) -> None:
    """Add the sheet commands to the app's CLI."""
    app.cli.add_command(verify_sheet)
