"""Who may see what: small predicates used by the pages and the API alike."""
from __future__ import annotations

from .accounts.models import Role, User
from .audit.models import CommitteeSetting
from .extensions import db
from .reviews.models import Assignment, AssignmentStatus
from .submissions.models import Status, Submission

SEATED = (AssignmentStatus.invited, AssignmentStatus.accepted, AssignmentStatus.submitted)
# An expert reads a submission through a seat they hold, or held until the review was closed under
# them; not after declining, declaring a conflict or being replaced.
_READS = SEATED + (AssignmentStatus.cancelled,)


def is_owner(user: User, sub: Submission) -> bool:
    return user.role is Role.department and user.department_id == sub.department_id


def expert_assignments(user: User, sub: Submission) -> list[Assignment]:
    """The user's own seats on the submission (a query: a panel can have dozens of seats)."""
    if user.role is not Role.expert:
        return []
    if "assignments" in sub.__dict__:  # already loaded: no query needed
        return [a for a in sub.assignments if a.expert_id == user.expert_id]
    return list(db.session.scalars(db.select(Assignment).where(
        Assignment.submission_id == sub.id, Assignment.expert_id == user.expert_id)))


def can_view_submission(user: User, sub: Submission) -> bool:
    if user.role in (Role.office, Role.admin):
        return True
    if is_owner(user, sub):
        return True
    return any(a.status in _READS for a in expert_assignments(user, sub))


def visible_submission_ids(user: User):
    """The ids ``can_view_submission`` allows, as a subquery for lists (pages and API)."""
    if user.role in (Role.office, Role.admin):
        return db.select(Submission.id)
    if user.role is Role.department:
        return db.select(Submission.id).where(Submission.department_id == user.department_id)
    if user.role is Role.expert:
        return db.select(Assignment.submission_id).where(Assignment.expert_id == user.expert_id,
                                                         Assignment.status.in_(_READS))
    return db.select(Submission.id).where(db.false())


def can_view_opinions(user: User, sub: Submission, round_: int) -> bool:
    """The office always; the department once the round is concluded; an expert sees peers' opinions
    after submitting their own (or at once when the committee opens peer review)."""
    if user.role in (Role.office, Role.admin):
        return True
    concluded = round_ < sub.current_round or sub.status is Status.concluded
    if is_owner(user, sub):
        return concluded
    own = [a for a in expert_assignments(user, sub) if a.round == round_]  # one seat per round at most
    if not own:
        return False
    return seat_sees_peers(own[0].status, committee().experts_see_peers)


def seat_sees_peers(status: AssignmentStatus, experts_see_peers: bool) -> bool:
    """An expert reads the round's other opinions after submitting their own, or at once when the
    committee opens peer review."""
    return status is AssignmentStatus.submitted or (status in SEATED and experts_see_peers)


def can_download_file(user: User, sub: Submission) -> bool:
    return can_view_submission(user, sub)


def committee() -> CommitteeSetting:
    """The committee settings; the defaults (not stored) until the office saves them once."""
    # Held by the session: its identity map keeps rows weakly, so a page asking once per seat
    # label would read the row again each time the previous answer was dropped.
    held = db.session.info.get("committee_setting")
    if held is not None and held in db.session:
        return held
    setting = db.session.get(CommitteeSetting, 1)
    if setting is None:
        return CommitteeSetting(id=1, name="", experts_see_peers=False, anonymise_panel=False)
    db.session.info["committee_setting"] = setting
    return setting


def sees_expert_names(viewer: User) -> bool:
    """The office always; everyone else unless the committee anonymises the panel."""
    return viewer.role in (Role.office, Role.admin) or not committee().anonymise_panel


def expert_label(sub: Submission, assignment: Assignment, viewer: User) -> str:
    """The office sees names; others see Expert A/B/C (专家A/B/C) when the committee anonymises the panel."""
    return seat_label(sub, assignment.expert_id, assignment.expert.name, viewer)


def seat_label(sub: Submission, expert_id: int, name: str, viewer: User) -> str:
    return seat_labels(sub, viewer, {expert_id: name}).get(expert_id) or _seat_word("Expert")


def seat_labels(sub: Submission, viewer: User, names: dict[int, str] | None = None) -> dict[int, str]:
    """{expert id: what the viewer calls them} for the submission's seats (the committee setting
    read once). ``names`` gives names not loaded through ``sub.assignments``."""
    seats = sorted({a.expert_id for a in sub.assignments})
    if sees_expert_names(viewer):
        known = {a.expert_id: a.expert.name for a in sub.assignments} if names is None else names
        return {eid: known[eid] for eid in (names or seats) if eid in known}
    anonymous = _seat_word("Expert %(letter)s")
    return {eid: anonymous % {"letter": f"{chr(ord('A') + n % 26)}{n // 26 or ''}"} for n, eid in enumerate(seats)}


def _seat_word(message: str) -> str:
    """An anonymous seat's name in the reader's language (the default locale outside a request)."""
    from .i18n import _l, translate

    _l("Expert %(letter)s")  # extracted for the catalogue
    return translate(message)


def can_view_audit(user: User, sub: Submission) -> bool:
    """The office and the submitting department; experts read no trail (it names their peers)."""
    return user.role in (Role.office, Role.admin) or is_owner(user, sub)


def audit_actor_label(actor: User | None, labels: dict[int, str]) -> str | None:
    """Who did it, as the viewer may know it (``labels`` from ``seat_labels``). None = the system."""
    if actor is None:
        return None
    if actor.role is Role.expert and actor.expert_id is not None:
        return labels.get(actor.expert_id, "专家")  # names mode lists every actor; else no seat, no name
    return actor.name


def can_view_event_reason(viewer: User, actor: User | None) -> bool:
    """An expert's reason (declining, a conflict of interest) is for the committee office only."""
    return viewer.role in (Role.office, Role.admin) or actor is None or actor.role is not Role.expert


def precedent_visible(user: User, department_id: int) -> bool:
    """A concluded draft shown as a precedent: the office and experts see the committee's concluded
    work; a department only its own (other departments' drafts are not published)."""
    if user.role in (Role.office, Role.admin, Role.expert):
        return True
    return user.role is Role.department and user.department_id == department_id


def can_view_statistics(user: User) -> bool:
    """The committee-wide figures (statistics page, its API, the annual report, list exports): the
    office and the administrator."""
    return getattr(user, "is_authenticated", False) and user.role in (Role.office, Role.admin)


def can_view_job(user: User, job) -> bool:
    """A background job is seen by whoever started it, and by the committee office and the admin."""
    return user.role in (Role.office, Role.admin) or (job.owner_id is not None and job.owner_id == user.id)


# -- registry (健康相关政策台账) ---------------------------------------------------------------


def can_view_registry(user: User) -> bool:
    return user.role in (Role.office, Role.admin, Role.department)


def can_view_entry(user: User, entry) -> bool:
    """The office and the admin see every entry; a department only its own."""
    if user.role in (Role.office, Role.admin):
        return True
    return user.role is Role.department and user.department_id == entry.department_id


def visible_entries(user: User):
    """``can_view_entry`` as a condition on RegistryEntry, for lists (pages and API)."""
    from .registry.models import RegistryEntry

    if user.role in (Role.office, Role.admin):
        return db.true()
    if user.role is Role.department:
        # Named, so that a statement built once per role (registry/queries.py) takes each
        # viewer's department as a parameter.
        return RegistryEntry.department_id == db.bindparam("viewer_department", user.department_id)
    return db.false()


def can_edit_entry(user: User, entry) -> bool:
    """Publication, revision and abolition are recorded by the department or by the office."""
    return user.role is Role.office or (user.role is Role.department and user.department_id == entry.department_id)


def can_run_inventory(user: User, department_id: int | None) -> bool:
    """A department reads in its own existing documents; the office does it for any department."""
    if department_id is None:
        return False
    return user.role is Role.office or (user.role is Role.department and user.department_id == department_id)

# -- follow-up evaluations (review/followups) --------------------------------------------------


def can_view_followup(user: User, followup) -> bool:
    """The office and the administrator; a department only the follow-ups of its own policies."""
    return user.role in (Role.office, Role.admin) or (
        user.role is Role.department and user.department_id == followup.department_id)


def can_report_followup(user: User, followup) -> bool:
    return user.role is Role.department and user.department_id == followup.department_id


def can_review_followup(user: User, followup) -> bool:
    return user.role is Role.office


def visible_followups(user: User):
    """The ids ``can_view_followup`` allows, as a subquery for lists."""
    from .followups.models import FollowUp

    if user.role in (Role.office, Role.admin):
        return db.select(FollowUp.id)
    if user.role is Role.department:
        return db.select(FollowUp.id).where(FollowUp.department_id == user.department_id)
    return db.select(FollowUp.id).where(db.false())
