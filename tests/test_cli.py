"""The command line: init-db, create-user, create-token, experts import, load-demo."""
from __future__ import annotations

import re

import pytest

from review.accounts.models import ApiToken, Department, Role, User
from review.experts.models import Expert
from review.extensions import db

HEADER = "name,title,affiliation,domains,expertise\n"


def write(tmp_path, text, name="experts.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_init_db_runs_the_migrations(tmp_path, monkeypatch):
    from sqlalchemy import inspect

    from review import create_app

    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app({"TESTING": True})
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"user", "department", "expert", "submission", "submission_version", "clause", "assignment",
            "opinion", "clause_comment", "decision", "opinion_sheet", "audit_event", "alembic_version"} <= tables


def test_migrations_match_the_models(tmp_path, monkeypatch):
    """The first migration creates exactly the schema the models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from review import create_app

    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app({"TESTING": True})
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    with app.app_context(), db.engine.connect() as conn:
        from review.registry.models import include_name  # the full-text index is no model

        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}), db.metadata)
    assert diff == []


def test_create_user_each_role(runner, app):
    from review.accounts.auth import check_password

    assert runner.invoke(args=["create-user", "office1", "--role", "office", "--password", "tulip river 93a"]).exit_code == 0
    result = runner.invoke(args=["create-user", "edu1", "--role", "department", "--password", "tulip river 93a",
                                 "--department", "教育局"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).where(User.username == "edu1"))
    assert user.role is Role.department and user.department.name == "教育局"
    assert user.password_hash.startswith("$argon2") and check_password(user, "tulip river 93a")
    # The department is reused, not duplicated.
    runner.invoke(args=["create-user", "edu2", "--role", "department", "--password", "tulip river 93a", "--department", "教育局"])
    assert db.session.scalar(db.select(db.func.count(Department.id))) == 1


def test_create_user_refusals(runner, app):
    cases = [
        (["create-user", "x", "--role", "department", "--password", "tulip river 93a"], "needs a department"),
        (["create-user", "x", "--role", "expert", "--password", "tulip river 93a"], "needs an expert profile"),
        (["create-user", "x", "--role", "expert", "--password", "tulip river 93a", "--expert", "无此人"], "no expert profile"),
        (["create-user", "x", "--role", "office", "--password", "short"], "at least 12"),
        (["create-user", "x", "--role", "office", "--password", "abcdefghijkl"], "too easy to guess"),
        (["create-user", "x", "--role", "office", "--password", "1qaz2wsx3edc"], "common passwords"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    assert runner.invoke(args=["create-user", "dup", "--role", "admin", "--password", "tulip river 93a"]).exit_code == 0
    result = runner.invoke(args=["create-user", "dup", "--role", "admin", "--password", "tulip river 93a"])
    assert result.exit_code == 1 and "already exists" in result.output
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_expert_login_links_profile(runner, app, tmp_path):
    runner.invoke(args=["experts", "import", write(tmp_path, HEADER + "张三,教授,天津医科大学,chronic_disease,高血压管理\n")])
    result = runner.invoke(args=["create-user", "zhang", "--role", "expert", "--password", "tulip river 93a", "--expert", "张三"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).where(User.username == "zhang"))
    assert user.expert.name == "张三" and user.expert.user is user
    again = runner.invoke(args=["create-user", "zhang2", "--role", "expert", "--password", "tulip river 93a", "--expert", "张三"])
    assert again.exit_code == 1 and "already has a login" in again.output


def test_create_token_prints_a_working_token(runner, app, make):
    make.user("office", username="api-office")
    result = runner.invoke(args=["create-token", "api-office"])
    assert result.exit_code == 0
    token = result.output.strip()
    assert token.startswith("hiap_") and len(token) > 30
    stored = db.session.scalar(db.select(ApiToken))
    assert stored.token_hash != token  # only the hash is kept
    from review.accounts.auth import user_from_bearer

    assert user_from_bearer(f"Bearer {token}")[0].username == "api-office"
    assert user_from_bearer("Bearer wrong") == (None, "invalid")
    assert runner.invoke(args=["create-token", "nobody"]).exit_code == 1


def test_tokens_have_a_name_and_expiry_and_can_be_revoked(runner, app, make):
    from datetime import datetime, timedelta, timezone

    from review.accounts.auth import user_from_bearer

    make.user("office", username="api-office")
    token = runner.invoke(args=["create-token", "api-office", "--name", "OA system"]).output.strip()
    stored = db.session.scalar(db.select(ApiToken))
    expires = stored.expires_at.replace(tzinfo=timezone.utc)
    assert stored.name == "OA system"
    assert timedelta(days=89) < expires - datetime.now(timezone.utc) <= timedelta(days=90)  # the default
    short = runner.invoke(args=["create-token", "api-office", "--name", "test", "--days", "7"]).output.strip()
    assert user_from_bearer(f"Bearer {short}")[0] is not None
    result = runner.invoke(args=["revoke-token", "api-office", "--name", "test"])
    assert result.exit_code == 0 and "revoked 1" in result.output
    assert user_from_bearer(f"Bearer {short}") == (None, "revoked")
    assert user_from_bearer(f"Bearer {token}")[0] is not None  # the other token still works
    assert runner.invoke(args=["revoke-token", "api-office", "--name", "test"]).exit_code == 1  # none left
    assert runner.invoke(args=["create-token", "api-office", "--days", "0"]).exit_code == 1
    result = runner.invoke(args=["revoke-token", "--id", str(stored.id)])
    assert result.exit_code == 0 and user_from_bearer(f"Bearer {token}") == (None, "revoked")


def test_experts_import_and_reimport_updates_without_duplicates(runner, app, tmp_path):
    csv1 = HEADER + ('李四,主任医师,天津市第一中心医院,"clinical_care;elderly_care",老年综合评估\n'
                     "王五,研究员,天津市疾控中心,disease_control,传染病监测\n")
    result = runner.invoke(args=["experts", "import", write(tmp_path, csv1)])
    assert result.exit_code == 0 and "created 2" in result.output
    li = db.session.scalar(db.select(Expert).where(Expert.name == "李四"))
    assert li.domains == ["clinical_care", "elderly_care"]
    csv2 = HEADER + ("李四,主任医师,天津市第一中心医院,clinical_care;elderly_care,老年综合评估与跌倒预防\n"
                     "王五,研究员,天津市疾控中心,disease_control,传染病监测\n")
    result = runner.invoke(args=["experts", "import", write(tmp_path, csv2)])
    assert result.exit_code == 0 and "created 0, updated 1, unchanged 1" in result.output
    assert db.session.scalar(db.select(db.func.count(Expert.id))) == 2
    db.session.expire_all()
    assert db.session.get(Expert, li.id).expertise == "老年综合评估与跌倒预防"


def test_experts_import_accepts_gb18030(runner, app, tmp_path):
    path = write(tmp_path, HEADER + "赵六,教授,河北医科大学,mental_health,青少年心理危机干预\n", encoding="gb18030")
    assert runner.invoke(args=["experts", "import", path]).exit_code == 0
    assert db.session.scalar(db.select(Expert)).expertise == "青少年心理危机干预"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("好人,教授,甲,health_promotion,ok\n坏人,教授,乙,no_such_code,x\n", ["experts.csv:3: unknown domain code(s): no_such_code"]),
        ("好人,教授,甲,health_promotion,ok\n,教授,乙,pharma,x\n", ["experts.csv:3: name is empty"]),
        ("好人,教授,甲,,ok\n", ["experts.csv:2: at least one domain code is required"]),
        ("好人,教授,甲,pharma,ok\n好人,教授,乙,pharma,x\n", ["experts.csv:3: name '好人' repeats line 2"]),
        ("好人,教授,甲,pharma,ok,extra\n", ["experts.csv:2: too many fields"]),
        ("a,b\n", None),  # header-less garbage: reported on line 1
    ],
)
def test_bad_csv_is_reported_by_line_and_nothing_is_half_imported(runner, app, tmp_path, body, expected):
    text = HEADER + body if expected is not None else body
    result = runner.invoke(args=["experts", "import", write(tmp_path, text)])
    assert result.exit_code == 1
    assert "nothing imported" in result.output
    for line in expected or ["experts.csv:1: missing column(s)"]:
        assert line in result.output, result.output
    assert db.session.scalar(db.select(db.func.count(Expert.id))) == 0


def test_load_demo(runner, app):
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    experts = db.session.scalars(db.select(Expert)).all()
    assert len(experts) >= 55
    covered = {code for e in experts for code in e.domains}
    assert covered == set(app.extensions["domains"])
    names = {d.name for d in db.session.scalars(db.select(Department))}
    assert {"教育局", "住建局", "生态环境局", "市场监管局", "民政局", "交通运输局", "农业农村局", "体育局", "司法局"} <= names
    roles = {u.role for u in db.session.scalars(db.select(User))}
    assert roles == set(Role)
    # Passwords are printed once, next to each username.
    for username in ("dept_edu", "office", "expert", "justice", "admin"):
        assert username in result.output
    # Every demo expert can sign in (a whole review can be walked), and every login has a name and e-mail.
    assert all(e.user is not None for e in experts)
    users = db.session.scalars(db.select(User)).all()
    assert all(u.display_name and "@" in u.email for u in users)
    assert len({u.email for u in users}) == len(users)
    for e in experts:
        assert re.search(rf"^\s+{e.user.username}\s+\S+\s+\(expert, {e.name}\)$", result.output, re.M), e.name
    from review.submissions.models import Status, Submission

    demo = db.session.scalar(db.select(Submission))
    assert demo.status is Status.submitted and len(demo.current_version.clauses) > 10
    assert demo.current_version.parsed["screening"]["domains"][0]["code"] == "school_health"
    # The registry: the demo draft's entry and three existing documents read in.
    from review.registry.models import EntryOrigin, RegistryEntry

    entries = db.session.scalars(db.select(RegistryEntry).order_by(RegistryEntry.id)).all()
    assert demo.registry_entry_id == entries[0].id and entries[0].origin is EntryOrigin.submission
    inventory = {e.title: e for e in entries if e.origin is EntryOrigin.inventory}
    assert len(inventory) == 3
    assert inventory["滨海新区公共场所控制吸烟管理办法"].impact_level in ("minor", "major")
    assert inventory["滨海新区公共场所控制吸烟管理办法"].doc_number == "滨政办发〔2024〕12号"
    assert inventory["滨海新区机关公文处理办法"].impact_level == "none"
    again = runner.invoke(args=["load-demo", "--if-empty"])
    assert "already has users" in again.output
    assert db.session.scalar(db.select(db.func.count(Expert.id))) == len(experts)


def test_each_demo_login_reaches_its_home_page(app, runner, client):
    import re

    output = runner.invoke(args=["load-demo"]).output
    logins = re.findall(r"^\s+(\S+)\s+(\S+)\s+\((\w+)", output, flags=re.M)
    assert {role for _, _, role in logins} == {"department", "office", "expert", "justice", "admin"}
    homes = {"department": "/submissions/", "office": "/office/", "expert": "/reviews/", "justice": "/verify/register",
             "admin": "/admin/"}
    for username, password, role in logins:
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, username
        landing = client.get("/", follow_redirects=True)
        assert landing.status_code == 200 and landing.request.path == homes[role], (username, landing.request.path)
        client.post("/logout")
