"""Loading and validating the rubric data files in ``rubrics/``.

The rubrics are data, not code: a broken file must stop the application (or the command line)
with a message naming the file and what is wrong, never with a KeyError deep in a request.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
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
