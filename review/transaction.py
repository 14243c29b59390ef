"""Side effects that follow the outcome of the request's database transaction.

Mails go out, and replaced files are deleted, only once the transaction commits; files written for
it are removed again if it does not commit (rolled back, or closed after an error), so no row that
never existed leaves a file behind and no row that stays loses its file. A savepoint
(``begin_nested``) released or rolled back inside the transaction changes neither: only the
outermost outcome counts.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

log = logging.getLogger(__name__)
_ON_COMMIT = "review.on_commit"
_ON_ROLLBACK = "review.on_rollback"


def on_commit(action: Callable[[], None]) -> None:
    db.session.info.setdefault(_ON_COMMIT, []).append(action)


def on_rollback(action: Callable[[], None]) -> None:
    db.session.info.setdefault(_ON_ROLLBACK, []).append(action)


def written(path: Path) -> None:
    """A file written for this transaction: removed again unless the transaction commits."""
    on_rollback(lambda: _unlink(path))


def delete_after_commit(path: Path) -> None:
    """A file the transaction stops using: deleted once that is committed, kept otherwise."""
    on_commit(lambda: _unlink(path))


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not delete %s: %s", path, exc)


def _after_commit(session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released: the transaction goes on
    session.info.pop(_ON_ROLLBACK, None)
    for action in session.info.pop(_ON_COMMIT, []):
        action()


def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint or a flush inside the transaction
    # Whatever is still queued here was not committed: rolled back, or closed after an error.
    session.info.pop(_ON_COMMIT, None)
    for action in session.info.pop(_ON_ROLLBACK, []):
        action()


def gather_until_commit(name: str, note: Callable[[object], Iterable[Hashable]],
                        apply: Callable[[Session, set], None]) -> None:
    """Keep, over a transaction's flushes, what ``note(obj)`` says each new, changed or deleted
    object touches; at commit, as the transaction's last writes, call ``apply(session, keys)`` once;
    a rollback forgets them. For state derived from many tables: the routing pool's generation,
    the registry's reviewed flag."""
    key = f"review.gathered.{name}"

    @event.listens_for(Session, "before_flush")
    def _note(session: Session, _context, _instances) -> None:
        gathered = set(session.info.get(key, ()))
        # session.dirty is rebuilt on each read: taken once; an object only touched changes nothing.
        dirty = [obj for obj in session.dirty if session.is_modified(obj)]
        for obj in (*session.new, *dirty, *session.deleted):
            gathered.update(note(obj))
        gathered.discard(None)
        if gathered:
            session.info[key] = gathered

    @event.listens_for(Session, "before_commit")
    def _apply(session: Session) -> None:
        session.flush()
        gathered = session.info.pop(key, None)
        if gathered:
            apply(session, gathered)

    @event.listens_for(Session, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(key, None)


def init() -> None:
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_transaction_end", _after_transaction_end)
