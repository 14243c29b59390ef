"""Fidelity of the reading pipeline on the reference fixtures.

For every document NAME in the fixtures folder (NAME.docx, NAME-numbered.docx, NAME.pdf,
NAME-cid.pdf) and its source text drafts/NAME.txt, print:
  - whether the four variants give the same top-level heading paths and texts;
  - coverage: share of the source characters (whitespace and heading numbers ignored) found, in
    order, in the title, heading and clause texts (goal ≥ 98%);
  - verbatim: share of clauses that appear verbatim in the source (goal ≥ 95%);
  - clauses: whether the variant gives the same clause list (path, kind, text) as NAME.docx, and
    the share of PDFs that do (goal ≥ 95%; benchmarks/pdf_agreement.py measures it on many more
    generated layouts).
Also, with --labels, the screening top-1 domain accuracy on labels.json.

usage: python benchmarks/fidelity.py [CORPUS_DIR] [--labels]
"""
from __future__ import annotations

import difflib
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.run import run_file  # noqa: E402
from pipeline.stages.structure import match_heading  # noqa: E402

VARIANTS = ("{}.docx", "{}-numbered.docx", "{}.pdf", "{}-cid.pdf")
_WS = re.compile(r"\s+")


def squash(text: str) -> str:
    return _WS.sub("", text)


def source_text(path: Path) -> tuple[str, str]:
    """(source without whitespace, source without whitespace and heading numbers)."""
    full, bare = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        full.append(squash(line))
        found = match_heading(line)
        bare.append(squash(found[2] if found else line))
    return "".join(full), "".join(bare)


def document_order(doc) -> list[str]:
    """Heading and clause texts interleaved as in the document; a heading that opens its own
    clause ("（一）指导思想。以……") is counted once, inside the clause."""
    texts, h = [], 0
    for i, clause in enumerate(doc.clauses + [None]):
        while h < len(doc.headings) and doc.headings[h].clause_index <= i:
            head = doc.headings[h]
            if clause is None or not (clause.path == head.path and clause.text.startswith(head.text)):
                texts.append(head.text)
            h += 1
        if clause is not None and clause.kind != "table":
            texts.append(clause.text)
    return texts


def coverage(source: str, output: str) -> float:
    sm = difflib.SequenceMatcher(None, source, output, autojunk=False)
    matched = sum(block.size for block in sm.get_matching_blocks())
    return matched / max(1, len(source))


def measure(corpus: Path) -> bool:
    fixtures, drafts = corpus / "fixtures", corpus / "drafts"
    names = sorted({p.name[:-5] for p in fixtures.glob("*.docx") if not p.name.endswith("-numbered.docx")})
    all_ok = True
    print(f"{'file':48} {'status':8} {'top-level':9} {'coverage':>8} {'verbatim':>8} clauses")
    pdf_same = pdf_total = 0
    for name in names:
        src_full, src_bare = source_text(drafts / f"{name}.txt")
        tops = {}
        reference = None
        for pattern in VARIANTS:
            path = fixtures / pattern.format(name)
            result = run_file(path)
            doc = result.document
            if doc is None:
                print(f"{path.name:48} {result.status:8} {result.errors}")
                all_ok = False
                continue
            tops[path.name] = [(h.path, h.text) for h in doc.headings if h.level == 1]
            output = squash(doc.title + "".join(document_order(doc)))
            cov = coverage(src_bare, output)
            clauses = [c for c in doc.clauses if c.kind != "table"]
            verbatim = sum(1 for c in clauses if squash(c.text) in src_full) / max(1, len(clauses))
            same = tops[path.name] == next(iter(tops.values()))
            listed = [(c.path, c.kind, squash(c.text)) for c in doc.clauses]
            reference = listed if reference is None else reference
            same_clauses = listed == reference
            if path.suffix == ".pdf":
                pdf_total += 1
                pdf_same += same_clauses
            all_ok &= same and cov >= 0.98 and verbatim >= 0.95
            print(f"{path.name:48} {result.status:8} {'same' if same else 'DIFFERS':9} {cov:8.2%} {verbatim:8.2%} "
                  f"{'same' if same_clauses else 'DIFFERS'}")
            if not same:
                ref = next(iter(tops.values()))
                print("    reference:", ref)
                print("    this     :", tops[path.name])
    share = pdf_same / max(1, pdf_total)
    print(f"PDFs with the clause list of their DOCX: {pdf_same}/{pdf_total} = {share:.0%} (goal ≥ 95%)")
    return all_ok and share >= 0.95


def labels_accuracy(corpus: Path) -> float:
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    hits = first_ranks = 0
    reciprocal = 0.0
    print(f"\n{'document':44} {'top-1':20} {'ok':3} rank-of-first-label")
    for rel, codes in labels.items():
        doc = run_file(corpus / rel).document
        ranking = [d["code"] for d in doc.screening.domains]
        ok = bool(ranking) and ranking[0] in codes
        rank = ranking.index(codes[0]) + 1 if codes[0] in ranking else None
        hits += ok
        first_ranks += rank == 1
        reciprocal += 1 / rank if rank else 0.0
        print(f"{rel:44} {ranking[0] if ranking else '-':20} {'yes' if ok else 'NO':3} {rank}")
    acc = hits / len(labels)
    print(f"top-1 in labels: {hits}/{len(labels)} = {acc:.1%}; first label ranked first: {first_ranks}/{len(labels)}; "
          f"mean reciprocal rank of the first label: {reciprocal / len(labels):.3f}")
    return acc


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    corpus = Path(args[0]) if args else Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    ok = measure(corpus)
    if "--labels" in sys.argv:
        ok &= labels_accuracy(corpus) >= 0.9
    sys.exit(0 if ok else 1)
