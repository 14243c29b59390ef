"""Committee office pages: intake, screening report, panels, progress board, decisions, settings."""
from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.auth import role_required
from ..accounts.models import Role
from ..calendar import local_today
from ..experts.models import Expert
from ..extensions import db
from ..listing import list_args
from ..messages import error_text, exc_text
from ..permissions import committee
from ..reviews import operations as rops
from ..reviews.models import Assignment
from ..routing import store as routing_store
from ..routing.operations import default_due, proposal_and_key
from ..routing.precedents import precedents_for
from ..submissions import operations as sops
from .. import lanes, plain
from ..followups.operations import followup_list, followup_of
from ..submissions.models import RETURN_ITEMS, Conclusion, Lane, Status, Submission, SubmissionVersion
from ..workflow import TransitionError, available_actions
from .board import board_page, board_rows
from .queue import queue_page, status_counts

bp = Blueprint("office", __name__, url_prefix="/office")


def _submission(sub_id: int) -> Submission:
    sub = db.session.get(Submission, sub_id)
    if sub is None:
        abort(404)
    return sub


def _run(action, success: str, sub: Submission):
    """One operation, one commit; a refused action is explained and nothing is half-done."""
    try:
        action()
        db.session.commit()
        flash(success, "success")
    except (TransitionError, rops.ReviewError, sops.SubmissionError) as exc:
        db.session.rollback()
        flash(exc_text(exc) + (f"（{exc}）" if exc.code in ("expert_excluded", "already_assigned") else ""),
              "error")
    return redirect(url_for(".detail", sub_id=sub.id))


@bp.route("/")
@role_required(Role.office)
def queue():
    if not request.args:
        return redirect(url_for(".queue", status=Status.submitted.value, sort="created", dir="asc"))
    args = list_args()
    counts = status_counts()
    page = queue_page(args, counts, request.args.get("page", 1, type=int), int(current_app.config["PAGE_SIZE"]))
    return render_template("office/queue.html", page=page, args=args, counts=counts, Status=Status)


@bp.route("/board")
@role_required(Role.office)
def board():
    page = board_page(request.args.get("page", 1, type=int), int(current_app.config["PAGE_SIZE"]))
    overdue = followup_list(current_user, overdue_only=True, limit=current_app.config["PAGE_SIZE"])
    today = local_today()
    return render_template("office/board.html", page=page, rows=board_rows(page.items, today),
                           overdue=overdue, today=today)


@bp.route("/batch", methods=["GET", "POST"])
@role_required(Role.office)
def batch():
    """Assign panels to every accepted submission at once (the invitations go out in a job)."""
    from ..jobs import latest_job
    from ..reviews.batch import start_batch
    from ..routing.operations import propose_batch

    subs = db.session.scalars(db.select(Submission).where(Submission.status == Status.accepted)
                              .order_by(Submission.created_at)).all()
    due = default_due()
    if request.method == "POST":
        try:
            due = date.fromisoformat(request.form.get("due", ""))
        except ValueError:
            flash(_("Enter the deadline as a date."), "error")
            return redirect(url_for(".batch"))
        panels = {sub.id: [int(x) for x in request.form.getlist(f"experts-{sub.id}") if x.isdigit()] for sub in subs}
        try:
            job = start_batch(current_user, panels, due)
        except rops.ReviewError as exc:
            flash(exc_text(exc), "error")
            return redirect(url_for(".batch"))
        db.session.commit()
        return redirect(url_for(".batch", job=job.id))
    job = latest_job(f"batch:{current_user.id}")
    if job is not None and (not job.status.finished or request.args.get("job") == str(job.id)):
        refused = {r["id"]: r for r in (job.result or {}).get("refused", [])}
        return render_template("office/batch_job.html", job=job, refused=refused,
                               titles=dict(db.session.execute(db.select(Submission.id, Submission.title).where(
                                   Submission.id.in_(list(refused) + list((job.result or {}).get("invited", []))))).all()))
    result = propose_batch(subs, due=due) if subs else None
    simple_due = {s.id: lanes.default_due(s) for s in subs if s.lane is Lane.simple}
    return render_template("office/batch.html", subs=subs, result=result, due=due, simple_due=simple_due)


def _detail_query(sub_id: int) -> Submission:
    # Everything the page shows, in a fixed number of statements (none from the template). Built
    # once (review/plain.py): the cache key of a statement with five loader options cost ~2 ms.
    sub = db.session.scalar(plain.built(("office", "detail"), lambda: db.select(Submission).where(
        Submission.id == db.bindparam("sub_id")).options(
        joinedload(Submission.department), selectinload(Submission.drafters),
        selectinload(Submission.versions).selectinload(SubmissionVersion.files),
        selectinload(Submission.assignments).joinedload(Assignment.expert),
        selectinload(Submission.decisions))), {"sub_id": sub_id})
    if sub is None:
        abort(404)
    return sub


@bp.route("/submissions/<int:sub_id>")
@role_required(Role.office)
def detail(sub_id: int):
    sub = _detail_query(sub_id)
    version = sub.current_version
    parsed = (version.parsed if version else None) or {}
    proposal = proposal_key = None
    if sub.status in (Status.accepted, Status.under_review) and parsed:
        proposal, proposal_key = proposal_and_key(sub)
        if routing_store.wrote():  # computed now: kept for the next views
            db.session.commit()
            sub = _detail_query(sub_id)
            parsed = sub.current_version.parsed or {}
    precedents = precedents_for(current_user, sub, sub.current_version.id) if sub.current_version else None
    actions = available_actions(current_user, sub)
    intake = lanes.screening_of(sub) if "accept" in actions else None
    return render_template("office/detail.html", sub=sub, proposal=proposal, proposal_key=proposal_key,
                           precedents=precedents,
                           actions=actions, default_due=lanes.default_due(sub), parsed=parsed, today=local_today(),
                           intake=intake, suggested=lanes.suggested_lane(intake["level"]) if intake else None,
                           Lane=Lane, followup=followup_of(sub), return_items=RETURN_ITEMS)


@bp.route("/experts/names")
@role_required(Role.office)
def expert_names():
    """Names for the "add another expert" field, as the office types (app.js fills its list)."""
    from ..experts.operations import name_suggestions

    return jsonify(names=name_suggestions(request.args.get("q", "")))


@bp.route("/submissions/<int:sub_id>/accept", methods=["POST"])
@role_required(Role.office)
def accept(sub_id: int):
    sub = _submission(sub_id)
    lane, reason = request.form.get("lane", ""), request.form.get("lane_reason", "")
    done = {"general": _("Accepted in the general procedure. Confirm the panel next."),
            "simple": _("Accepted in the simplified procedure. Invite the one expert next."),
            "filing": _("Accepted for filing. Confirm the screening's finding next.")}
    return _run(lambda: sops.accept_submission(current_user, sub, lane, reason),
                done.get(lane, _("Accepted. Confirm the panel next.")), sub)


@bp.route("/submissions/<int:sub_id>/confirm-filing", methods=["POST"])
@role_required(Role.office)
def confirm_filing(sub_id: int):
    sub = _submission(sub_id)
    return _run(lambda: lanes.confirm_filing(current_user, sub, request.form.get("reason", "")),
                _("Filed: the finding of no significant health impact is confirmed, without expert review."), sub)


@bp.route("/submissions/<int:sub_id>/return", methods=["POST"])
@role_required(Role.office)
def return_(sub_id: int):
    sub = _submission(sub_id)
    return _run(lambda: sops.return_submission(current_user, sub, request.form.get("reason", ""),
                                               request.form.getlist("missing")),
                _("Returned to the department for completion."), sub)


@bp.route("/submissions/<int:sub_id>/assign", methods=["POST"])
@role_required(Role.office)
def assign(sub_id: int):
    sub = _submission(sub_id)
    ids = [int(x) for x in request.form.getlist("expert_ids") if x.isdigit()]
    extra = request.form.get("extra_expert", "").strip()
    if extra:
        found = db.session.scalar(db.select(Expert).where(Expert.name == extra))
        if found is None:
            flash(_("No expert named %(name)s.", name=extra), "error")
            return redirect(url_for(".detail", sub_id=sub.id))
        ids.append(found.id)
    try:
        due = date.fromisoformat(request.form.get("due", ""))
    except ValueError:
        flash(_("Enter the deadline as a date."), "error")
        return redirect(url_for(".detail", sub_id=sub.id))
    return _run(lambda: rops.assign_experts(current_user, sub, ids, due),
                _("The experts were invited."), sub)


@bp.route("/submissions/<int:sub_id>/close", methods=["POST"])
@role_required(Role.office)
def close(sub_id: int):
    sub = _submission(sub_id)
    return _run(lambda: rops.close_review(current_user, sub, request.form.get("reason", "")),
                _("The review was closed; the submission is in deliberation."), sub)


@bp.route("/submissions/<int:sub_id>/reopen", methods=["POST"])
@role_required(Role.office)
def reopen(sub_id: int):
    sub = _submission(sub_id)
    return _run(lambda: rops.reopen_review(current_user, sub, request.form.get("reason", "")),
                _("The review was reopened."), sub)


def _assignment(assignment_id: int) -> Assignment:
    a = db.session.get(Assignment, assignment_id)
    if a is None:
        abort(404)
    return a


@bp.route("/assignments/<int:assignment_id>/remind", methods=["POST"])
@role_required(Role.office)
def remind(assignment_id: int):
    a = _assignment(assignment_id)
    return _run(lambda: rops.send_reminder(current_user, a, "manual"),
                _("A reminder was sent to %(name)s.", name=a.expert.name), a.submission)


@bp.route("/assignments/<int:assignment_id>/replace", methods=["POST"])
@role_required(Role.office)
def replace(assignment_id: int):
    a = _assignment(assignment_id)
    expert_id = request.form.get("expert_id", type=int)
    if not expert_id:
        flash(_("Choose the expert who takes the seat."), "error")
        return redirect(url_for(".detail", sub_id=a.submission_id))
    return _run(lambda: rops.replace_expert(current_user, a, expert_id),
                _("The seat was given to another expert, who is invited now."), a.submission)


@bp.route("/assignments/<int:assignment_id>/reinvite", methods=["POST"])
@role_required(Role.office)
def reinvite(assignment_id: int):
    a = _assignment(assignment_id)
    return _run(lambda: rops.reopen_invitation(current_user, a),
                _("%(name)s is invited again.", name=a.expert.name), a.submission)


@bp.route("/submissions/<int:sub_id>/decide", methods=["GET", "POST"])
@role_required(Role.office)
def decide(sub_id: int):
    from ..reviews.followup import item_marks, round_items

    sub = _submission(sub_id)
    opinions = rops.submitted_opinions(sub)
    error = None
    if request.method == "POST":
        try:
            decision = rops.decide(current_user, sub, request.form.get("conclusion", ""),
                                   request.form.get("reason", ""))
            db.session.commit()
            flash(_("Decision recorded: %(c)s.", c=_label_conclusion(decision.conclusion)), "success")
            if "sheets.prepare" in current_app.view_functions:
                return redirect(url_for("sheets.prepare", decision_id=decision.id))
            return redirect(url_for(".detail", sub_id=sub.id))
        except (TransitionError, rops.ReviewError, ValueError) as exc:
            db.session.rollback()
            if getattr(exc, "code", None) == "already_decided":
                flash(error_text("already_decided"), "error")  # a colleague was faster
                return redirect(url_for(".detail", sub_id=sub.id))
            error = exc_text(exc) if getattr(exc, "code", None) else error_text("invalid_state", str(exc))
    proposed = rops.propose_conclusion(opinions)
    return render_template("office/decide.html", sub=sub, opinions=opinions, rows=rops.clause_view(sub),
                           proposed=proposed, agreement=rops.agreement(opinions), error=error,
                           items=round_items(sub, sub.current_round), marks=item_marks(opinions),
                           screening=sub.current_version.screening or {},
                           questions=(sub.current_version.screening or {}).get("questions") or [],
                           Conclusion=Conclusion, strictest=max((o.recommendation for o in opinions),
                                                                key=lambda c: c.severity, default=None))


def _label_conclusion(c):
    from ..i18n import label

    return label("conclusion", c)


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.office, Role.admin)
def settings():
    setting = committee()
    if request.method == "POST":
        setting.experts_see_peers = bool(request.form.get("experts_see_peers"))
        setting.anonymise_panel = bool(request.form.get("anonymise_panel"))
        db.session.merge(setting)
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for(".settings"))
    return render_template("office/settings.html", setting=setting)




from . import exports  # noqa: E402,F401  (registers the list exports on this blueprint)
