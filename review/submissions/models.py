"""Submissions, their rounds (versions), stored files and parsed clauses."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Table, Column, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import enum_column, tz_datetime, utcnow

if TYPE_CHECKING:
    from ..accounts.models import Department, User
    from ..experts.models import Expert
    from ..reviews.models import Assignment, Decision


class PolicyType(str, enum.Enum):
    rule = "rule"  # 规章
    normative = "normative"  # 规范性文件
    major_decision = "major_decision"  # 重大行政决策


class Stage(str, enum.Enum):
    drafting = "drafting"  # 起草
    revision = "revision"  # 修订
    pre_publication = "pre_publication"  # 发布前


class Status(str, enum.Enum):
    submitted = "submitted"  # 已提交
    returned = "returned"  # 退回补正
    accepted = "accepted"  # 已受理
    under_review = "under_review"  # 审查中
    deliberation = "deliberation"  # 合议中
    concluded = "concluded"  # 已出具意见
    withdrawn = "withdrawn"  # 已撤回


class Conclusion(str, enum.Enum):
    approve = "approve"  # 审查同意
    modify = "modify"  # 修改
    redraft = "redraft"  # 重新起草
    reject = "reject"  # 建议不予发布

    @property
    def severity(self) -> int:
        """Higher is stricter; used to detect a decision milder than an expert's recommendation."""
        return _SEVERITY[self]


_SEVERITY = {Conclusion.approve: 0, Conclusion.modify: 1, Conclusion.redraft: 2, Conclusion.reject: 3}


class Lane(str, enum.Enum):
    """The review procedure chosen at intake (review/lanes.py)."""

    general = "general"  # 一般程序: a full panel
    simple = "simple"  # 简易程序: one expert, a shorter deadline
    filing = "filing"  # 备案确认: no expert; the office confirms "no significant health impact"


class FileKind(str, enum.Enum):
    letter = "letter"  # 公函
    draft = "draft"  # 审查稿
    basis = "basis"  # 依据材料


# What the office may ask for when it returns a submission, and the kind of file each one is.
RETURN_ITEMS = {
    "letter": FileKind.letter,  # 公函
    "draft": FileKind.draft,  # a readable draft
    "basis": FileKind.basis,  # 依据材料
    "explanation": FileKind.basis,  # 起草说明
    "consultation": FileKind.basis,  # 征求意见情况
}


def return_item_field(code: str) -> str:
    """The upload field of a requested item: the letter, draft and basis fields, or a slot of its own."""
    return code if code in FileKind._value2member_map_ else f"item-{code}"


submission_drafter = Table(
    "submission_drafter",
    db.metadata,
    Column("submission_id", ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True),
    Column("expert_id", ForeignKey("expert.id", ondelete="CASCADE"), primary_key=True),
)


class Submission(db.Model):
    __tablename__ = "submission"
    __table_args__ = (
        CheckConstraint(
            "(status = 'concluded') = (conclusion IS NOT NULL)", name="concluded_iff_conclusion"
        ),
        CheckConstraint("current_round >= 1", name="round_positive"),
        CheckConstraint("panel_size BETWEEN 1 AND 15", name="panel_size_range"),
        # Every filter and sort the lists offer (office queue, board, a department's own list, API).
        # Each ends with id, the lists' tie-break, so the index gives the order (both directions).
        *(Index(f"ix_submission_status_{c}", "status", c, "id") for c in ("created_at", "updated_at", "review_due",
                                                                           "title")),
        *(Index(f"ix_submission_{c}", c, "id") for c in ("created_at", "updated_at", "review_due", "title")),
        Index("ix_submission_department_updated", "department_id", "updated_at", "id"),
        Index("ix_submission_department_status", "department_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    policy_type: Mapped[PolicyType] = mapped_column(enum_column(PolicyType))
    stage: Mapped[Stage] = mapped_column(enum_column(Stage), default=Stage.drafting)
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.submitted, index=True)
    conclusion: Mapped[Conclusion | None] = mapped_column(enum_column(Conclusion))
    current_round: Mapped[int] = mapped_column(Integer, default=1)
    panel_size: Mapped[int] = mapped_column(Integer, default=3)
    review_due: Mapped[date | None] = mapped_column(Date)
    # Set at intake; the office's reason when it departs from the screening's suggestion.
    lane: Mapped[Lane | None] = mapped_column(enum_column(Lane))
    lane_reason: Mapped[str] = mapped_column(Text, default="")
    # Items the office named when returning the submission for completion.
    return_reason: Mapped[str] = mapped_column(Text, default="")
    # The policy this draft is a review round of (review/registry); set when it is first parsed.
    registry_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_entry.id", ondelete="SET NULL"), index=True)
    # What the office asked for when returning the submission for completion: the items (codes of
    # RETURN_ITEMS, each with its own upload slot) and a free-text remark.
    return_items: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow, onupdate=utcnow)

    department: Mapped["Department"] = relationship()
    created_by: Mapped["User"] = relationship()
    versions: Mapped[list["SubmissionVersion"]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.round", cascade="all, delete-orphan"
    )
    drafters: Mapped[list["Expert"]] = relationship(secondary=submission_drafter)
    assignments: Mapped[list["Assignment"]] = relationship(
        back_populates="submission", order_by="Assignment.id", cascade="all, delete-orphan"
    )
    decisions: Mapped[list["Decision"]] = relationship(
        back_populates="submission", order_by="Decision.id", cascade="all, delete-orphan"
    )

    @property
    def current_version(self) -> "SubmissionVersion | None":
        for v in self.versions:
            if v.round == self.current_round:
                return v
        return None

    def round_assignments(self, round_: int | None = None) -> list["Assignment"]:
        r = self.current_round if round_ is None else round_
        return [a for a in self.assignments if a.round == r]

    def __repr__(self) -> str:
        return f"<Submission {self.id} {self.status.value}>"


class SubmissionVersion(db.Model):
    """One review round: the files sent for it and what the pipeline read from the draft."""

    __tablename__ = "submission_version"
    __table_args__ = (UniqueConstraint("submission_id", "round", name="uq_version_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    draft_sha256: Mapped[str] = mapped_column(String(64), default="")
    text_sha256: Mapped[str] = mapped_column(String(64), default="")
    parse_status: Mapped[str] = mapped_column(String(16), default="")
    # Result.to_dict() of the pipeline for the draft: large, so loaded only when asked for.
    parsed: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    # Its screening part, small, for the pages that show only that.
    screening: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")  # the department's note for this round
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="versions")
    files: Mapped[list["StoredFile"]] = relationship(
        back_populates="version", order_by="StoredFile.id", cascade="all, delete-orphan"
    )
    clauses: Mapped[list["Clause"]] = relationship(
        back_populates="version", order_by="Clause.ordinal", cascade="all, delete-orphan"
    )

    def file_of(self, kind: FileKind) -> "StoredFile | None":
        return next((f for f in self.files if f.kind == kind), None)


class StoredFile(db.Model):
    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FileKind] = mapped_column(enum_column(FileKind))
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded, shown to users
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)  # path under instance/uploads
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)

    version: Mapped[SubmissionVersion] = relationship(back_populates="files")


class Clause(db.Model):
    __tablename__ = "clause"
    __table_args__ = (UniqueConstraint("version_id", "key", name="uq_clause_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("submission_version.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40))  # the pipeline's clause id
    ordinal: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    # body | table, or a 公文 element (addressees, issuer, date, attachments, cc, imprint) that
    # is shown in place but not reviewed clause by clause.
    kind: Mapped[str] = mapped_column(String(20), default="body")
    determinants: Mapped[list] = mapped_column(JSON, default=list)
    domains: Mapped[list] = mapped_column(JSON, default=list)

    version: Mapped[SubmissionVersion] = relationship(back_populates="clauses")

    @property
    def reviewable(self) -> bool:
        return self.kind in ("body", "table")


class StagedUpload(db.Model):
    """Files uploaded and parsed, waiting for the department to confirm them after the preview.

    Nothing the user sent is lost when a file is refused: the other files stay staged and only
    the refused one has to be uploaded again.
    """

    __tablename__ = "staged_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # submission | revision
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    form: Mapped[dict] = mapped_column(JSON, default=dict)
    # [{kind, filename, storage_key, size, sha256}]
    files: Mapped[list] = mapped_column(JSON, default=list)
    parsed: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)

    def file_of(self, kind: str) -> dict | None:
        return next((f for f in self.files if f["kind"] == kind), None)
