"""Full-text search of the registry: the same terms on SQLite (FTS5) and PostgreSQL (tsvector).

A text is indexed as the character bigrams of its CJK runs plus its Latin/digit words, lower-cased.
Bigrams need no segmentation, so a query matches whatever jieba would have made of the document's
context; a query's bigrams must all occur (AND). A single CJK character is a prefix query.
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import Integer, bindparam, column, text as sql_text

from ..extensions import db
from .models import RegistryEntry

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+")
MAX_QUERY_TERMS = 32
MAX_INDEXED_CHARS = 200_000  # the tail of a very long document adds little and costs the index


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def _terms(text: str) -> list[str]:
    text = normalise(text)
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out.extend(run[i:i + 2] for i in range(max(len(run) - 1, 1)))
    out.extend(_WORD.findall(_CJK_RUN.sub(" ", text)))
    return out


def index_terms(title: str, texts: list[str]) -> str:
    """The indexed form of an entry: its title and clause texts as one space-separated string."""
    body = "\n".join([title, *texts])[:MAX_INDEXED_CHARS]
    return " ".join(_terms(body))


def query_terms(q: str) -> list[str]:
    """The distinct terms of a query, in order, at most MAX_QUERY_TERMS."""
    seen = dict.fromkeys(_terms(q))
    return list(seen)[:MAX_QUERY_TERMS]


def match_value(q: str, dialect: str) -> str | None:
    """The value of the search's ``match`` parameter for ``q`` on ``dialect`` (None: no terms)."""
    terms = query_terms(q)
    if not terms:
        return None
    prefix = len(terms) == 1 and len(terms[0]) == 1 and _CJK_RUN.fullmatch(terms[0])
    if dialect == "sqlite":
        # Each term quoted: FTS5 syntax characters in a user's query are then plain text.
        return f'"{terms[0]}"*' if prefix else " AND ".join(f'"{t}"' for t in terms)
    if dialect == "postgresql":
        return f"{terms[0]}:*" if prefix else " & ".join(terms)
    return f"%{normalise(q).strip()}%"  # other databases: a plain scan of the titles


def matching_statement(dialect: str, value: str | None = None):
    """The entry ids whose title or text matches the named parameter ``match`` (``match_value``)."""
    if dialect == "sqlite":
        return sql_text("SELECT rowid FROM registry_fts WHERE registry_fts MATCH :match").bindparams(
            bindparam("match", value)).columns(column("rowid", Integer))
    if dialect == "postgresql":
        return sql_text("SELECT entry_id FROM registry_text WHERE to_tsvector('simple', terms) @@ "
                        "to_tsquery('simple', :match)").bindparams(
                            bindparam("match", value)).columns(column("entry_id", Integer))
    return db.select(RegistryEntry.id).where(RegistryEntry.title.like(bindparam("match", value)))


def matching_ids(q: str):
    """A subquery of the entry ids whose title or text holds every term of ``q`` (None: no terms)."""
    dialect = db.session.get_bind().dialect.name
    value = match_value(q, dialect)
    return None if value is None else matching_statement(dialect, value)
