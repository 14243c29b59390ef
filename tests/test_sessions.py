"""Sessions end on the server: sign-out, password change, deactivation, "sign out everywhere"."""
from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from review.accounts.models import LoginSession, User
from review.extensions import db

PAGE = "/notifications/"  # a page that needs a login, any role
PASSWORD_PAGE = "/account/password"


def login(app, username, password, remember=False):
    client = app.test_client()
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client, response


def signed_in(client) -> bool:
    return client.get(PAGE).status_code == 200


def replay(app, **cookies):
    """A fresh browser that presents copies of the given cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def set_cookie_header(response, name):
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "="))


def test_logout_ends_the_session_and_remember_cookies_on_the_server(app, make):
    make.user("office", username="o1")
    client, _ = login(app, "o1", make.PASSWORD, remember=True)
    session_cookie = client.get_cookie("session").value
    remember_cookie = client.get_cookie("remember_token").value
    assert signed_in(replay(app, session=session_cookie))
    assert signed_in(replay(app, remember_token=remember_cookie))
    client.post("/logout")
    # Copies of the cookies taken before the sign-out (a stolen cookie, a second tab) no longer work.
    assert not signed_in(replay(app, session=session_cookie))
    assert not signed_in(replay(app, remember_token=remember_cookie))
    assert not signed_in(client)
    assert db.session.scalar(db.select(LoginSession)).ended_at is not None


def test_signing_out_one_browser_leaves_the_others_signed_in(app, make):
    make.user("office", username="o1")
    first, _ = login(app, "o1", make.PASSWORD)
    second, _ = login(app, "o1", make.PASSWORD)
    first.post("/logout")
    assert not signed_in(first) and signed_in(second)


def test_remember_cookie_lasts_14_days_and_is_httponly_samesite(app, make):
    make.user("office", username="o1")
    _, response = login(app, "o1", make.PASSWORD, remember=True)
    header = set_cookie_header(response, "remember_token")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header  # http in tests
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    days = (expires - datetime.now(timezone.utc)).total_seconds() / 86400
    assert 13.9 < days <= 14.0
    session = db.session.scalar(db.select(LoginSession))
    stored = session.expires_at.replace(tzinfo=timezone.utc)
    assert 13.9 < (stored - datetime.now(timezone.utc)).total_seconds() / 86400 <= 14.0


def test_session_lifetime_is_configurable_and_cookies_secure_over_https(tmp_path, monkeypatch, make):
    from review import create_app

    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "https"))
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "SESSION_DAYS": 3, "BASE_URL": "https://review.example.gov.cn"})
    with app.app_context():
        db.create_all()
        type(make)(app).user("office", username="o1")
        _, response = login(app, "o1", make.PASSWORD, remember=True)
        remember = set_cookie_header(response, "remember_token")
        assert "Secure" in remember and "Secure" in set_cookie_header(response, "session")
        expires = parsedate_to_datetime(remember.split("Expires=")[1].split(";")[0])
        assert 2.9 < (expires - datetime.now(timezone.utc)).total_seconds() / 86400 <= 3.0
        db.session.remove()


def test_an_expired_session_is_anonymous(app, make):
    make.user("office", username="o1")
    client, _ = login(app, "o1", make.PASSWORD)
    row = db.session.scalar(db.select(LoginSession))
    row.expires_at = datetime(2020, 1, 1, tzinfo=timezone.utc)
    db.session.commit()
    assert not signed_in(client)
    login(app, "o1", make.PASSWORD)  # a new sign-in clears the user's expired rows
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(LoginSession.id))) == 1


def test_changing_the_password_signs_out_the_other_browsers(app, make):
    make.user("department", username="edu")
    here, _ = login(app, "edu", make.PASSWORD)
    there, _ = login(app, "edu", make.PASSWORD)
    assert 'href="/account/password"' in here.get("/submissions/").get_data(as_text=True)  # linked from the header
    wrong = here.post(PASSWORD_PAGE, data={"current": "not it", "new": "a new long passphrase 7", "confirm": "a new long passphrase 7"})
    assert wrong.status_code == 200 and signed_in(there)
    weak = here.post(PASSWORD_PAGE, data={"current": make.PASSWORD, "new": "short", "confirm": "short"})
    assert weak.status_code == 200 and "12" in weak.get_data(as_text=True)
    done = here.post(PASSWORD_PAGE, data={"current": make.PASSWORD, "new": "a new long passphrase 7",
                                 "confirm": "a new long passphrase 7"})
    assert done.status_code == 302
    assert signed_in(here) and not signed_in(there)
    assert app.test_client().post("/login", data={"username": "edu", "password": make.PASSWORD}).status_code == 200
    login(app, "edu", "a new long passphrase 7")


def test_user_signs_out_other_browsers(app, make):
    make.user("expert", username="e1")
    here, _ = login(app, "e1", make.PASSWORD)
    there, _ = login(app, "e1", make.PASSWORD, remember=True)
    remember_cookie = there.get_cookie("remember_token").value
    here.post("/account/sign-out-everywhere")
    assert signed_in(here) and not signed_in(there)
    assert not signed_in(replay(app, remember_token=remember_cookie))


def test_admin_signs_a_user_out_everywhere_deactivates_and_resets(app, make):
    make.user("admin", username="root")
    user = make.user("office", username="o1")
    admin, _ = login(app, "root", make.PASSWORD)
    victim, _ = login(app, "o1", make.PASSWORD)
    admin.post(f"/admin/users/{user.id}/sign-out")
    assert not signed_in(victim) and signed_in(admin)

    victim, _ = login(app, "o1", make.PASSWORD)
    page = admin.post(f"/admin/users/{user.id}/password", data={"password": "1qaz2wsx3edc"},
                      follow_redirects=True).get_data(as_text=True)
    assert "common passwords" in page or "常见密码" in page
    assert signed_in(victim)  # a refused reset changes nothing
    admin.post(f"/admin/users/{user.id}/password", data={"password": "reset by the admin 2026"})
    assert not signed_in(victim)
    login(app, "o1", "reset by the admin 2026")

    victim, _ = login(app, "o1", "reset by the admin 2026")
    admin.post(f"/admin/users/{user.id}/active")
    assert not signed_in(victim)
    db.session.expire_all()
    assert not db.session.get(User, user.id).active
    assert db.session.scalar(db.select(db.func.count(LoginSession.id)).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))) == 0


def test_only_admins_reset_passwords_or_sign_others_out(app, make):
    office = make.user("office", username="o1")
    make.user("office", username="o2")
    other, _ = login(app, "o2", make.PASSWORD)
    assert other.post(f"/admin/users/{office.id}/password", data={"password": "reset by the admin 2026"}).status_code == 403
    assert other.post(f"/admin/users/{office.id}/sign-out").status_code == 403
    login(app, "o1", make.PASSWORD)
