"""Expert pages: invitations, the clause-by-clause review page, opinions."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.auth import role_required
from ..accounts.models import Role
from ..extensions import db
from ..listing import paginate
from ..messages import exc_text
from ..workflow import TransitionError
from . import operations as ops
from .models import Assignment, ClauseComment, Severity

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


def _own(assignment_id: int, *, eager: bool = False) -> Assignment:
    query = db.select(Assignment).where(Assignment.id == assignment_id)
    if eager:  # the review page reads all of these: one round trip instead of five
        from sqlalchemy.orm import joinedload

        from ..submissions.models import Submission, SubmissionVersion

        query = query.options(
            joinedload(Assignment.opinion),
            joinedload(Assignment.submission).joinedload(Submission.department),
            joinedload(Assignment.submission).selectinload(Submission.versions).selectinload(SubmissionVersion.files),
            # the round's items and the seats' labels (专家A/B/C) read every seat and its expert
            joinedload(Assignment.submission).selectinload(Submission.assignments).joinedload(Assignment.expert),
        )
    a = db.session.scalar(query)
    if a is None or a.expert_id != current_user.expert_id:
        abort(404)
    return a


@bp.route("/")
@role_required(Role.expert)
def index():
    query = db.select(Assignment).where(Assignment.expert_id == current_user.expert_id)
    status = request.args.get("status", "")
    if status == "open":
        query = query.where(Assignment.status.in_([s for s in ops.AssignmentStatus if s.is_open]))
    query = query.order_by(Assignment.invited_at.desc())
    page = paginate(query)
    return render_template("reviews/index.html", page=page, status=status)


@bp.route("/<int:assignment_id>")
@role_required(Role.expert)
def review(assignment_id: int):
    from flask_wtf.csrf import generate_csrf

    from ..i18n import language
    from .render import review_body, review_stamp

    stamp = review_stamp(assignment_id)
    if stamp is None or stamp.expert_id != current_user.expert_id:
        abort(404)
    selected_id = request.args.get("clause", type=int)
    body = review_body((stamp, current_user.id, language(), selected_id),
                       lambda: _review_context(assignment_id, selected_id, stamp.shows_peers),
                       csrf_token=generate_csrf())
    from ..routing.precedents import precedents_for_assignment

    return render_template("reviews/review.html", title=stamp.title, body=body,
                           precedents=precedents_for_assignment(current_user, assignment_id))


def _review_context(assignment_id: int, selected_id: int | None, shows_peers: bool) -> dict:
    """What the body of the review page shows (rendered on a cache miss only)."""
    from sqlalchemy.orm import joinedload

    from .followup import round_items
    from .render import clause_list, determinant_datalist

    a = _own(assignment_id, eager=True)
    sub = a.submission
    version = next(v for v in sub.versions if v.round == a.round)
    opinion = a.opinion
    comments = {}
    if opinion is not None:
        comments = {c.clause_id: c for c in db.session.scalars(
            db.select(ClauseComment).options(joinedload(ClauseComment.clause))
            .where(ClauseComment.opinion_id == opinion.id))}
    peers = []
    if shows_peers:
        peers = ops.peer_opinions(sub, a.round, a.id)
    editable = a.status.is_open and sub.status.value == "under_review" and a.round == sub.current_round
    selected = None
    if editable and selected_id:
        selected = next((c for c in version.clauses if c.id == selected_id and c.reviewable), None)
    return dict(a=a, sub=sub, version=version, opinion=opinion, comments=comments, peers=peers,
                screening=version.screening or {},
                questions=(version.screening or {}).get("questions") or [], editable=editable,
                Severity=Severity, determinant_datalist=determinant_datalist(), selected=selected,
                clauses_html=clause_list(version, sub), answers=(opinion.screening if opinion else {}) or {},
                items=round_items(sub, a.round),
                checks={c.comment_id: c for c in opinion.checks} if opinion is not None else {})


@bp.route("/<int:assignment_id>/comments", methods=["POST"])
@role_required(Role.expert)
def comment(assignment_id: int):
    """Save one clause comment (the page's editor posts here, by fetch or as a plain form)."""
    a = _own(assignment_id)
    wants_json = request.accept_mimetypes.best == "application/json"
    clause_id = request.form.get("clause_id", type=int)
    item = {k: request.form.get(k, "") for k in ("text", "suggestion", "determinant", "severity")}
    if request.form.get("action") == "delete":
        item["text"] = item["suggestion"] = ""
    try:
        saved = ops.save_comment(current_user, a, clause_id, item)
        db.session.commit()
    except (TransitionError, ops.ReviewError) as exc:
        db.session.rollback()
        message = exc_text(exc)
        if wants_json:
            return jsonify({"error": exc.code, "detail": message}), 400
        flash(message, "error")
        return redirect(url_for(".review", assignment_id=a.id, clause=clause_id, _anchor="editor"))
    if wants_json:
        return jsonify({"clause_id": clause_id, "comment": _comment_json(saved)})
    flash(_("Comment saved.") if saved else _("Comment removed."), "success")
    return redirect(url_for(".review", assignment_id=a.id, _anchor=f"clause-{clause_id}" if clause_id else "opinion-form"))


@bp.app_template_global()
def comments_json(comments: dict) -> dict:
    """The expert's clause comments for the page script, keyed by clause id."""
    return {str(k): _comment_json(c) for k, c in comments.items() if k is not None}


def _comment_json(c) -> dict | None:
    if c is None:
        return None
    return {"text": c.text, "suggestion": c.suggestion, "determinant": c.determinant, "severity": c.severity.value}


@bp.route("/<int:assignment_id>/respond", methods=["POST"])
@role_required(Role.expert)
def respond(assignment_id: int):
    a = _own(assignment_id)
    answer = request.form.get("answer", "")
    try:
        ops.respond(current_user, a, answer, request.form.get("reason", ""))
        db.session.commit()
        flash({"accept": _("Thank you: the invitation is accepted."),
               "decline": _("You declined the invitation."),
               "conflict": _("Your conflict of interest is recorded; the office will invite someone else.")}[answer],
              "success")
    except (TransitionError, ops.ReviewError) as exc:
        db.session.rollback()
        flash(exc_text(exc), "error")
    if answer == "accept":
        return redirect(url_for(".review", assignment_id=a.id))
    return redirect(url_for(".index"))


def _opinion_data(form) -> dict:
    screening = {q: form.get(f"screen-{q}") for q in ops.QUESTION_IDS if form.get(f"screen-{q}")}
    data = {"recommendation": form.get("recommendation") or None, "summary": form.get("summary", ""),
            "screening": screening}
    # Round 2 and later: the finding on each earlier opinion item, check-<comment id> and its note.
    checks = {key[len("check-"):]: {"status": form.get(key, ""), "note": form.get(f"check-note-{key[len('check-'):]}", "")}
              for key in form if key.startswith("check-") and not key.startswith("check-note-")}
    if checks:
        data["checks"] = checks
    return data


@bp.route("/<int:assignment_id>/opinion", methods=["POST"])
@role_required(Role.expert)
def opinion(assignment_id: int):
    a = _own(assignment_id)
    submit = request.form.get("action") == "submit"
    data = _opinion_data(request.form)
    general = {"text": request.form.get("comment-general", ""), "severity": "medium"}
    try:
        if "comment-general" in request.form:
            ops.save_comment(current_user, a, None, general)
        ops.save_opinion(current_user, a, data, submit=submit)
        db.session.commit()
        flash(_("Your opinion is submitted and locked.") if submit else _("Draft saved."), "success")
    except (TransitionError, ops.ReviewError) as exc:
        db.session.rollback()
        # Keep what was typed: save it as a draft, then explain what blocks the submission.
        if submit and isinstance(exc, ops.ReviewError):
            try:
                if "comment-general" in request.form:
                    ops.save_comment(current_user, a, None, general)
                ops.save_opinion(current_user, a, data, submit=False)
                db.session.commit()
            except (TransitionError, ops.ReviewError):
                db.session.rollback()
        flash(exc_text(exc), "error")
    return redirect(url_for(".review", assignment_id=a.id))
