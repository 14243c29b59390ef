"""API fixtures: people with bearer tokens, a client that sends each request in its own app
context (its own session and flask ``g``, as in production), and submissions built through the
operations so that tests parse as few drafts as possible."""
from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from review.accounts.models import User
from review.accounts.operations import create_token
from review.extensions import db
from tests.api.helpers import fs
from tests.docs import LETTER, docx_bytes

EXPERTS = [
    ("甲专家", ["school_health"], "儿童青少年近视防控与学生体质监测"),
    ("乙专家", ["nutrition_food"], "学校食堂食品安全与学生营养餐"),
    ("丙专家", ["tobacco_alcohol"], "青少年控烟与电子烟危害"),
    ("丁专家", ["mental_health"], "学生心理危机干预"),
]


class Api:
    def __init__(self, app, client):
        self.app = app
        self.client = client
        self._tokens: dict[int, str] = {}

    def token(self, user: User) -> str:
        if user.id not in self._tokens:
            self._tokens[user.id] = create_token(user.username)
            db.session.commit()
        return self._tokens[user.id]

    def call(self, method: str, path: str, user: User | None = None, *, token: str | None = None, **kw):
        headers = dict(kw.pop("headers", {}))
        if user is not None:
            token = self.token(user)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        db.session.commit()
        # The app fixture keeps one app context open; a request inside it would share its g (and
        # so flask-login's cached user) with the previous request.
        with self.app.app_context():
            response = self.client.open(path, method=method, headers=headers, **kw)
        db.session.rollback()  # see what the request committed
        return response

    def get(self, path, user=None, **kw):
        return self.call("GET", path, user, **kw)

    def post(self, path, user=None, **kw):
        return self.call("POST", path, user, **kw)


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    """The API authenticates by token; full-cost Argon2 for every test user would dominate the run."""
    from argon2 import PasswordHasher

    hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr("review.accounts.operations.hash_password", hasher.hash)


@pytest.fixture
def api(app, client):
    return Api(app, client)


@dataclass
class People:
    dept: User
    other_dept: User
    office: User
    admin: User
    justice: User
    experts: list[User] = field(default_factory=list)


@pytest.fixture
def people(make) -> People:
    experts = [make.user("expert", username=f"e{i}", expert_name=n, domains=d, expertise=x)
               for i, (n, d, x) in enumerate(EXPERTS)]
    return People(dept=make.user("department", username="edu", department="教育局"),
                  other_dept=make.user("department", username="health", department="卫生健康委"),
                  office=make.user("office", username="office"), admin=make.user("admin", username="admin"),
                  justice=make.user("justice", username="justice"), experts=experts)


DRAFT = docx_bytes()
_parsed: dict[str, dict] = {}


@pytest.fixture
def parse_once(monkeypatch):
    """Fixture-built submissions all carry the same draft: parse it in the child process once per
    session. Uploads through the API in the tests themselves are parsed for real."""
    from review.submissions import operations as sops

    real = sops.parse_draft

    def parse_draft(path, filename, **kw):
        key = hashlib.sha256(path.read_bytes()).hexdigest()
        if key not in _parsed:
            _parsed[key] = real(path, filename, **kw)
        return copy.deepcopy(_parsed[key])

    monkeypatch.setattr(sops, "parse_draft", parse_draft)


def submit_via_ops(dept: User):
    from review.submissions import operations as sops

    sub = sops.submit(dept, {"title": "校园健康促进行动实施方案", "policy_type": "normative"},
                      draft=fs(DRAFT, "方案.docx"), letter=fs(LETTER, "公函.txt"))
    db.session.commit()
    return sub


@pytest.fixture
def submitted(people, parse_once):
    return submit_via_ops(people.dept)


@pytest.fixture
def under_review(people, submitted):
    """Accepted, with experts 0..2 invited; expert 3 is not on the panel."""
    from review.reviews import operations as rops
    from review.submissions import operations as sops

    sops.accept_submission(people.office, submitted)
    rops.assign_experts(people.office, submitted, [e.expert_id for e in people.experts[:3]],
                        date.today() + timedelta(days=14))
    db.session.commit()
    return submitted
