"""The registry (健康相关政策台账): one entry per policy a department drafts or has issued."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    DDL, JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Table, Text, event,
)
from sqlalchemy import inspect
from sqlalchemy.orm import Mapped, Session, backref, mapped_column, relationship

from ..extensions import db
from ..transaction import gather_until_commit
from ..models_base import enum_column, tz_datetime, utcnow
from ..submissions.models import PolicyType

if TYPE_CHECKING:
    from ..accounts.models import Department


class EntryStatus(str, enum.Enum):
    drafting = "drafting"  # 起草中
    under_review = "under_review"  # 审查中
    in_force = "in_force"  # 现行有效
    revised = "revised"  # 已修订
    abolished = "abolished"  # 已废止


class EntryOrigin(str, enum.Enum):
    submission = "submission"  # created by a draft sent for review
    inventory = "inventory"  # an existing document read in by the inventory (梳理)


IMPACT_LEVELS = ("none", "minor", "major")
HEALTH_RELATED = ("minor", "major")


class RegistryEntry(db.Model):
    __tablename__ = "registry_entry"
    __table_args__ = (
        CheckConstraint("impact_level IN ('', 'none', 'minor', 'major')", name="impact_level_known"),
        CheckConstraint("yes_count BETWEEN 0 AND 10", name="yes_count_range"),
        CheckConstraint("(status = 'abolished') = (abolished_on IS NOT NULL)", name="abolished_iff_date"),
        # The list's filters and sorts; each ends with id, the tie-break.
        Index("ix_registry_department_updated", "department_id", "updated_at", "id"),
        Index("ix_registry_department_year", "department_id", "year", "impact_level"),
        Index("ix_registry_updated", "updated_at", "id"),
        Index("ix_registry_title", "title", "id"),
        Index("ix_registry_status_updated", "status", "updated_at", "id"),
        Index("ix_registry_impact_updated", "impact_level", "updated_at", "id"),
        Index("ix_registry_year_updated", "year", "updated_at", "id"),
        Index("ix_registry_filters", "status", "impact_level", "year"),  # counts of combined filters
        Index("ix_registry_reviewed_updated", "reviewed", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    doc_number: Mapped[str] = mapped_column(String(100), default="")  # 文号
    policy_type: Mapped[PolicyType | None] = mapped_column(enum_column(PolicyType, "registry_policy_type"))
    status: Mapped[EntryStatus] = mapped_column(enum_column(EntryStatus), default=EntryStatus.drafting)
    # Had an expert review that reached a decision with a sheet not revoked (operations
    # .reviewed_entry_ids): kept by the listeners at the end of this module, so the list filters on
    # an index instead of joining four tables per view.
    reviewed: Mapped[bool] = mapped_column(default=False)
    origin: Mapped[EntryOrigin] = mapped_column(enum_column(EntryOrigin))
    drafted_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    revised_on: Mapped[date | None] = mapped_column(Date)
    abolished_on: Mapped[date | None] = mapped_column(Date)
    # The year the entry counts in (publication, else drafting or the document's date).
    year: Mapped[int] = mapped_column(Integer)
    status_note: Mapped[str] = mapped_column(Text, default="")  # why it was revised or abolished

    # Screening snapshot: "" until screened; answers [{id, topic, answer, reasons: [...]}].
    impact_level: Mapped[str] = mapped_column(String(10), default="")
    yes_count: Mapped[int] = mapped_column(Integer, default=0)
    # Loaded only where shown (the entry, the heatmap): lists and exports do not parse it.
    answers: Mapped[list] = mapped_column(JSON, default=list, deferred=True)

    # Inventory entries: the file read in.
    source_filename: Mapped[str] = mapped_column(String(255), default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")  # of the text read
    source_format: Mapped[str] = mapped_column(String(16), default="")
    parse_status: Mapped[str] = mapped_column(String(16), default="")
    parse_errors: Mapped[list] = mapped_column(JSON, default=list)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow, onupdate=utcnow)

    department: Mapped["Department"] = relationship()
    # Every review round of the policy: its submissions (each with versions, decisions, sheets).
    submissions = relationship("Submission", order_by="Submission.id",
                               backref=backref("registry_entry", lazy="select"))
    text: Mapped["RegistryText | None"] = relationship(back_populates="entry", cascade="all, delete-orphan",
                                                       uselist=False, lazy="raise_on_sql")

    @property
    def health_related(self) -> bool:
        return self.impact_level in HEALTH_RELATED

    def __repr__(self) -> str:
        return f"<RegistryEntry {self.id} {self.status.value}>"


class RegistryText(db.Model):
    """The searchable text of an entry: title and clauses as space-separated search terms.

    Kept out of registry_entry so that lists never read it. SQLite indexes it with FTS5
    (registry_fts), PostgreSQL with a GIN index over to_tsvector('simple', terms)."""

    __tablename__ = "registry_text"

    entry_id: Mapped[int] = mapped_column(ForeignKey("registry_entry.id", ondelete="CASCADE"), primary_key=True)
    terms: Mapped[str] = mapped_column(Text, default="")

    entry: Mapped[RegistryEntry] = relationship(back_populates="text")


# The full-text indexes are created with the table, by create_all and by the migration alike (the
# migration builds its own Table object, hence the class-level listener that checks the name).
_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS registry_fts USING fts5("
    "terms, content='registry_text', content_rowid='entry_id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS registry_text_ai AFTER INSERT ON registry_text BEGIN "
    "INSERT INTO registry_fts(rowid, terms) VALUES (new.entry_id, new.terms); END",
    "CREATE TRIGGER IF NOT EXISTS registry_text_ad AFTER DELETE ON registry_text BEGIN "
    "INSERT INTO registry_fts(registry_fts, rowid, terms) VALUES ('delete', old.entry_id, old.terms); END",
    "CREATE TRIGGER IF NOT EXISTS registry_text_au AFTER UPDATE ON registry_text BEGIN "
    "INSERT INTO registry_fts(registry_fts, rowid, terms) VALUES ('delete', old.entry_id, old.terms); "
    "INSERT INTO registry_fts(rowid, terms) VALUES (new.entry_id, new.terms); END",
)
_POSTGRES_FTS = ("CREATE INDEX IF NOT EXISTS ix_registry_text_fts ON registry_text "
                 "USING gin (to_tsvector('simple', terms))",)


def include_name(name, type_, _parent_names) -> bool:
    """For Alembic's comparisons: the full-text index (FTS5 tables, the GIN index) is not a model."""
    name = name or ""
    return not ((type_ == "table" and name.startswith("registry_fts")) or name == "ix_registry_text_fts")


@event.listens_for(Table, "after_create")
def _create_search_index(table, connection, **_kw) -> None:
    if table.name != "registry_text":
        return
    statements = {"sqlite": _SQLITE_FTS, "postgresql": _POSTGRES_FTS}.get(connection.dialect.name, ())
    for statement in statements:
        connection.execute(DDL(statement))


@event.listens_for(Table, "before_drop")
def _drop_search_index(table, connection, **_kw) -> None:
    if table.name == "registry_text" and connection.dialect.name == "sqlite":
        connection.execute(DDL("DROP TABLE IF EXISTS registry_fts"))


# -- the reviewed flag -------------------------------------------------------------------------
_REVIEW_TABLES = {"opinion_sheet", "decision", "assignment"}


def _review_change(obj) -> tuple:
    """The submission whose entry's flag this object may change."""
    table = getattr(getattr(obj, "__table__", None), "name", "")
    if table in _REVIEW_TABLES:
        return (obj.submission_id,)
    if table == "submission" and "registry_entry_id" in inspect(obj).committed_state:
        return (obj.id,)
    return ()


def _refresh_entries_of(session: Session, subs: set) -> None:
    from ..submissions.models import Submission

    entries = [e for e in session.scalars(db.select(Submission.registry_entry_id).where(
        Submission.id.in_(subs))) if e is not None]
    refresh_reviewed(session, entries)


gather_until_commit("registry_reviewed", _review_change, _refresh_entries_of)


def refresh_reviewed(session: Session, entry_ids: list[int] | None = None) -> None:
    """Set the flag from the data, for these entries or all (bulk loads bypass the listeners)."""
    from .operations import reviewed_entry_ids

    if entry_ids is not None and not entry_ids:
        return
    table = RegistryEntry.__table__
    target = table.c.id.in_(entry_ids) if entry_ids is not None else db.true()
    session.execute(table.update().where(target).values(
        reviewed=table.c.id.in_(reviewed_entry_ids(among=entry_ids))))
