"""Loading and validating the rubric data files in ``rubrics/``.

The rubrics are data, not code: a broken file must stop the application (or the command line)
with a message naming the file and what is wrong, never with a KeyError deep in a request.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jsonschema

RUBRICS_DIR = Path(__file__).resolve().parent.parent / "rubrics"


class RubricError(Exception):
    """A rubric file is missing, unreadable or does not match its schema."""


@dataclass(frozen=True)
class Domain:
    code: str
    zh: str
    en: str
    description: str


_DOMAINS_SCHEMA = {
    "type": "object",
    "required": ["version", "domain"],
    "properties": {
        "version": {"type": "integer"},
        "domain": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["code", "zh", "en", "description"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "pattern": "^[a-z][a-z_]*$"},
                    "zh": {"type": "string", "minLength": 1},
                    "en": {"type": "string", "minLength": 1},
                    "description": {"type": "string", "minLength": 1},
                },
            },
        },
    },
}


def load_toml(path: Path, schema: dict) -> dict:
    """Read a TOML rubric file and validate it against a JSON schema."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise RubricError(f"rubric file missing: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"rubric file {path} is not valid TOML: {exc}") from None
    try:
        jsonschema.validate(data, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        raise RubricError(f"rubric file {path}: at {where}: {exc.message}") from None
    return data


def load_domains(path: Path | None = None) -> tuple[Domain, ...]:
    """The committee domain taxonomy, in file order. Codes must be unique."""
    path = path or RUBRICS_DIR / "domains.toml"
    data = load_toml(path, _DOMAINS_SCHEMA)
    seen: set[str] = set()
    domains = []
    for item in data["domain"]:
        if item["code"] in seen:
            raise RubricError(f"rubric file {path}: domain code {item['code']!r} appears twice")
        seen.add(item["code"])
        domains.append(Domain(**item))
    return tuple(domains)


@lru_cache(maxsize=1)
def domains() -> tuple[Domain, ...]:
    """The default taxonomy, loaded once per process."""
    return load_domains()


def domain_codes() -> tuple[str, ...]:
    return tuple(d.code for d in domains())


# --- screening rubric (rubrics/screening.toml) ---------------------------------------------

@dataclass(frozen=True)
class LexiconEntry:
    term: str
    weight: float
    domain: str
    determinant: str  # "category.item"
    questions: tuple[str, ...]
    sense: str = ""  # the health sense of the term (its group's)
    support: bool = False  # tags a domain, never alone evidence for a question
    not_in: tuple[str, ...] = ()  # strings in which the term has a non-health sense


@dataclass(frozen=True)
class Pathway:
    """What makes a clause act, and what makes it procedure (see docs/screening.md)."""

    action_verbs: tuple[str, ...]
    procedural_headings: frozenset[str]
    procedural_patterns: tuple[re.Pattern, ...]
    enumeration_min: int


@dataclass(frozen=True)
class ScreeningRubric:
    questions: tuple[tuple[str, str], ...]  # (id, zh topic)
    determinants: dict[str, tuple[str, str]]  # "category.item" → (category zh, item zh)
    populations: tuple[tuple[str, str, tuple[str, ...]], ...]  # (code, zh, terms)
    lexicon: tuple[LexiconEntry, ...]
    rules: dict
    outcomes: dict[str, str] = field(default_factory=dict)  # question id → zh health outcome
    pathway: Pathway | None = None


_ID = {"type": "string", "pattern": "^[a-z][a-z_]*$"}
_TEXT = {"type": "string", "minLength": 1}
_TEXTS = {"type": "array", "items": _TEXT}
_SCREENING_SCHEMA = {
    "type": "object",
    "required": ["version", "rules", "pathway", "question", "determinant", "population", "lexicon"],
    "properties": {
        "version": {"type": "integer"},
        "rules": {
            "type": "object",
            "required": ["yes_clauses", "strong_term", "major_impact_yes", "core_clauses", "minor_unknown", "clause_cap",
                         "title_boost", "reasons"],
            "additionalProperties": False,
            "properties": {
                "yes_clauses": {"type": "integer", "minimum": 1},
                "strong_term": {"type": "number", "exclusiveMinimum": 0},
                "major_impact_yes": {"type": "integer", "minimum": 1},
                "core_clauses": {"type": "integer", "minimum": 1},
                "minor_unknown": {"type": "integer", "minimum": 1},
                "clause_cap": {"type": "number", "exclusiveMinimum": 0},
                "title_boost": {"type": "number", "minimum": 0},
                "reasons": {"type": "integer", "minimum": 1},
            },
        },
        "pathway": {
            "type": "object",
            "required": ["action_verbs", "procedural_headings", "procedural_patterns", "enumeration_min"],
            "additionalProperties": False,
            "properties": {
                "action_verbs": {**_TEXTS, "minItems": 1},
                "procedural_headings": _TEXTS,
                "procedural_patterns": _TEXTS,
                "enumeration_min": {"type": "integer", "minimum": 2},
            },
        },
        "question": {
            "type": "array", "minItems": 1,
            "items": {"type": "object", "required": ["id", "zh", "outcome"], "additionalProperties": False,
                      "properties": {"id": {"type": "string", "pattern": "^Q[0-9]+$"},
                                     "zh": _TEXT, "outcome": _TEXT, "en": {"type": "string"}}},
        },
        "determinant": {
            "type": "array", "minItems": 1,
            "items": {"type": "object", "required": ["code", "zh", "items"], "additionalProperties": False,
                      "properties": {"code": _ID, "zh": _TEXT,
                                     "items": {"type": "array", "minItems": 1, "items": {
                                         "type": "object", "required": ["code", "zh"], "additionalProperties": False,
                                         "properties": {"code": _ID, "zh": _TEXT}}}}},
        },
        "population": {
            "type": "array", "minItems": 1,
            "items": {"type": "object", "required": ["code", "zh", "terms"], "additionalProperties": False,
                      "properties": {"code": _ID, "zh": _TEXT, "terms": {**_TEXTS, "minItems": 1}}},
        },
        "lexicon": {
            "type": "array", "minItems": 1,
            "items": {"type": "object", "required": ["domain", "determinant", "questions", "sense", "terms"],
                      "additionalProperties": False,
                      "properties": {"domain": _ID, "determinant": {"type": "string", "pattern": r"^[a-z_]+\.[a-z_]+$"},
                                     "questions": {"type": "array", "items": {"type": "string"}},
                                     "sense": _TEXT,
                                     "support": _TEXTS,
                                     "not_in": {"type": "object", "additionalProperties": {**_TEXTS, "minItems": 1}},
                                     "terms": {"type": "object", "minProperties": 1,
                                               "additionalProperties": {"type": "number", "exclusiveMinimum": 0}}}},
        },
    },
}


def _pathway(path: Path, data: dict) -> Pathway:
    patterns = []
    for k, text in enumerate(data["procedural_patterns"]):
        try:
            patterns.append(re.compile(text))
        except re.error as exc:
            raise RubricError(f"rubric file {path}: at pathway/procedural_patterns/{k}: "
                              f"not a valid regular expression: {exc}") from None
    return Pathway(tuple(dict.fromkeys(data["action_verbs"])), frozenset(data["procedural_headings"]),
                   tuple(patterns), int(data["enumeration_min"]))


def _group_entries(where: str, group: dict) -> list[LexiconEntry]:
    terms = group["terms"]
    support = set(group.get("support", ()))
    not_in = group.get("not_in", {})
    for term in sorted((support | set(not_in)) - set(terms)):
        raise RubricError(f"{where}: {term!r} is listed under support or not_in but is no term of the group")
    for term, contexts in not_in.items():
        for ctx in contexts:
            if term not in ctx or ctx == term:
                raise RubricError(f"{where}: not_in context {ctx!r} must contain {term!r} and be longer")
    return [LexiconEntry(term, float(weight), group["domain"], group["determinant"], tuple(group["questions"]),
                         group["sense"], term in support, tuple(not_in.get(term, ())))
            for term, weight in terms.items()]


def load_screening(path: Path | None = None, domain_list: tuple[str, ...] | None = None) -> ScreeningRubric:
    """The screening rubric; every domain, determinant and question it refers to must exist."""
    path = path or RUBRICS_DIR / "screening.toml"
    data = load_toml(path, _SCREENING_SCHEMA)
    known_domains = set(domain_list if domain_list is not None else domain_codes())
    questions = tuple((q["id"], q["zh"]) for q in data["question"])
    qids = {q for q, _ in questions}
    if len(qids) != len(questions):
        raise RubricError(f"rubric file {path}: question ids are not unique")
    determinants = {}
    for cat in data["determinant"]:
        for item in cat["items"]:
            determinants[f"{cat['code']}.{item['code']}"] = (cat["zh"], item["zh"])
    lexicon = []
    for k, group in enumerate(data["lexicon"]):
        where = f"rubric file {path}: lexicon[{k}]"
        if group["domain"] not in known_domains:
            raise RubricError(f"{where}: unknown domain code {group['domain']!r} (not in domains.toml)")
        if group["determinant"] not in determinants:
            raise RubricError(f"{where}: unknown determinant {group['determinant']!r}")
        for q in group["questions"]:
            if q not in qids:
                raise RubricError(f"{where}: unknown question {q!r}")
        lexicon.extend(_group_entries(where, group))
    populations = tuple((p["code"], p["zh"], tuple(p["terms"])) for p in data["population"])
    outcomes = {q["id"]: q["outcome"] for q in data["question"]}
    return ScreeningRubric(questions, determinants, populations, tuple(lexicon), dict(data["rules"]),
                           outcomes, _pathway(path, data["pathway"]))


@lru_cache(maxsize=1)
def screening() -> ScreeningRubric:
    return load_screening()


# --- organisation names (rubrics/organisations.toml) ----------------------------------------

_ORGANISATIONS_SCHEMA = {
    "type": "object",
    "required": ["version", "alias"],
    "properties": {
        "version": {"type": "integer"},
        "alias": {
            "type": "array",
            "items": {"type": "object", "required": ["canonical", "forms"], "additionalProperties": False,
                      "properties": {"canonical": {"type": "string", "minLength": 2},
                                     "forms": {"type": "array", "minItems": 1,
                                               "items": {"type": "string", "minLength": 2}}}},
        },
    },
}


def load_organisation_aliases(path: Path | None = None) -> tuple[tuple[str, str], ...]:
    """(form, canonical) pairs, longest form first; a form may belong to one canonical name only."""
    path = path or RUBRICS_DIR / "organisations.toml"
    data = load_toml(path, _ORGANISATIONS_SCHEMA)
    owner: dict[str, str] = {}
    for alias in data["alias"]:
        for form in alias["forms"]:
            if owner.setdefault(form, alias["canonical"]) != alias["canonical"]:
                raise RubricError(f"rubric file {path}: {form!r} is a form of both {owner[form]!r} "
                                  f"and {alias['canonical']!r}")
    return tuple(sorted(owner.items(), key=lambda pair: (-len(pair[0]), pair[0])))


@lru_cache(maxsize=1)
def organisation_aliases() -> tuple[tuple[str, str], ...]:
    return load_organisation_aliases()
