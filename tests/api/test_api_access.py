"""Who may call what: every endpoint against every role, table-driven; tokens; the spec."""
from __future__ import annotations

import re

import pytest

from review.extensions import db
from tests.api.helpers import seat

OK = "ok"  # the role may call it: anything but 401/403/404 (the body is empty, so usually 400/409)
ROLES = ("owner", "other_dept", "office", "admin", "justice", "expert", "peer_expert", "other_expert")
READ = {"owner": OK, "other_dept": 404, "office": OK, "admin": OK, "justice": 403, "expert": OK,
        "peer_expert": OK, "other_expert": 404}
OFFICE = {**{r: 403 for r in ROLES}, "office": OK}
OWNER = {**{r: 403 for r in ROLES}, "owner": OK, "other_dept": 404}
ASSIGNEE = {**{r: 403 for r in ROLES}, "expert": OK, "peer_expert": 404, "other_expert": 404}

# (method, path, expected status per role); {sid} is a submission of "owner" under review with
# "expert" and "peer_expert" on the panel, {aid} is the seat of "expert".
TABLE = [
    ("GET", "/api/v1/submissions", {**{r: OK for r in ROLES}, "justice": 403}),
    ("POST", "/api/v1/submissions", {**{r: 403 for r in ROLES}, "owner": OK, "other_dept": OK}),
    ("GET", "/api/v1/submissions/{sid}", READ),
    ("POST", "/api/v1/submissions/{sid}/accept", OFFICE),
    ("POST", "/api/v1/submissions/{sid}/return", OFFICE),
    ("POST", "/api/v1/submissions/{sid}/withdraw", OWNER),
    ("POST", "/api/v1/submissions/{sid}/assignments", OFFICE),
    ("POST", "/api/v1/submissions/{sid}/decision", OFFICE),
    ("POST", "/api/v1/submissions/{sid}/revisions", OWNER),
    ("GET", "/api/v1/submissions/{sid}/opinion-items", {**OWNER, "office": OK, "admin": OK}),
    ("POST", "/api/v1/assignments/{aid}/decline", ASSIGNEE),
    ("POST", "/api/v1/assignments/{aid}/conflict", ASSIGNEE),
    ("POST", "/api/v1/assignments/{aid}/opinion", ASSIGNEE),
    ("POST", "/api/v1/assignments/{aid}/accept", ASSIGNEE),
    ("GET", "/api/v1/stats/screening", {**OFFICE, "admin": OK}),
    # nobody's job 0: every role with a token gets 404, none 401/403
    ("GET", "/api/v1/jobs/{jid}", {r: 404 for r in ROLES}),
]


@pytest.fixture
def callers(people):
    return {"owner": people.dept, "other_dept": people.other_dept, "office": people.office,
            "admin": people.admin, "justice": people.justice, "expert": people.experts[0],
            "peer_expert": people.experts[1], "other_expert": people.experts[3]}


def urls(sub, people):
    ids = {"sid": sub.id, "aid": seat(sub, people.experts[0]).id, "jid": 0}
    return [(method, path.format(**ids), expected) for method, path, expected in TABLE]


def test_every_endpoint_against_every_role(api, people, callers, under_review):
    wrong = []
    for method, url, expected in urls(under_review, people):
        for role in ROLES:
            r = api.call(method, url, callers[role], json={})
            want = expected[role]
            ok = (r.status_code not in (401, 403, 404) and r.status_code < 500) if want == OK \
                else r.status_code == want
            if not ok or not r.is_json:
                wrong.append((method, url, role, want, r.status_code, r.get_data(as_text=True)[:200]))
            elif r.status_code >= 400:
                assert set(r.json) >= {"error", "detail"}
    assert not wrong, "\n".join(map(str, wrong))


def test_table_covers_every_route(app):
    routes = {(m, _shape(rule.rule)) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for m in rule.methods - {"HEAD", "OPTIONS"}}
    covered = {(m, _shape(p)) for m, p, _ in TABLE} | {("GET", "/api/v1/openapi.json")}
    mine = {r for r in routes if not r[1].startswith("/api/v1/sheets")}
    assert mine <= covered, mine - covered


def test_missing_or_bad_token_is_401(api, people, under_review):
    api.token(people.office)  # a valid token exists; none of the ones below is it
    for method, url, _ in urls(under_review, people):
        for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic b2ZmaWNlOng="},
                        {"Authorization": "Bearer "}):
            r = api.call(method, url, headers=headers, json={})
            assert r.status_code == 401 and r.json["error"] == "unauthorized", (method, url, headers)


def test_revoked_token_and_inactive_user_are_401(api, people):
    from review.accounts.models import ApiToken

    token = api.token(people.office)
    assert api.get("/api/v1/submissions", token=token).status_code == 200
    from datetime import datetime, timezone

    db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == people.office.id)).revoked_at = \
        datetime.now(timezone.utc)
    assert api.get("/api/v1/submissions", token=token).status_code == 401
    token = api.token(people.dept)
    people.dept.active = False
    assert api.get("/api/v1/submissions", token=token).status_code == 401


def test_unknown_objects_are_404(api, people, under_review):
    for method, url, _ in TABLE:
        if "{" not in url:
            continue
        caller = people.experts[0] if "/assignments/" in url else (
            people.dept if url.endswith(("withdraw", "revisions")) else people.office)
        r = api.call(method, url.format(sid=999999, aid=999999, jid=999999), caller, json={})
        assert r.status_code == 404 and r.json["error"] == "not_found", (url, r.json)


def test_lists_only_what_the_caller_may_see(api, people, under_review, parse_once):
    from tests.api.conftest import submit_via_ops

    other = submit_via_ops(people.other_dept)

    def ids(user, query=""):
        r = api.get(f"/api/v1/submissions{query}", user)
        assert r.status_code == 200, r.json
        return [s["id"] for s in r.json["items"]]

    assert ids(people.dept) == [under_review.id]
    assert ids(people.other_dept) == [other.id]
    assert ids(people.office) == ids(people.admin) == [other.id, under_review.id]
    assert ids(people.experts[0]) == [under_review.id] and ids(people.experts[3]) == []
    assert ids(people.office, "?status=submitted") == [other.id]
    assert ids(people.office, "?status=under_review") == [under_review.id]
    assert ids(people.office, "?per_page=1&page=2") == [under_review.id]
    assert ids(people.office, "?per_page=1&page=3") == []
    r = api.get("/api/v1/submissions?per_page=1", people.office).json
    assert r["total"] == 2 and r["page"] == 1 and r["per_page"] == 1


def test_openapi_describes_every_route(api, app):
    r = api.get("/api/v1/openapi.json")
    assert r.status_code == 200
    spec = r.json
    assert spec["openapi"].startswith("3.1")
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = _template(rule.rule)
        assert path in spec["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            op = spec["paths"][path].get(method.lower())
            assert op is not None, (method, path)
            assert op["responses"], (method, path)
            params = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert params == set(re.findall(r"{(\w+)}", path)), (method, path)
    # every $ref resolves
    schemas = spec["components"]["schemas"]
    for ref in re.findall(r'"\$ref": "#/components/schemas/(\w+)"', r.get_data(as_text=True).replace(
            '"$ref":"', '"$ref": "')):
        assert ref in schemas, ref


def _template(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _shape(path: str) -> str:
    return re.sub(r"{\w+}", "{}", _template(path))
