"""The audit page and the API follow the same visibility rules as the other pages."""
from __future__ import annotations

from review.accounts.operations import create_token
from review.audit.models import CommitteeSetting
from review.extensions import db
from review.reviews import operations as rops


def _decline(loop, reason="本人近期出国，另有私事"):
    seat = loop["sub"].round_assignments()[0]
    user = next(u for u in loop["experts"] if u.expert_id == seat.expert_id)
    rops.respond(user, seat, "decline", reason)
    db.session.commit()
    return seat, user


def test_audit_page_anonymises_experts_and_hides_decline_reason(client, auth, loop):
    seat, expert_user = _decline(loop)
    accepted = loop["sub"].round_assignments()[1]
    rops.respond(accepted.expert.user, accepted, "accept")
    db.session.add(CommitteeSetting(id=1, name="", experts_see_peers=False, anonymise_panel=True))
    db.session.commit()
    names = [a.expert.name for a in loop["sub"].assignments]
    auth.login("edu")
    page = client.get(f"/submissions/{loop['sub'].id}/audit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "本人近期出国" not in text
    for name in names:
        assert name not in text
    assert "专家A" in text or "专家B" in text  # the seats appear under their anonymous labels
    auth.logout()
    auth.login("office")  # the office sees everything
    text = client.get(f"/submissions/{loop['sub'].id}/audit").get_data(as_text=True)
    assert "本人近期出国" in text and seat.expert.name in text


def test_audit_page_names_experts_when_the_panel_is_not_anonymous(client, auth, loop):
    seat, _ = _decline(loop)
    auth.login("edu")
    text = client.get(f"/submissions/{loop['sub'].id}/audit").get_data(as_text=True)
    assert seat.expert.name in text
    assert "本人近期出国" not in text  # the reason stays with the committee office


def test_declined_expert_reads_neither_page_nor_api(client, auth, loop, app):
    seat, user = _decline(loop)
    token = create_token(user.username)
    db.session.commit()
    sub_id = loop["sub"].id
    with app.app_context():
        api = client.get(f"/api/v1/submissions/{sub_id}", headers={"Authorization": f"Bearer {token}"})
        listing = client.get("/api/v1/submissions", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 404
    assert sub_id not in [s["id"] for s in (listing.get_json() or {}).get("items", [])]
    auth.login(user.username)
    assert client.get(f"/submissions/{sub_id}").status_code == 404


def test_seated_expert_reads_page_and_api(client, auth, loop, app):
    seat = loop["sub"].round_assignments()[1]
    token = create_token(seat.expert.user.username)
    db.session.commit()
    with app.app_context():
        api = client.get(f"/api/v1/submissions/{loop['sub'].id}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
