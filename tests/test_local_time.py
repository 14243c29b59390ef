"""Instants are stored in UTC and shown in the committee's time zone (REVIEW_TIMEZONE)."""
from __future__ import annotations

from datetime import datetime, timezone

from review.calendar import format_local
from review.extensions import db


def test_naive_and_aware_instants_are_shown_in_local_time(app):
    with app.app_context():
        app.config["TIMEZONE"] = "Asia/Shanghai"
        assert format_local(datetime(2026, 12, 1, 20, 30)) == "2026-12-02 04:30"
        assert format_local(datetime(2026, 12, 1, 20, 30, tzinfo=timezone.utc), "%Y-%m-%d") == "2026-12-02"
        assert format_local(None) == ""


def test_notifications_page_shows_local_time(app, make, client, auth):
    from review.audit.models import Notification

    user = make.user("office", username="office")
    db.session.add(Notification(user_id=user.id, kind="x", message="Review started", params={},
                                created_at=datetime(2026, 12, 1, 20, 30, tzinfo=timezone.utc)))
    db.session.commit()
    auth.login("office")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "2026-12-02 04:30" in page and "2026-12-01 20:30" not in page
