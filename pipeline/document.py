"""The document model: what readers produce and what the stages fill in.

Everything here is a plain dataclass so a Result can go to JSON and back without loss
(the web app stores ``Result.to_dict()`` and rebuilds it with ``Result.from_dict()``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

SUCCESS = "success"
PARTIAL = "partial"
FAILURE = "failure"


@dataclass
class Block:
    """One paragraph or table as a reader found it, in reading order."""

    text: str
    page: int | None = None
    kind: str = "paragraph"  # paragraph | table
    label: str = ""  # automatic numbering rendered by the reader (docx), e.g. "一、"
    rows: list[list[str]] | None = None
    size: float | None = None  # dominant font size in points, when known
    centered: bool = False


@dataclass
class RawDocument:
    """Reader output: blocks in body order plus what the reader noticed."""

    format: str
    pages: int | None
    blocks: list[Block]
    warnings: list["Problem"] = field(default_factory=list)


@dataclass
class Problem:
    """A failure or warning with a stable machine code; messages are English."""

    code: str
    message: str
    stage: str = "read"


@dataclass
class Heading:
    path: str
    level: int
    number: str
    text: str
    page: int | None = None
    clause_index: int = 0  # number of clauses before this heading: places it in document order


@dataclass
class Table:
    rows: list[list[str]]
    page: int | None = None


@dataclass
class Reference:
    title: str
    doc_number: str | None = None
    clause_id: str | None = None
    basis: bool = True  # a law, rule, plan or normative document, not a form, book or campaign name


@dataclass
class Clause:
    id: str
    path: str
    text: str
    page: int | None = None
    kind: str = "body"  # body | table | addressees | issuer | date | attachments | cc | imprint
    table: Table | None = None
    determinants: list[dict] = field(default_factory=list)  # {code, category, item, terms}
    domains: list[dict] = field(default_factory=list)  # {code, score, terms}
    evidence: list[str] = field(default_factory=list)  # every matched lexicon term


@dataclass
class QuestionAnswer:
    id: str
    topic: str
    answer: str  # 是 | 不知道 | 否
    evidence: list[str] = field(default_factory=list)  # clause ids
    # The pathways behind the answer, strongest first:
    # {clause_id, citation (第十二条 / 四、（三）), determinant (zh), outcome (zh outcome or population), text (zh)}
    reasons: list[dict] = field(default_factory=list)


@dataclass
class Screening:
    questions: list[QuestionAnswer] = field(default_factory=list)
    populations: list[dict] = field(default_factory=list)  # {code, zh, evidence}
    domains: list[dict] = field(default_factory=list)  # {code, score}, best first
    yes_count: int = 0
    major_impact: bool = False  # true exactly when impact_level == "major"
    impact_level: str = "none"  # none | minor | major (docs/screening.md)


@dataclass
class Document:
    title: str = ""
    doc_number: str | None = None
    issuer: str | None = None
    date: str | None = None  # ISO yyyy-mm-dd
    addressees: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    screening: Screening | None = None


@dataclass
class Result:
    file: str
    status: str
    errors: list[Problem] = field(default_factory=list)
    format: str | None = None
    pages: int | None = None
    sha256: str | None = None
    text_sha256: str | None = None
    document: Document | None = None

    @property
    def ok(self) -> bool:
        return self.status != FAILURE

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: file, status, errors[{code, message, stage}], format, pages, sha256, text_sha256,
        then the Document fields flattened (title, doc_number, issuer, date, addressees, attachments,
        cc, headings, clauses, references, screening). A failed read still has every key."""
        doc = self.document or Document()
        out: dict[str, Any] = {
            "file": self.file,
            "status": self.status,
            "errors": [_plain(e) for e in self.errors],
            "format": self.format,
            "pages": self.pages,
            "sha256": self.sha256,
            "text_sha256": self.text_sha256,
        }
        body = _plain(doc)
        body["screening"] = body["screening"] or _plain(Screening())
        out.update(body)
        return out

    def to_json(self) -> str:
        """``json.dumps(self.to_dict(), ensure_ascii=False)``, written by the C encoder straight from
        the dataclasses (several times faster on a long document; the parse child sends this)."""
        doc = self.document or Document()
        out: dict[str, Any] = {
            "file": self.file, "status": self.status, "errors": self.errors, "format": self.format,
            "pages": self.pages, "sha256": self.sha256, "text_sha256": self.text_sha256,
        }
        out.update((name, getattr(doc, name)) for name in _names(Document))
        out["screening"] = out["screening"] or Screening()
        return json.dumps(out, default=_encode, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Result":
        has_doc = data.get("status") != FAILURE or bool(data.get("clauses"))
        document = None
        if has_doc:
            scr = data.get("screening") or {}
            document = Document(
                title=data.get("title", ""),
                doc_number=data.get("doc_number"),
                issuer=data.get("issuer"),
                date=data.get("date"),
                addressees=list(data.get("addressees", [])),
                attachments=list(data.get("attachments", [])),
                cc=list(data.get("cc", [])),
                headings=[Heading(**h) for h in data.get("headings", [])],
                clauses=[_clause_from_dict(c) for c in data.get("clauses", [])],
                references=[Reference(**r) for r in data.get("references", [])],
                screening=Screening(
                    questions=[_answer_from_dict(q) for q in scr.get("questions", [])],
                    populations=list(scr.get("populations", [])),
                    domains=list(scr.get("domains", [])),
                    yes_count=scr.get("yes_count", 0),
                    major_impact=scr.get("major_impact", False),
                    impact_level=scr.get("impact_level") or ("major" if scr.get("major_impact") else "none"),
                ),
            )
        return cls(
            file=data["file"],
            status=data["status"],
            errors=[Problem(**e) for e in data.get("errors", [])],
            format=data.get("format"),
            pages=data.get("pages"),
            sha256=data.get("sha256"),
            text_sha256=data.get("text_sha256"),
            document=document,
        )


def _plain(obj: Any) -> Any:
    """dataclasses.asdict without its deep copy of every leaf: the same dict, several times faster
    (a long document's Result has hundreds of thousands of leaves)."""
    if hasattr(type(obj), "__dataclass_fields__"):
        return {name: _plain(getattr(obj, name)) for name in _names(type(obj))}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_plain(x) for x in obj)
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


_FIELDS: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls))
    return names


def _encode(obj: Any) -> dict:
    if hasattr(type(obj), "__dataclass_fields__"):
        return {name: getattr(obj, name) for name in _names(type(obj))}
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _clause_from_dict(data: dict[str, Any]) -> Clause:
    data = dict(data)
    if data.get("table") is not None:
        data["table"] = Table(**data["table"])
    return Clause(**data)


def _answer_from_dict(data: dict[str, Any]) -> QuestionAnswer:
    """Stored answers from before reasons existed load with none."""
    return QuestionAnswer(id=data["id"], topic=data.get("topic", ""), answer=data.get("answer", "否"),
                          evidence=list(data.get("evidence", [])),
                          reasons=[dict(r) for r in data.get("reasons", [])])
