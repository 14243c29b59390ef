"""Submission operations: upload and preview, submit, intake, completion, revision, withdrawal.

Operations take the actor, change state through the workflow, flush and never commit.
"""
from __future__ import annotations

import secrets

from flask import current_app, has_request_context
from werkzeug.datastructures import FileStorage

from .. import validation as v
from ..accounts.models import Role, User
from ..audit.operations import record_event
from ..extensions import db
from ..notifications.operations import notify, office_users
from ..workflow import TransitionError, transition
from . import storage
from .models import (
    RETURN_ITEMS, Clause, FileKind, PolicyType, Stage, StagedUpload, Status, StoredFile, Submission, SubmissionVersion,
    return_item_field,
)
from ..jobs import enqueue, latest_job
from .parsing import parse_draft


class SubmissionError(ValueError):
    """A user-facing problem; ``field`` names the form field when there is one."""

    def __init__(self, code: str, message: str, field: str | None = None,
                 problems: list[tuple[str, str, str | None]] | None = None):
        self.code = code
        self.field = field
        # Every problem found at once, (code, message, field); the first is code/message/field.
        self.problems = problems or [(code, message, field)]
        super().__init__(message)


def _check_extension(upload_name: str, allowed: set[str], field: str) -> None:
    ext = storage.extension(upload_name)
    if ext not in allowed:
        raise SubmissionError("bad_file_type", f"{ext or 'no extension'} is not accepted here", field)


def validate_fields(form: dict) -> tuple[dict, list[tuple[str, str]]]:
    """The cleaned fields, and every problem found at once as (code, field). A field with a problem
    is kept empty, so that the upload can still be staged (its files kept) and the form shown again."""
    fields: dict = {}
    problems: list[tuple[str, str]] = []
    for name, kind, limit in (("title", "line", None), ("contact_name", "line", 100),
                              ("contact_phone", "line", 50), ("note", "text", 5000)):
        try:
            value = (v.line if kind == "line" else v.text)(form.get(name), name, max_len=limit)
        except v.TextError as exc:
            problems.append((exc.code, name))
            value = ""
        fields[name] = value
    if len(fields["title"]) > 300:
        problems.append(("title_too_long", "title"))
        fields["title"] = ""
    elif not fields["title"] and not any(f == "title" for _c, f in problems):
        problems.append(("missing_title", "title"))
    try:
        fields["policy_type"] = PolicyType(form.get("policy_type")).value
    except ValueError:
        fields["policy_type"] = ""
        problems.append(("bad_policy_type", "policy_type"))
    try:
        fields["stage"] = Stage(form.get("stage") or Stage.drafting.value).value
    except ValueError:
        fields["stage"] = Stage.drafting.value
        problems.append(("bad_stage", "stage"))
    return fields, problems


def _save(upload: FileStorage, kind: FileKind) -> dict:
    try:
        saved = storage.save_upload(upload)
    except OSError as exc:
        raise _storage_error(exc) from None
    return {"kind": kind.value, "filename": saved.filename, "storage_key": saved.storage_key,
            "size": saved.size, "sha256": saved.sha256}


def stage_files(staged: StagedUpload, *, draft: FileStorage | None = None, letter: FileStorage | None = None,
                basis: list[FileStorage] = ()) -> None:
    """Add or replace files of a staged upload and parse a new draft.

    File-type errors raise before anything is written; a draft the pipeline cannot read is kept
    with its parse result so that the preview can explain what is wrong.
    """
    count = len(staged.files) + sum(1 for f in (draft, letter, *basis) if f is not None and f.filename)
    limit = int(current_app.config["MAX_FILES"])
    if count > limit:
        err = SubmissionError("too_many_files", f"{count} files; at most {limit} per submission", "basis")
        err.params = {"n": count, "max": limit}
        raise err
    if draft is not None and draft.filename:
        _check_extension(draft.filename, storage.DRAFT_EXTENSIONS | {".doc", ".wps"}, "draft")
    if letter is not None and letter.filename:
        _check_extension(letter.filename, storage.LETTER_EXTENSIONS, "letter")
    for b in basis:
        if b.filename:
            _check_extension(b.filename, storage.BASIS_EXTENSIONS, "basis")
    files = list(staged.files)
    parse_key = None
    for kind, upload in ((FileKind.draft, draft), (FileKind.letter, letter)):
        if upload is not None and upload.filename:
            for old in [f for f in files if f["kind"] == kind.value]:
                storage.delete_key(old["storage_key"])
                files.remove(old)
            files.append(_save(upload, kind))
            if files[-1]["size"] == 0:  # an interrupted upload or the wrong file: nothing to read
                if kind is FileKind.letter:
                    raise SubmissionError("empty_file", "the file is empty (0 bytes)", "letter")
                staged.parsed = {"status": "failure", "file": files[-1]["filename"],
                                 "errors": [{"code": "empty_file", "message": "the file is empty (0 bytes)"}]}
            elif kind is FileKind.draft and has_request_context():
                staged.parsed = None  # a request hands the reading to a job (review/submissions/jobs.py)
                parse_key = files[-1]["storage_key"]
            elif kind is FileKind.draft:  # scripts, the CLI and the jobs themselves read it in place
                staged.parsed = parse_draft(storage.upload_path(files[-1]["storage_key"]), files[-1]["filename"],
                                            in_job=True)
    files.extend(_save(b, FileKind.basis) for b in basis if b.filename)
    staged.files = files
    if parse_key:
        if staged.id is None:
            db.session.add(staged)
            db.session.flush()
        enqueue("parse_draft", {"staged_id": staged.id, "key": parse_key}, owner_id=staged.user_id,
                subject=parse_subject(staged), total=1)


def parse_subject(staged: StagedUpload) -> str:
    return f"staged:{staged.id}"


def parse_job(staged: StagedUpload):
    """The job reading the staged draft (None when the draft was never parsed by one)."""
    return latest_job(parse_subject(staged)) if staged.id is not None else None


def draft_parsing(staged: StagedUpload) -> bool:
    return staged.file_of("draft") is not None and staged.parsed is None


def stage_submission(actor: User, form: dict, *, draft=None, letter=None, basis=(),
                     staged: StagedUpload | None = None, strict: bool = False) -> StagedUpload:
    """Stage an upload for preview. With ``strict`` (one-shot callers such as the API) a field
    problem raises before any file is written; otherwise it is kept for the preview to show."""
    if actor.role is not Role.department:
        raise SubmissionError("forbidden", "only department users submit drafts")
    fields, problems = validate_fields(form)
    if strict and problems:
        code, field = problems[0]
        raise SubmissionError(code, f"invalid field: {code}", field,
                              [(c, f"invalid field: {c}", f) for c, f in problems])
    fields["problems"] = [list(p) for p in problems]  # shown with the files' problems, all at once
    # A new review asked for after a follow-up evaluation (review/followups): kept until confirmed.
    followup = str(form.get("followup") or (staged.form or {} if staged else {}).get("followup_id") or "")
    if v.as_id(followup) is not None:
        fields["followup_id"] = followup
    if staged is None:
        staged = StagedUpload(token=secrets.token_urlsafe(24), user_id=actor.id, purpose="submission",
                              form=fields, files=[])
        db.session.add(staged)
    else:
        staged.form = fields
    stage_files(staged, draft=draft, letter=letter, basis=list(basis))
    db.session.flush()
    return staged


def staged_problems(staged: StagedUpload) -> list[tuple[str, str]]:
    """What blocks confirmation, as (code, field): the form's fields first, then the files."""
    problems = [(code, field) for code, field in (staged.form or {}).get("problems") or []]
    if staged.file_of("letter") is None:
        problems.append(("missing_letter", "letter"))
    if staged.file_of("draft") is None:
        problems.append(("missing_draft", "draft"))
    elif draft_parsing(staged):
        problems.append(("draft_parsing", "draft"))
    elif draft_problem(staged.parsed):
        problems.append((draft_problem(staged.parsed), "draft"))
    return problems


def draft_problem(parsed: dict | None) -> str | None:
    """Why a parsed draft cannot be submitted: unreadable, or no body text (an empty file, a web
    page renamed .txt); None when it can."""
    if not parsed or parsed.get("status") == "failure":
        return "draft_unreadable"
    if not parsed.get("clauses"):
        return "empty"
    return None


def get_staged(actor: User, token: str) -> StagedUpload | None:
    staged = db.session.scalar(db.select(StagedUpload).where(StagedUpload.token == token))
    return staged if staged is not None and staged.user_id == actor.id else None


def _clauses_from(parsed: dict) -> list[Clause]:
    return [
        Clause(key=c["id"], ordinal=n, path=c.get("path") or "", text=c["text"], page=c.get("page"),
               kind=c.get("kind") or "body", determinants=c.get("determinants") or [],
               domains=c.get("domains") or [])
        for n, c in enumerate(parsed.get("clauses") or [])
    ]


def _set_parsed(version: SubmissionVersion, parsed: dict) -> None:
    version.parsed = parsed
    version.screening = parsed.get("screening")
    version.parse_status = parsed.get("status", "")
    version.draft_sha256 = parsed.get("sha256") or ""
    version.text_sha256 = parsed.get("text_sha256") or ""
    if version.clauses:
        version.clauses = []
        db.session.flush()  # delete the old clauses before their keys are reused
    version.clauses = _clauses_from(parsed)
    from ..registry.operations import record_parsed

    record_parsed(version, parsed)  # the policy's registry entry follows its latest draft


def _add_files(version: SubmissionVersion, files: list[dict]) -> None:
    for f in files:
        version.files.append(StoredFile(kind=FileKind(f["kind"]), filename=f["filename"],
                                        storage_key=f["storage_key"], size=f["size"], sha256=f["sha256"]))


def _version_from(sub: Submission, round_: int, files: list[dict], parsed: dict, actor: User,
                  note: str = "") -> SubmissionVersion:
    version = SubmissionVersion(round=round_, note=note, created_by_id=actor.id)
    sub.versions.append(version)
    _add_files(version, files)
    _set_parsed(version, parsed)
    return version


def confirm_submission(actor: User, staged: StagedUpload) -> Submission:
    """Turn a previewed upload into a submission (round 1, status submitted)."""
    problems = staged_problems(staged)
    if problems:
        code, field = problems[0]
        raise SubmissionError(code, f"cannot submit yet: {code}", field)
    form = staged.form
    sub = Submission(
        title=form["title"], department_id=actor.department_id, policy_type=PolicyType(form["policy_type"]),
        stage=Stage(form["stage"]), contact_name=form["contact_name"], contact_phone=form["contact_phone"],
        status=Status.submitted, current_round=1, created_by=actor,
        panel_size=int(current_app.config["PANEL_SIZE"]),
    )
    db.session.add(sub)
    if form.get("followup_id"):  # a new review after a follow-up evaluation: the same registry entry
        from ..followups.operations import link_new_submission

        link_new_submission(actor, sub, form["followup_id"])
    _version_from(sub, 1, staged.files, staged.parsed, actor, form.get("note", ""))
    db.session.delete(staged)
    db.session.flush()
    record_event(sub, actor, "submit", "", Status.submitted.value)
    notify(office_users(), "submission.submit", submission=sub, url=f"/office/submissions/{sub.id}",
           department=sub.department.name)
    return sub


def submit(actor: User, form: dict, *, draft, letter=None, basis=()) -> Submission:
    """Upload and submit in one step (the API); the browser previews first."""
    staged = stage_submission(actor, form, draft=draft, letter=letter, basis=basis, strict=True)
    try:
        return confirm_submission(actor, staged)
    except SubmissionError as exc:
        if exc.code == "draft_unreadable":
            exc.code = (staged.parsed or {}).get("errors", [{}])[0].get("code", exc.code)
        discard_staged(staged)  # nothing of a refused upload stays on disk
        raise


def refuse_unreadable(staged: StagedUpload) -> None:
    """One-shot callers refuse an unreadable draft with the pipeline's own code (e.g. encrypted)."""
    parsed = staged.parsed or {}
    if staged.file_of("draft") and parsed.get("status") == "failure":
        errors = parsed.get("errors") or [{}]
        raise SubmissionError(errors[0].get("code") or "draft_unreadable",
                              errors[0].get("message") or "the draft could not be read", "draft")


def discard_staged(staged: StagedUpload) -> None:
    for f in staged.files:
        storage.delete_key(f["storage_key"])
    db.session.delete(staged)


def accept_submission(actor: User, sub: Submission, lane=None, reason: str = ""):
    """Intake in a lane (review/lanes.py): the screening's suggestion unless the office says why not."""
    from ..lanes import accept

    return accept(actor, sub, lane, reason)


def return_submission(actor: User, sub: Submission, reason: str, items: list[str] = ()) -> None:
    """Return for completion: ``items`` (codes of RETURN_ITEMS) each get an upload slot that the
    department must fill before resubmitting; ``reason`` is the office's remark."""
    with v.raising(SubmissionError):
        reason = v.text(reason, "reason", max_len=5000)
    unknown = [i for i in items if i not in RETURN_ITEMS]
    if unknown:
        raise SubmissionError("bad_return_item", f"unknown items {unknown!r}", "missing")
    items = [code for code in RETURN_ITEMS if code in items]
    # The audit trail and the notification keep the request as the committee wrote it.
    transition(sub, "return", actor, reason="；".join([*(_item_name(i) for i in items), reason]).strip("；"),
               data={"items": items})
    sub.return_reason = reason
    sub.return_items = items


def _item_name(code: str) -> str:
    from flask_babel import force_locale

    from ..i18n import label

    with force_locale(current_app.config.get("DEFAULT_LOCALE") or "zh_CN"):
        from flask import g

        g.pop("_translations", None)
        try:
            return label("return_item", code)
        finally:
            g.pop("_translations", None)


def complete_submission(actor: User, sub: Submission, *, note: str = "", draft=None, letter=None,
                        basis=(), requested: dict | None = None) -> StagedUpload | None:
    """The department adds what was missing and sends the submission back to intake.

    ``requested``: for the basis-kind items the office asked for (explanation, consultation), the
    uploads of their own slots. Every requested item must come with a file. A new draft is read by
    a background job first: the staged completion is then returned, and the job applies it
    (``apply_completion``) once the draft is read."""
    from ..workflow import can

    if not can(actor, sub, "resubmit"):
        raise TransitionError("forbidden", "cannot complete this submission")
    with v.raising(SubmissionError):
        note = v.text(note, "note", max_len=5000)
    requested = requested or {}
    given = {"letter": [letter], "draft": [draft], "basis": list(basis)}
    missing = [code for code in sub.return_items or []
               if not any(f is not None and f.filename for f in given.get(code) or requested.get(code) or [])]
    if missing:
        problems = [(f"missing_item_{code}", f"the requested {code} is not uploaded", return_item_field(code))
                    for code in missing]
        raise SubmissionError(*problems[0], problems=problems)
    basis = [*basis, *(f for code in RETURN_ITEMS if code not in given for f in requested.get(code) or [])]
    earlier = pending_completion(sub)
    if earlier is not None:
        discard_staged(earlier)
    staged = StagedUpload(token=secrets.token_urlsafe(24), user_id=actor.id, purpose="completion",
                          submission_id=sub.id, files=[], form={"note": note, "then": "complete"})
    stage_files(staged, draft=draft, letter=letter, basis=list(basis))
    if draft_parsing(staged):
        return staged
    apply_completion(actor, sub, staged)
    return None


def apply_completion(actor: User, sub: Submission, staged: StagedUpload) -> None:
    if staged.file_of("draft") and draft_problem(staged.parsed):
        # The files just written go again with the rolled-back transaction (review/transaction.py).
        code = draft_problem(staged.parsed)
        raise SubmissionError(code, _parse_reason(staged.parsed) if code == "draft_unreadable" else
                              "the draft has no body text", "draft")
    version = sub.current_version
    replaced = {f["kind"] for f in staged.files} & {FileKind.draft.value, FileKind.letter.value}
    # Replaced files leave the version but stay on disk; the audit event names them.
    version.files = [f for f in version.files if f.kind.value not in replaced]
    _add_files(version, staged.files)
    if staged.file_of("draft"):
        _set_parsed(version, staged.parsed)
    if not any(f.kind is FileKind.letter for f in version.files):
        raise SubmissionError("missing_letter", "the official letter is still missing", "letter")
    note = (staged.form or {}).get("note") or ""
    transition(sub, "resubmit", actor, reason=note or "-",
               data={"files": [f["filename"] for f in staged.files]})
    sub.return_reason = ""
    sub.return_items = []
    if staged in db.session:
        db.session.delete(staged)


def pending_completion(sub: Submission) -> StagedUpload | None:
    """A completion whose new draft is still being read."""
    return db.session.scalar(db.select(StagedUpload).where(
        StagedUpload.submission_id == sub.id, StagedUpload.purpose == "completion").order_by(StagedUpload.id.desc()))


def withdraw_submission(actor: User, sub: Submission, reason: str) -> None:
    from ..reviews.models import AssignmentStatus

    with v.raising(SubmissionError):
        reason = v.text(reason, "reason", max_len=5000)
    open_ones = [a for a in sub.round_assignments() if a.status.is_open]
    transition(sub, "withdraw", actor, reason=reason)
    for a in open_ones:
        a.status = AssignmentStatus.cancelled


def _storage_error(exc: OSError) -> SubmissionError:
    """The disk refused a write: say so; the staged upload and its earlier files stay as they were
    (the partial file goes with the rolled-back transaction)."""
    import errno
    import logging

    logging.getLogger(__name__).error("upload storage write failed: %s", exc)
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return SubmissionError("storage_full" if full else "storage_error", f"the upload could not be stored: {exc}")


def _parse_reason(parsed: dict | None) -> str:
    if not parsed:
        return "the draft could not be read"
    errors = parsed.get("errors") or []
    return errors[0]["message"] if errors else "the draft could not be read"


# -- revision rounds -------------------------------------------------------------------------


def opinion_items(sub: Submission, round_: int):
    """The clause comments of the round's submitted opinions: what the department must answer."""
    from ..reviews.operations import submitted_opinions

    items = [c for o in submitted_opinions(sub, round_) for c in o.comments]
    # The sheet's order: general comments first, then the draft's order of clauses.
    return sorted(items, key=lambda c: (-1, c.id) if c.clause is None else (c.clause.ordinal, c.id))


def validate_responses(sub: Submission, responses: dict) -> dict[int, dict]:
    """{comment_id: {response, reason}} covering every opinion item of the concluded round."""
    from ..reviews.models import ResponseKind

    items = opinion_items(sub, sub.current_round)
    clean: dict[int, dict] = {}
    if not isinstance(responses, dict):
        raise SubmissionError("response_missing", "responses must map opinion item ids to answers", "responses")
    problems: list[tuple[str, str, str | None]] = []
    for item in items:
        raw = responses.get(item.id) or responses.get(str(item.id)) or {}
        field = f"response-{item.id}"
        if not isinstance(raw, dict):
            problems.append(("response_missing", f"answer opinion item {item.id} with an object", field))
            continue
        try:
            kind = ResponseKind(raw.get("response"))
        except ValueError:
            problems.append(("response_missing", f"answer opinion item {item.id}", field))
            continue
        try:
            with v.raising(SubmissionError):
                reason = v.text(raw.get("reason"), field, max_len=5000)
        except SubmissionError as exc:
            problems.append((exc.code, str(exc), field))
            continue
        if kind is not ResponseKind.adopted and not reason:
            problems.append(("response_reason_missing",
                             f"opinion item {item.id}: give the reason for not adopting it fully", field))
            continue
        clean[item.id] = {"response": kind.value, "reason": reason}
    if problems:
        code, message, field = problems[0]
        raise SubmissionError(code, message, field, problems)
    return clean


def stage_revision(actor: User, sub: Submission, *, draft=None, letter=None, responses: dict,
                   note: str = "", staged: StagedUpload | None = None, basis=(),
                   drop_basis=()) -> StagedUpload:
    """Stage round n+1: the revised draft, optionally a new letter, new basis documents and the
    earlier basis documents to leave out (``drop_basis``: their file ids); the others stay attached."""
    from ..workflow import can

    if not can(actor, sub, "revise"):
        from ..permissions import is_owner

        raise TransitionError("invalid_state" if is_owner(actor, sub) else "forbidden",
                              "this submission cannot be revised now")
    clean = {str(k): v for k, v in validate_responses(sub, responses).items()}
    if staged is None:
        staged = StagedUpload(token=secrets.token_urlsafe(24), user_id=actor.id, purpose="revision",
                              submission_id=sub.id, files=[], form={})
        db.session.add(staged)
    with v.raising(SubmissionError):
        note = v.text(note, "note", max_len=5000)
    current = {f.id for f in sub.current_version.files} if sub.current_version else set()
    dropped = sorted({int(i) for i in drop_basis if str(i).isdigit() and int(i) in current})
    staged.form = {"responses": clean, "note": note, "drop_basis": dropped}
    stage_files(staged, draft=draft, letter=letter, basis=list(basis))
    db.session.flush()
    return staged


def confirm_revision(actor: User, sub: Submission, staged: StagedUpload, due=None) -> SubmissionVersion:
    """Start round n+1 with the revised draft and the responses; the previous panel is re-invited."""
    from ..reviews.models import RevisionResponse, ResponseKind
    from ..lanes import default_due
    from ..reviews.operations import reinvite_panel

    if staged.purpose != "revision" or staged.submission_id != sub.id:
        raise SubmissionError("bad_staged", "this upload belongs to another submission")
    if staged.file_of("draft") is None:
        raise SubmissionError("missing_draft", "upload the revised draft", "draft")
    if draft_problem(staged.parsed):
        code = draft_problem(staged.parsed)
        raise SubmissionError(code, _parse_reason(staged.parsed) if code == "draft_unreadable" else
                              "the draft has no body text", "draft")
    responses = validate_responses(sub, {int(k): v for k, v in staged.form.get("responses", {}).items()})
    previous = sub.current_round
    previous_version = sub.current_version
    transition(sub, "revise", actor, reason=staged.form.get("note") or "-",
               data={"round": previous + 1})
    sub.current_round = previous + 1
    files = list(staged.files)
    if previous_version is not None:
        # The letter and the basis documents of the earlier round still stand unless the department
        # sends a new letter or leaves a basis document out.
        keep_letter = staged.file_of("letter") is None
        dropped = set(staged.form.get("drop_basis") or [])
        files += [{"kind": f.kind.value, "filename": f.filename, "storage_key": f.storage_key,
                   "size": f.size, "sha256": f.sha256} for f in previous_version.files
                  if (f.kind is FileKind.letter and keep_letter) or (f.kind is FileKind.basis and f.id not in dropped)]
    version = _version_from(sub, sub.current_round, [], staged.parsed, actor, staged.form.get("note", ""))
    for f in files:
        version.files.append(StoredFile(kind=FileKind(f["kind"]), filename=f["filename"],
                                        storage_key=f["storage_key"] if f in staged.files else _copy_key(f),
                                        size=f["size"], sha256=f["sha256"]))
    db.session.add(version)
    for comment_id, r in responses.items():
        db.session.add(RevisionResponse(version=version, comment_id=comment_id,
                                        response=ResponseKind(r["response"]), reason=r["reason"]))
    db.session.delete(staged)
    db.session.flush()
    reinvite_panel(sub, previous, due or default_due(sub), actor)  # shorter in 简易程序
    return version


def _copy_key(f: dict) -> str:
    """Storage keys are unique per stored file: a letter carried into a new round gets its own copy."""
    import shutil

    src = storage.upload_path(f["storage_key"])
    try:
        saved = storage.save_upload(src.read_bytes(), f["filename"])
    except OSError as exc:
        raise _storage_error(exc) from None
    shutil.copystat(src, saved.path)
    return saved.storage_key
