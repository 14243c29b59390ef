"""Demo data: a realistic committee, the district departments and one login per role."""
from __future__ import annotations

import csv
import io
import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app

from ..accounts.models import Role, User
from ..accounts.operations import create_user, get_or_create_department
from ..audit.models import CommitteeSetting
from ..calendar import local_today
from ..experts.models import Expert, ExpertConflict, ExpertUnavailability
from ..experts.operations import import_experts_csv
from ..extensions import db

DATA = Path(__file__).parent

# (username, role, department, expert profile name, display name, e-mail)
DEMO_LOGINS = [
    ("dept_edu", Role.department, "教育局", None, "王敏（教育局）", "dept_edu@hiap-demo.example.cn"),
    ("office", Role.office, None, None, "李静（委员会办公室）", "office@hiap-demo.example.cn"),
    ("expert", Role.expert, None, "__first__", "", "expert@hiap-demo.example.cn"),
    ("justice", Role.justice, None, None, "赵刚（司法局）", "justice@hiap-demo.example.cn"),
    ("admin", Role.admin, None, None, "系统管理员", "admin@hiap-demo.example.cn"),
]


def load(*, if_empty: bool = False) -> str:
    """Load the demo data; returns the text to print (the passwords, shown once)."""
    if if_empty and db.session.scalar(db.select(db.func.count(User.id))):
        return "the database already has users; demo data not loaded"
    for row in _rows("departments.csv"):
        get_or_create_department(row["name"], row["full_name"], row["code"])
    import_experts_csv((DATA / "experts.csv").read_bytes(), set(current_app.extensions["domains"]))
    db.session.flush()
    experts = list(db.session.scalars(db.select(Expert).order_by(Expert.id)))
    _demo_availability(experts)
    if db.session.get(CommitteeSetting, 1) is None:
        db.session.add(CommitteeSetting(id=1, name=current_app.config["COMMITTEE_NAME"]))

    lines = ["Demo logins (passwords are shown only now):"]
    for username, role, department, expert_name, display, email in DEMO_LOGINS:
        if expert_name == "__first__":
            expert_name = next((e.name for e in experts if e.user is None), None)
            display = display or (expert_name or "")
        lines.append(_login(username, role, department, expert_name, display, email))
    # Every demo expert can sign in too, so that a whole review can be walked with real panels.
    lines.append("Expert logins (one per committee member):")
    for n, expert in enumerate(experts, start=1):
        if expert.user is not None:
            continue
        username = f"expert{n:02d}"
        lines.append(_login(username, Role.expert, None, expert.name, expert.name,
                            f"{username}@hiap-demo.example.cn"))
    db.session.flush()
    _demo_submission()
    registry = _demo_registry()
    if registry:
        lines.append(registry)
    return "\n".join(lines)


def _login(username: str, role: Role, department, expert_name, display: str, email: str) -> str:
    if db.session.scalar(db.select(User).where(User.username == username)):
        return f"  {username:10} ({role.value}) exists already"
    password = secrets.token_urlsafe(12)
    create_user(username, role, password, department=department, expert_name=expert_name,
                display_name=display, email=email)
    db.session.flush()
    return f"  {username:10} {password}  ({role.value}{', ' + expert_name if expert_name else ''})"


def _demo_submission() -> None:
    """One draft waiting for intake, so that every role has something to open."""
    from werkzeug.datastructures import FileStorage

    from ..submissions.models import Submission
    from ..submissions.operations import confirm_submission, stage_submission

    if db.session.scalar(db.select(db.func.count(Submission.id))):
        return
    dept = db.session.scalar(db.select(User).where(User.username == "dept_edu"))
    if dept is None:
        return
    text = (DATA / "sample-draft.txt").read_bytes()
    letter = "关于提请对《滨海新区儿童青少年近视防控工作实施方案（征求意见稿）》进行健康审查的函".encode()
    staged = stage_submission(
        dept, {"title": "滨海新区儿童青少年近视防控工作实施方案", "policy_type": "normative",
               "stage": "drafting", "contact_name": "王老师", "contact_phone": "022-25200000"},
        draft=FileStorage(io.BytesIO(text), "近视防控实施方案（征求意见稿）.txt"),
        letter=FileStorage(io.BytesIO(letter), "送审公函.txt"))
    confirm_submission(dept, staged)


# Existing documents of the demo departments, read into the registry as an inventory would.
DEMO_INVENTORY = [("公共场所控制吸烟管理办法.txt", "卫生健康委"), ("老旧小区改造工作方案.txt", "住建局"),
                  ("机关公文处理办法.txt", "教育局")]


def _demo_registry() -> str:
    """A few existing documents in the registry (parsed in the sandbox, like any inventory)."""
    from ..accounts.models import Department
    from ..registry.inventory import import_document
    from ..registry.models import EntryOrigin, RegistryEntry

    if db.session.scalar(db.select(db.func.count(RegistryEntry.id)).where(
            RegistryEntry.origin == EntryOrigin.inventory)):
        return ""
    read = []
    for name, department in DEMO_INVENTORY:
        dep = db.session.scalar(db.select(Department).where(Department.name == department)) or \
            db.session.scalar(db.select(Department).order_by(Department.id))
        if dep is None:
            continue
        row = import_document(dep.id, None, name, DATA / "inventory" / name)
        read.append(f"  {row['title'] or name}: {row['impact_level'] or row['status']}")
    return "Registry (existing documents read in):\n" + "\n".join(read) if read else ""


def _rows(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _demo_availability(experts: list[Expert]) -> None:
    """A few realistic constraints so that routing has something to respect."""
    if not experts or any(e.unavailable for e in experts):
        return
    today = local_today()
    experts[5].unavailable.append(
        ExpertUnavailability(start=today, end=today + timedelta(days=30), note="出国访学")
    )
    experts[9].max_load = 1
    from ..accounts.models import Department

    health = db.session.scalar(db.select(Department).where(Department.name == "卫生健康委"))
    if health is not None:
        for expert in experts:
            if "疾病预防控制中心" in expert.affiliation and "滨海新区" in expert.affiliation:
                db.session.add(ExpertConflict(expert=expert, department=health,
                                              reason="区卫生健康委直属单位"))
