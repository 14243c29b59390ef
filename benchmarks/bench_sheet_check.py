"""Cost of checking a sheet PDF in the sandboxed child, against reading its payload in-process
(the raw baseline, what the web worker used to do), and what an xref-stream bomb does to the
calling process.

    .venv/bin/python benchmarks/bench_sheet_check.py [--runs 5] [--bomb-mb 1500]

Builds its own instance in a temporary folder (one approved submission, one issued sheet).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bomb-mb", type=int, default=1500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["REVIEW_INSTANCE_PATH"] = str(Path(tmp) / "instance")
        from review import create_app
        from review.extensions import db

        app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
        with app.app_context():
            db.create_all()
            from review.sheets import operations as ops
            from review.sheets.render_pdf import read_payload
            from tests.sheets.builders import Committee
            from tests.sheets.forgeries import xref_bomb

            committee = Committee()
            sheet, _ = ops.issue_sheet(committee.office, committee.decided("approve"))
            db.session.commit()
            pdf = ops.sheet_path(sheet.pdf_key).read_bytes()
            base = _median_ms(lambda: read_payload(pdf), args.runs)
            cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            child = _median_ms(lambda: ops.check_sheet_pdf(pdf), args.runs)
            cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            child_cpu = ((cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)) * 1000 / args.runs
            print(f"sheet PDF {len(pdf) / 1024:.0f} KB, median of {args.runs}")
            print(f"  in-process payload read (raw baseline)   {base:8.1f} ms")
            print(f"  check_sheet_pdf (child: payload + text)  {child:8.1f} ms   ratio {child / base:.1f}"
                  f"   (child CPU {child_cpu:.0f} ms per check)")
            bomb = xref_bomb(args.bomb_mb)
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            start = time.perf_counter()
            check = ops.check_sheet_pdf(bomb)
            took = time.perf_counter() - start
            grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
            print(f"xref bomb {len(bomb) / 1024:.0f} KB inflating to {args.bomb_mb} MB "
                  f"(child limit {app.config['PARSE_MEMORY_MB']} MB):")
            print(f"  verdict {check.verdict} ({', '.join(check.problems)}) in {took:.1f} s; "
                  f"calling process peak RSS grew {grown:.0f} MB")
            db.session.remove()
            db.drop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
