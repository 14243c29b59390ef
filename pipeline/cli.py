"""Command line: ``python -m pipeline parse FILE [FILE ...] --json [--timeout S] [--memory BYTES]``.

Each file is parsed in its own child process with limits; one JSON object per file (JSON Lines).
Exit status 0 only when every file succeeded."""
from __future__ import annotations

import argparse
import json
import sys

from .document import SUCCESS
from .isolate import DEFAULT_MEMORY, DEFAULT_TIMEOUT, child_main, run_file_isolated


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_child"] and len(argv) in (4, 5):  # internal: the isolated worker
        return child_main(argv[1], int(argv[2]), int(argv[3]), *(int(a) for a in argv[4:]))
    parser = argparse.ArgumentParser(prog="python -m pipeline", description="Read and screen policy drafts.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="parse .docx/.pdf/.txt files")
    p.add_argument("files", nargs="+")
    p.add_argument("--json", action="store_true", help="print one JSON object per file (JSON Lines)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds per file (default {DEFAULT_TIMEOUT:g})")
    p.add_argument("--memory", type=int, default=DEFAULT_MEMORY, help="bytes of address space per file (default 1 GiB)")
    args = parser.parse_args(argv)
    ok = True
    for name in args.files:
        result = run_file_isolated(name, timeout=args.timeout, memory=args.memory)
        ok = ok and result.status == SUCCESS
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
        else:
            print(_summary(result), flush=True)
    return 0 if ok else 1


def _summary(result) -> str:
    if result.document is None:
        reason = "; ".join(f"{e.code}: {e.message}" for e in result.errors)
        return f"{result.file}\t{result.status}\t{reason}"
    doc = result.document
    top = ",".join(d["code"] for d in (doc.screening.domains[:3] if doc.screening else []))
    return (f"{result.file}\t{result.status}\t{result.format}\t{doc.title}\t"
            f"{len(doc.headings)} headings\t{len(doc.clauses)} clauses\tdomains={top}")
