"""Side effects follow the outcome of the whole transaction, never of a savepoint inside it."""
from __future__ import annotations

from pathlib import Path

from review.extensions import db
from review.notifications.mail import queue_mail
from review.transaction import delete_after_commit, written


def outbox(app) -> set[Path]:
    return set(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))


def touch(app, name: str) -> Path:
    path = Path(app.instance_path) / name
    path.write_bytes(b"x")
    return path


def test_a_released_savepoint_sends_nothing_before_the_commit(app, make):
    make.user("office", username="o1")
    queue_mail("a@example.cn", "主题", "正文")
    with db.session.begin_nested():
        db.session.execute(db.text("SELECT 1"))
    assert outbox(app) == set()  # the savepoint is not the transaction
    db.session.rollback()
    assert outbox(app) == set()
    queue_mail("a@example.cn", "主题", "正文")
    db.session.execute(db.text("SELECT 1"))
    db.session.commit()
    assert len(outbox(app)) == 1


def test_written_files_go_unless_the_transaction_commits(app, make):
    make.user("office", username="o1")
    kept, rolled_back, closed = (touch(app, n) for n in ("kept", "rolled-back", "closed"))
    written(kept)
    db.session.execute(db.text("SELECT 1"))
    db.session.commit()
    written(rolled_back)
    db.session.execute(db.text("SELECT 1"))
    db.session.rollback()
    written(closed)
    db.session.execute(db.text("SELECT 1"))
    db.session.close()  # the request ended with an error: neither commit nor rollback was called
    assert kept.exists() and not rolled_back.exists() and not closed.exists()


def test_a_file_is_deleted_only_when_its_removal_commits(app, make):
    make.user("office", username="o1")
    path = touch(app, "old-draft")
    delete_after_commit(path)
    db.session.execute(db.text("SELECT 1"))
    db.session.rollback()
    assert path.exists()  # the row that uses it stays: so does the file
    delete_after_commit(path)
    db.session.execute(db.text("SELECT 1"))
    db.session.commit()
    assert not path.exists()


def test_an_upload_whose_transaction_fails_leaves_no_file(app, make):
    from review.submissions import storage

    make.user("office", username="o1")
    saved = storage.save_upload(b"draft bytes", "draft.txt")
    assert saved.path.exists()
    db.session.execute(db.text("SELECT 1"))
    db.session.rollback()
    assert not saved.path.exists()
