"""Clause-level diff between two rounds of a draft (or a draft and its approved version).

difflib aligns the clause sequences; inside each differing stretch, old and new clauses are
paired by path and text similarity, so an edited clause shows as "changed", not removed+added.
"""
from __future__ import annotations

import difflib
from typing import Any

from .stages.normalize import matchable

SIMILAR = 0.5


def _get(clause: Any, key: str):
    return clause.get(key) if isinstance(clause, dict) else getattr(clause, key)


def _item(op: str, old=None, new=None) -> dict:
    return {
        "op": op,
        "path": _get(new, "path") if new is not None else _get(old, "path"),
        "before": _get(old, "text") if old is not None else None,
        "after": _get(new, "text") if new is not None else None,
        "old_id": _get(old, "id") if old is not None else None,
        "new_id": _get(new, "id") if new is not None else None,
    }


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _pair(olds: list, news: list, okeys: list[str], nkeys: list[str]) -> list[dict]:
    """Pair the clauses of one differing stretch; keep the new document's order."""
    candidates = []
    for i, o in enumerate(olds):
        for j, n in enumerate(news):
            score = _similarity(okeys[i], nkeys[j])
            if _get(o, "path") == _get(n, "path") and _get(o, "path"):
                score += 0.2  # same place in the outline: likely the same clause
            if score >= SIMILAR:
                candidates.append((score, i, j))
    candidates.sort(key=lambda c: -c[0])
    used_o, used_n, match = set(), set(), {}
    for _, i, j in candidates:
        if i not in used_o and j not in used_n:
            used_o.add(i)
            used_n.add(j)
            match[j] = i
    out, next_old = [], 0

    def flush(upto: int) -> None:
        nonlocal next_old
        for i in range(next_old, upto):
            if i not in used_o:
                out.append(_item("removed", old=olds[i]))
        next_old = max(next_old, upto)

    matched_olds = sorted(match.values())
    for j, n in enumerate(news):
        if j in match:
            i = match[j]
            flush(i)  # clauses removed before this one are reported in place
            next_old = max(next_old, i + 1)
            out.append(_item("unchanged" if okeys[i] == nkeys[j] else "changed", olds[i], n))
        else:
            # old text replaced by new text: show the removal first, as a unified diff does
            later = [i for i in matched_olds if i >= next_old]
            flush(later[0] if later else len(olds))
            out.append(_item("added", new=n))
    flush(len(olds))
    return out


def diff_clauses(old_clauses: list, new_clauses: list) -> list[dict]:
    """Items {op, path, before, after, old_id, new_id}; op is added | removed | changed | unchanged.

    Clauses may be pipeline Clause objects or their dicts. Whitespace, full-width forms and quote
    styles do not count as changes."""
    okeys = [matchable(_get(c, "text")) for c in old_clauses]
    nkeys = [matchable(_get(c, "text")) for c in new_clauses]
    sm = difflib.SequenceMatcher(None, okeys, nkeys, autojunk=False)
    out: list[dict] = []
    for op, a1, a2, b1, b2 in sm.get_opcodes():
        if op == "equal":
            out.extend(_item("unchanged", old_clauses[a1 + k], new_clauses[b1 + k]) for k in range(a2 - a1))
        else:
            out.extend(_pair(old_clauses[a1:a2], new_clauses[b1:b2], okeys[a1:a2], nkeys[b1:b2]))
    return out


def char_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Character-level changes from ``before`` to ``after`` as (op, text) runs, op = equal | delete | insert.

    diff-match-patch's semantic cleanup merges the scattered one-character matches of a character
    diff and slides each change to punctuation, so a change reads the way a word-level diff does
    (Chinese has no spaces to split words on)."""
    from diff_match_patch import diff_match_patch

    dmp = diff_match_patch()
    dmp.Diff_Timeout = 1.0  # seconds; a clause is short, this only bounds a pathological input
    runs = dmp.diff_main(before or "", after or "")
    dmp.diff_cleanupSemantic(runs)
    names = {0: "equal", -1: "delete", 1: "insert"}
    return [(names[op], text) for op, text in runs if text]
