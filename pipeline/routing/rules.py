"""Hard exclusion rules: conflicts of interest, inactivity, load and availability."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from datetime import date
from functools import lru_cache

from ..rubrics import organisation_aliases
from .model import EXCLUSION_CODES, ExpertProfile, Exclusion

_SPACE = re.compile(r"[\s()（）·・]+")
# A shorter affiliation would match too much ("医院" inside any department name).
MIN_REVERSE_MATCH = 3


@lru_cache(maxsize=65536)  # the same affiliations come back for every draft routed
def normalise(name: str) -> str:
    """Width, spaces and brackets folded; known long forms of bodies replaced by their canonical
    abbreviation (rubrics/organisations.toml), so 卫生健康委员会 and 卫健委 compare equal."""
    folded = _SPACE.sub("", unicodedata.normalize("NFKC", name or "")).lower()
    pattern, canonical = _aliases()
    return pattern.sub(lambda m: canonical[m.group()], folded) if canonical else folded


@lru_cache(maxsize=1)
def _aliases() -> tuple[re.Pattern, dict[str, str]]:
    pairs = organisation_aliases()
    canonical = {form.lower(): name.lower() for form, name in pairs}
    return re.compile("|".join(re.escape(form) for form in canonical)), canonical


def department_names(department: str | Sequence[str] | None) -> list[str]:
    """The submitting department's names (short and full), normalised, empties dropped."""
    if department is None:
        return []
    names = [department] if isinstance(department, str) else list(department)
    return [n for n in (normalise(x) for x in names) if n]


def names_match(org: str, names: list[str]) -> str | None:
    """The department name that ``org`` belongs to or contains, if any.

    ``滨海新区教育局教研室`` belongs to ``滨海新区教育局`` and to ``教育局``; an organisation of at least
    three characters inside a department name (``教育局`` vs ``滨海新区教育局``) matches too.
    """
    org_n = normalise(org)
    if not org_n:
        return None
    for name in names:
        if name in org_n or (len(org_n) >= MIN_REVERSE_MATCH and org_n in name):
            return name
    return None


def overlaps(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def exclusions(expert: ExpertProfile, *, department: list[str], drafters: Collection[int] = (),
               period: tuple[date, date] | None = None, check_load: bool = True) -> list[Exclusion]:
    """Every reason ``expert`` cannot review this draft; empty when eligible.

    ``department`` holds normalised names (see ``department_names``). ``check_load`` is off in batch
    assignment, where the solver itself keeps each expert within the remaining capacity.
    """
    why: list[Exclusion] = []
    hit = names_match(expert.affiliation, department) if department else None
    if hit:
        why.append(Exclusion("conflict_affiliation", f"affiliation {expert.affiliation} belongs to {hit}",
                             {"affiliation": expert.affiliation, "department": hit}))
    for declared in expert.conflict_departments:
        hit = names_match(declared, department) if department else None
        if hit:
            why.append(Exclusion("conflict_declared", f"declared a conflict with {declared}",
                                 {"department": declared}))
            break
    if expert.id in drafters:
        why.append(Exclusion("conflict_drafting", "took part in drafting this policy"))
    if not expert.active:
        why.append(Exclusion("inactive", "expert is inactive"))
    if check_load and expert.open_load >= expert.max_load:
        why.append(Exclusion("overloaded", f"{expert.open_load} open assignments, max {expert.max_load}",
                             {"load": expert.open_load, "max": expert.max_load}))
    if period is not None:
        for span in expert.unavailable:
            if overlaps(span, period):
                why.append(Exclusion("unavailable", f"unavailable {span[0].isoformat()} to {span[1].isoformat()}",
                                     {"start": span[0].isoformat(), "end": span[1].isoformat()}))
                break
    why.sort(key=lambda w: EXCLUSION_CODES.index(w.code))
    return why


def capacity(expert: ExpertProfile) -> int:
    """Assignments the expert can still take."""
    return max(0, expert.max_load - expert.open_load) if expert.active else 0
