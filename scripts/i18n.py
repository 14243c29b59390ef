"""Maintain the Chinese catalog: extract messages, merge, report what is untranslated.

    python scripts/i18n.py update            # extract + merge into zh_CN, list untranslated ids
    python scripts/i18n.py fill FILE.json    # set msgstr from {"msgid": "译文"}
    python scripts/i18n.py compile           # build the .mo files the app reads
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "review" / "translations"
PO = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


def update() -> None:
    pot = ROOT / "build" / "messages.pot"
    pot.parent.mkdir(exist_ok=True)
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-location",
             "--sort-output", "-o", str(pot), ".")
    _pybabel("update", "-i", str(pot), "-d", str(TRANSLATIONS), "-l", "zh", "--no-fuzzy-matching",
             "--ignore-obsolete")
    for message in untranslated():
        print(json.dumps(message, ensure_ascii=False))


def untranslated() -> list[str]:
    with open(PO, "rb") as fh:
        catalog = read_po(fh)
    return [m.id for m in catalog if m.id and not m.string]


def fill(path: str) -> None:
    table = json.loads(Path(path).read_text(encoding="utf-8"))
    with open(PO, "rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        if message.id and message.id in table:
            message.string = table[message.id]
            message.flags.discard("fuzzy")
    with open(PO, "wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False)
    left = untranslated()
    print(f"{len(left)} untranslated")


def compile_() -> None:
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with open(po, "rb") as fh:
            catalog = read_po(fh)
        with open(po.with_suffix(".mo"), "wb") as fh:
            write_mo(fh, catalog)


if __name__ == "__main__":
    {"update": update, "compile": compile_, "fill": lambda: fill(sys.argv[2])}[sys.argv[1]]()
