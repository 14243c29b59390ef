"""Who may see what: small predicates used by the pages and the API alike."""
from __future__ import annotations

from .accounts.models import Role, User
from .audit.models import CommitteeSetting
from .extensions import db
from .reviews.models import Assignment, AssignmentStatus
from .submissions.models import Status, Submission

_SEATED = (AssignmentStatus.invited, AssignmentStatus.accepted, AssignmentStatus.submitted)


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
    return any(a.status in _SEATED for a in expert_assignments(user, sub))


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
    return status is AssignmentStatus.submitted or (status in _SEATED and experts_see_peers)


def can_download_file(user: User, sub: Submission) -> bool:
    return can_view_submission(user, sub)


def committee() -> CommitteeSetting:
    """The committee settings; the defaults (not stored) until the office saves them once."""
    setting = db.session.get(CommitteeSetting, 1)
    if setting is None:
        setting = CommitteeSetting(id=1, name="", experts_see_peers=False, anonymise_panel=False)
    return setting


def expert_label(sub: Submission, assignment: Assignment, viewer: User) -> str:
    """The office sees names; others see 专家A/B/C when the committee anonymises the panel."""
    if viewer.role in (Role.office, Role.admin) or not committee().anonymise_panel:
        return assignment.expert.name
    seats = sorted({a.expert_id for a in sub.assignments})
    return f"专家{chr(ord('A') + seats.index(assignment.expert_id) % 26)}"


def precedent_visible(user: User, department_id: int) -> bool:
    """A concluded draft shown as a precedent: the office and experts see the committee's concluded
    work; a department only its own (other departments' drafts are not published)."""
    if user.role in (Role.office, Role.admin, Role.expert):
        return True
    return user.role is Role.department and user.department_id == department_id


def sees_expert_names(user: User) -> bool:
    """Who wrote an earlier opinion: the office always; others unless the committee anonymises."""
    return user.role in (Role.office, Role.admin) or not committee().anonymise_panel
