"""``flask --app wsgi registry import FOLDER --department NAME``: the inventory from the command line."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

registry_cli = AppGroup("registry", help="The registry of health-related policies (健康相关政策台账).")


def register(app: Flask) -> None:
    app.cli.add_command(registry_cli)


@registry_cli.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--department", required=True, help="the department's name or full name")
def import_cmd(folder: Path, department: str) -> None:
    """Read every .docx, .pdf, .txt (and the documents in every .zip) under FOLDER into the registry.

    Prints one JSON line per file: {id, file, title, department, status, impact_level, yes_count};
    a file that cannot be read has id null, status "failure" and an error code."""
    from ..accounts.models import Department
    from ..extensions import db
    from .inventory import DOCUMENT_EXTENSIONS, ZIP_EXTENSIONS, Limits, documents, import_document
    from .operations import RegistryError

    dep = db.session.scalar(db.select(Department).where(
        (Department.name == department) | (Department.full_name == department)))
    if dep is None:
        click.echo(f"error: no department named {department}", err=True)
        sys.exit(1)
    limits = Limits.from_config()
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
                   and p.suffix.lower() in DOCUMENT_EXTENSIONS | ZIP_EXTENSIONS)
    for path in paths:
        rel = str(path.relative_to(folder))
        if path.suffix.lower() in DOCUMENT_EXTENSIONS:
            items = [(rel, path)]
        else:
            items = _zip_items(path, rel, limits, documents)
        try:
            for name, doc_path in items:
                row = import_document(dep.id, None, name, doc_path)
                db.session.commit()
                click.echo(json.dumps(row, ensure_ascii=False))
        except RegistryError as exc:
            db.session.rollback()
            click.echo(json.dumps({"id": None, "file": rel, "title": "", "department": dep.display,
                                   "status": "failure", "impact_level": "", "yes_count": 0, "error": exc.code},
                                  ensure_ascii=False))


def _zip_items(path: Path, rel: str, limits, documents):
    """The zip's documents, named zip/member; written next to the uploads and removed after each one."""
    from ..submissions import storage

    saved = storage.save_upload(path.read_bytes(), path.name)
    try:
        for name, member_path in documents([{"name": rel, "key": saved.storage_key, "zip": True}], limits):
            yield f"{rel}/{name}", member_path
    finally:
        saved.path.unlink(missing_ok=True)
