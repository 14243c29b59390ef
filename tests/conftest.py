"""flaskr-style fixtures: a fresh app with its own instance folder and database per test."""
from __future__ import annotations

import pytest

from review import create_app
from review.extensions import db


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Production hashing costs ~0.6 s per password here; tests use the same code, cheaper."""
    from argon2 import PasswordHasher

    from review.accounts import auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()


@pytest.fixture
def csrf_app(tmp_path, monkeypatch):
    """An app with CSRF protection on, as in production."""
    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Factory:
    """Creates users (and what they need) with a known password."""

    PASSWORD = "correct horse 42"

    def __init__(self, app):
        self.app = app
        self._n = 0

    def user(self, role: str, username: str | None = None, department: str = "教育局", **kw):
        from review.accounts.operations import create_user
        from review.experts.models import Expert

        self._n += 1
        username = username or f"{role}{self._n}"
        expert_name = None
        if role == "expert":
            expert = Expert(name=kw.pop("expert_name", f"专家{self._n}"), domains=kw.pop("domains", ["health_promotion"]),
                            title="教授", affiliation=kw.pop("affiliation", "天津医科大学"), expertise=kw.pop("expertise", ""))
            db.session.add(expert)
            db.session.flush()
            expert_name = expert.name
        user = create_user(username, role, self.PASSWORD,
                           department=department if role == "department" else None,
                           expert_name=expert_name, **kw)
        db.session.commit()
        return user


@pytest.fixture
def make(app):
    return Factory(app)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username, password=Factory.PASSWORD):
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)
