"""Screening benchmark: does the automatic screening discriminate, on a labelled folder of real texts?

    .venv/bin/python benchmarks/bench_screening.py [CORPUS] [--pdfs DIR] [--no-routing]

CORPUS (default ../shared/corpus/laws beside the checkout) holds .txt files and labels.json
{file: {title, class, domains}}: class H is clearly health-relevant (domains: the panel must cover them,
primary first), class P pure procedure. The files of each class are split by sorted name into a dev half
(even positions: read while writing the rules) and a held-out half (odd positions: only measured); every
figure is printed for both halves and for all.

Goals: P at 重大 <= 10 %, P with any 是 <= 30 %, H at 重大 >= 95 %, top-domain accuracy >= 0.95
(domain@1 as benchmarks/bench_routing.py counts it: the first domain routing ranks for the draft, after
the pipeline's screening, is one of the labelled domains; the screening's own first domain is printed
too). --pdfs DIR: for each NAME.pdf (or NAME-cid.pdf) with a NAME.docx beside it, the share whose clause lists agree.
Timing: the pipeline per document against plain jieba segmentation of the same texts (the raw baseline),
measured in the same run. The machine may be shared, so timings are noisy.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import run_file  # noqa: E402
from pipeline.stages.normalize import matchable  # noqa: E402

GOALS = {"p_major": 0.10, "p_any_yes": 0.30, "h_major": 0.95, "top_domain": 0.95}


def default_corpus() -> Path:
    beside = ROOT.parent / "shared/corpus/laws"
    return beside if beside.exists() else Path("/work/shared/corpus/laws")


def split(labels: dict) -> dict[str, set[str]]:
    halves: dict[str, set[str]] = {"dev": set(), "held-out": set()}
    for cls in sorted({v["class"] for v in labels.values()}):
        names = sorted(n for n, v in labels.items() if v["class"] == cls)
        halves["dev"].update(names[0::2])
        halves["held-out"].update(names[1::2])
    return halves


def router():
    """propose_panel against the demo committee, as bench_routing does; None when unavailable."""
    try:
        from bench_routing import NEUTRAL, load_committee
        from pipeline.routing import ExpertIndex, propose_panel
    except ImportError as exc:
        print(f"(routing unavailable: {exc}; top-domain from the screening only)")
        return None
    index = ExpertIndex(load_committee())
    return lambda draft: [d["code"] for d in propose_panel(draft, index, department=NEUTRAL).to_dict()["domains"]]


def share(part: int, whole: int) -> str:
    return f"{part / whole:6.1%} ({part}/{whole})" if whole else "   n/a"


def report(name: str, rows: list[dict], qids: list[str]) -> None:
    h = [r for r in rows if r["class"] == "H"]
    p = [r for r in rows if r["class"] == "P"]
    print(f"\n== {name}: {len(h)} H, {len(p)} P ==")
    print(f"P at 重大:        {share(sum(r['level'] == 'major' for r in p), len(p))}   goal <= {GOALS['p_major']:.0%}")
    print(f"P with any 是:    {share(sum(r['yes'] > 0 for r in p), len(p))}   goal <= {GOALS['p_any_yes']:.0%}")
    print(f"P at 轻微:        {share(sum(r['level'] == 'minor' for r in p), len(p))}")
    print(f"H at 重大:        {share(sum(r['level'] == 'major' for r in h), len(h))}   goal >= {GOALS['h_major']:.0%}")
    print(f"H at 轻微:        {share(sum(r['level'] == 'minor' for r in h), len(h))}")
    routed = [r for r in h if r["routed"] is not None]
    if routed:
        ok = sum(r["routed"] in r["domains"] for r in routed)
        print(f"top-domain accuracy (routing domain@1): {ok / len(routed):.3f} ({ok}/{len(routed)})   "
              f"goal >= {GOALS['top_domain']}")
    ok = sum(r["screened"] in r["domains"] for r in h)
    print(f"top-domain accuracy (screening alone):  {ok / len(h):.3f} ({ok}/{len(h)})" if h else "")
    print("per question 是 rate:  " + "  ".join(f"{q:>4s}" for q in qids))
    for cls, group in (("H", h), ("P", p)):
        if group:
            rates = [sum(r["answers"][q] == "是" for r in group) / len(group) for q in qids]
            print(f"                   {cls}  " + "  ".join(f"{x:4.0%}" for x in rates))


def pdf_agreement(folder: Path) -> None:
    # NAME.pdf and NAME-cid.pdf (another font encoding of the same text) against NAME.docx
    pairs = [(pdf, folder / (pdf.stem.removesuffix("-cid") + ".docx")) for pdf in sorted(folder.glob("*.pdf"))]
    pairs = [(pdf, docx) for pdf, docx in pairs if docx.exists()]
    same = 0
    for pdf, docx in pairs:
        a, b = run_file(pdf).document, run_file(docx).document
        clauses = [[matchable(c.text) for c in d.clauses] if d else None for d in (a, b)]
        agree = clauses[0] is not None and clauses[0] == clauses[1]
        same += agree
        print(f"  {pdf.name:45s} {'same clauses' if agree else 'DIFFERENT'}")
    print(f"PDF/DOCX clause agreement: {share(same, len(pairs))}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", type=Path, default=default_corpus())
    ap.add_argument("--pdfs", type=Path, help="folder of NAME.pdf / NAME-cid.pdf with NAME.docx beside them")
    ap.add_argument("--no-routing", action="store_true", help="skip the routing domain@1 figure")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per document")
    args = ap.parse_args()
    labels = json.loads((args.corpus / "labels.json").read_text(encoding="utf-8"))
    halves = split(labels)
    route = None if args.no_routing else router()

    import jieba
    jieba.setLogLevel(logging.WARNING)
    texts = {n: (args.corpus / n).read_text(encoding="utf-8") for n in labels}
    run_file(args.corpus / next(iter(labels)))  # warm-up: dictionaries load once per process
    jieba.initialize()

    rows, pipeline_s = [], 0.0
    for name, label in sorted(labels.items()):
        t0 = time.perf_counter()
        result = run_file(args.corpus / name)
        pipeline_s += time.perf_counter() - t0
        s = result.document.screening
        draft = result.to_dict()
        row = {"name": name, "class": label["class"], "domains": label.get("domains") or [],
               "level": s.impact_level, "yes": s.yes_count, "answers": {q.id: q.answer for q in s.questions},
               "screened": s.domains[0]["code"] if s.domains else None,
               "routed": (route(draft) or [None])[0] if route and label["class"] == "H" else None}
        rows.append(row)
        if args.verbose:
            marks = "".join({"是": "Y", "不知道": "?", "否": "."}[a] for a in row["answers"].values())
            half = "dev" if name in halves["dev"] else "held"
            print(f"{half:4s} {label['class']} {name:14s} {marks} {row['level']:5s} "
                  f"routed={row['routed']} screened={row['screened']}  {label.get('title', '')}")
    t0 = time.perf_counter()
    for text in texts.values():
        jieba.lcut(text, HMM=False)
    baseline_s = time.perf_counter() - t0

    qids = list(rows[0]["answers"]) if rows else []
    for half in ("dev", "held-out"):
        report(half, [r for r in rows if r["name"] in halves[half]], qids)
    report("all", rows, qids)
    chars = sum(len(t) for t in texts.values())
    print(f"\ntiming: pipeline (read, structure, screening) {pipeline_s:.2f} s for {len(rows)} documents "
          f"({chars:,} characters); plain jieba segmentation of the same texts {baseline_s:.2f} s; "
          f"ratio {pipeline_s / baseline_s:.1f}x  (shared machine: noisy)")
    if args.pdfs:
        print()
        pdf_agreement(args.pdfs)


if __name__ == "__main__":
    main()
