"""Two committees of different sizes, bulk-loaded, and a logged-in client per role for each."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from review import create_app
from review.extensions import db

SIZES = {"small": {"submissions": 40, "experts": 15, "events": 100},
         "large": {"submissions": 400, "experts": 120, "events": 1500}}


@pytest.fixture(scope="session")
def parsed_draft() -> dict:
    from pipeline import run_bytes
    from tests.docs import docx_bytes

    return run_bytes(docx_bytes(), "方案.docx").to_dict()


class Site:
    """One app on its own database, loaded to a size, with helpers to count its statements."""

    def __init__(self, app, volume, tokens):
        self.app, self.volume, self.tokens = app, volume, tokens
        self.clients = {}

    def client(self, username: str):
        if username not in self.clients:
            from tests.conftest import Factory

            c = self.app.test_client()
            r = c.post("/login", data={"username": username, "password": Factory.PASSWORD})
            assert r.status_code == 302, username
            self.clients[username] = c
        return self.clients[username]

    def pages(self) -> dict[str, tuple[str, str]]:
        """name -> (username, path) of every main page."""
        v = self.volume
        expert, seat = sorted(v.seats.items())[0]
        peer, submitted = sorted(v.submitted_seats.items())[0]
        return {
            "board": ("vol-office", "/office/board"),
            "detail (proposal)": ("vol-office", f"/office/submissions/{v.accepted[0]}"),
            "detail (under review)": ("vol-office", f"/office/submissions/{v.under_review[0]}"),
            "queue": ("vol-office", "/office/?status=under_review&sort=due&dir=asc&page=1"),
            "queue (all)": ("vol-office", "/office/?sort=created&dir=desc&page=1"),
            "expert list": ("vol-admin", "/admin/experts"),
            "sheet register": ("vol-justice", "/verify/register"),
            "review page": (expert, f"/reviews/{seat}"),
            "review page (submitted, peers shown)": (peer, f"/reviews/{submitted}"),
            "audit page": ("vol-office", f"/submissions/{v.concluded[0]}/audit"),
            "api list": ("vol-office", "/api/v1/submissions?per_page=20"),
            "registry": ("vol-office", "/registry/"),
            "registry (filtered)": ("vol-office", "/registry/?impact=minor&status=under_review&reviewed=yes&sort=title"),
            "registry (searched)": ("vol-office", "/registry/?q=%E8%BF%91%E8%A7%86%E9%98%B2%E6%8E%A7"),
            "registry (department)": ("vol-dept", "/registry/?reviewed=no"),
            "registry entry": ("vol-office", f"/registry/{v.concluded[0]}"),
            "api registry": ("vol-office", "/api/v1/registry?per_page=20&impact=minor"),
            "statistics": ("vol-office", "/stats/"),
            "statistics (year)": ("vol-office", f"/stats/?year={date.today().year}&department=1"),
            "api stats": ("vol-office", "/api/v1/stats"),
            "queue export": ("vol-office", "/office/queue.xlsx?sort=created&dir=desc"),
            "board export": ("vol-office", "/office/board.xlsx"),
            "register export": ("vol-justice", "/verify/register.xlsx"),
        }

    def get(self, username: str, path: str):
        if path.startswith("/api/"):
            return self.app.test_client().get(path, headers={"Authorization": f"Bearer {self.tokens[username]}"})
        return self.client(username).get(path)

    @contextmanager
    def counting(self):
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement)

        with self.app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", count)


def build_site(tmp_path, size: dict, parsed: dict) -> Site:
    import os

    from review.accounts.auth import hash_password
    from review.accounts.operations import create_token
    from review.demo.volume import load_volume
    from tests.conftest import Factory

    os.environ["REVIEW_INSTANCE_PATH"] = str(tmp_path / "instance")
    try:
        app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                          "PAGE_CACHE_SIZE": 0})
    finally:
        del os.environ["REVIEW_INSTANCE_PATH"]
    with app.app_context():
        db.create_all()
        volume = load_volume(parsed, hash_password(Factory.PASSWORD), **size)
        from review.registry.volume import load_registry_volume

        # Twice as many entries as submissions; every submission is a review round of one of them.
        load_registry_volume(parsed, entries=2 * size["submissions"], linked=size["submissions"])
        tokens = {"vol-office": create_token("vol-office")}
        db.session.commit()
        db.session.remove()
    return Site(app, volume, tokens)


@pytest.fixture(scope="module")
def sites(tmp_path_factory, parsed_draft):
    return {name: build_site(tmp_path_factory.mktemp(name), size, parsed_draft) for name, size in SIZES.items()}
