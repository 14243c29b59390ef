"""What the registry pages show, gathered in a bounded number of statements (views stay thin)."""
from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.models import Role, User
from ..exports import workbook_response
from ..extensions import db
from ..i18n import label
from ..messages import error_text
from ..sheets.models import LegalityIntake
from ..submissions.models import Submission
from .models import RegistryEntry
from .operations import can_publish, reviews_of
from .queries import Filters, all_rows

try:  # follow-up evaluations (跟踪评估) live in their own feature package when it is installed
    from ..followups.models import FollowUp
except ImportError:  # pragma: no cover - a build without follow-ups
    FollowUp = None

ANSWER_KEYS = {"是": "yes", "不知道": "unknown", "否": "no"}


def answer_label(answer: str) -> str:
    return {"yes": _("Yes"), "unknown": _("Don't know"), "no": _("No")}.get(ANSWER_KEYS.get(answer, ""), answer)


@lru_cache(maxsize=1)
def _questions() -> tuple[tuple[str, str, str], ...]:
    import tomllib

    from pipeline.rubrics import RUBRICS_DIR

    with open(RUBRICS_DIR / "screening.toml", "rb") as fh:
        return tuple((q["id"], q["zh"], q["en"]) for q in tomllib.load(fh)["question"])


def question_labels() -> dict[str, str]:
    """Question id → its short name in the user's language (rubrics/screening.toml has both)."""
    from flask_babel import get_locale

    english = get_locale() is not None and get_locale().language == "en"
    return {qid: en if english else zh for qid, zh, en in _questions()}


def entry_detail(entry: RegistryEntry) -> dict:
    """The entry's rounds (conclusion, sheet, intakes), submissions and follow-ups."""
    subs = db.session.scalars(db.select(Submission).where(Submission.registry_entry_id == entry.id)
                              .order_by(Submission.id)).all()
    rounds = reviews_of([entry.id])[entry.id]
    sheet_ids = [r["sheet_id"] for r in rounds if r["sheet_id"]]
    intakes: dict[int, list] = {i: [] for i in sheet_ids}
    if sheet_ids:
        for intake in db.session.scalars(db.select(LegalityIntake).where(LegalityIntake.sheet_id.in_(sheet_ids))
                                         .order_by(LegalityIntake.received_on)):
            intakes[intake.sheet_id].append(intake)
    followups = None
    if FollowUp is not None and subs:
        followups = db.session.scalars(db.select(FollowUp).where(FollowUp.submission_id.in_([s.id for s in subs]))
                                       .order_by(FollowUp.id)).all()
    return {"submissions": subs, "rounds": rounds, "intakes": intakes, "followups": followups,
            "can_publish": can_publish(entry), "questions": question_labels(), "answer_label": answer_label,
            "answer_key": ANSWER_KEYS}


EXPORT_HEADERS = (_l("ID"), _l("Title"), _l("Department"), _l("Status"), _l("Document number"), _l("Impact level"),
                  _l("Yes answers"), _l("Year"), _l("Reviews"))


def export_rows(viewer: User, f: Filters):
    for entry, reviews in all_rows(viewer, f):
        yield (entry.id, entry.title, entry.department.display, label("entry_status", entry.status),
               entry.doc_number, label("impact_level", entry.impact_level) if entry.impact_level else "",
               entry.yes_count, entry.year,
               "; ".join(_("#%(sub)s round %(round)s: %(conclusion)s %(serial)s", sub=r["submission_id"],
                           round=r["round"], conclusion=label("conclusion", r["conclusion"]),
                           serial=r["sheet_serial"] or "").strip() for r in reviews))


def export_response(viewer: User, f: Filters):
    headers = [str(h) for h in EXPORT_HEADERS]
    return workbook_response(export_rows(viewer, f), headers, _("registry") + ".xlsx", title=_("Registry"))


# -- inventory ---------------------------------------------------------------------------------------


def start_inventory(actor: User, department_id: int, uploads: list):
    from ..jobs import enqueue
    from .inventory import stage_inventory

    payload, count = stage_inventory(actor, department_id, uploads)
    return enqueue("inventory", payload, owner=actor, subject=f"inventory:{department_id}", total=count)


def inventory_job(user: User, job_id: int):
    """The inventory job if the user may see it: its owner, or the office."""
    from ..jobs.models import Job

    job = db.session.get(Job, job_id)
    if job is None or job.kind != "inventory":
        return None
    return job if job.owner_id == user.id or user.role in (Role.office, Role.admin) else None


def heatmap_rows(job) -> dict:
    """The result as a policy × question matrix: entries read (one statement) and files refused."""
    rows = (job.result or {}).get("rows") or []
    ids = [r["id"] for r in rows if r.get("id")]
    entries = {e.id: e for e in db.session.scalars(db.select(RegistryEntry).where(RegistryEntry.id.in_(ids)))} \
        if ids else {}
    read = [(r, entries[r["id"]]) for r in rows if r.get("id") in entries]
    read.sort(key=lambda pair: (-pair[1].yes_count, pair[1].title))
    failed = [r for r in rows if not r.get("id")]
    questions = question_labels()
    health = sum(1 for _r, e in read if e.health_related)
    return {"read": read, "failed": failed, "questions": questions, "health": health,
            "answer_label": answer_label, "answer_key": ANSWER_KEYS, "error_text": error_text}
