"""The inventory of existing documents: zips of mixed documents, per-file progress, bombs refused."""
from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import FileStorage

from review.extensions import db
from review.registry.inventory import run_inventory, stage_inventory
from review.registry.models import EntryOrigin, EntryStatus, RegistryEntry
from review.registry.operations import RegistryError
from tests.docs import DRAFT_LINES, docx_bytes
from tests.registry.docs import bomb_zip, documents, mixed_zip, zip_of


def fs(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def run(payload: dict, total: int):
    calls = []
    job = SimpleNamespace(payload=payload, total=total)
    result = run_inventory(job, lambda done, total=None, note="": calls.append((done, total, note)))
    db.session.commit()
    return result, calls


def test_zip_of_mixed_documents_with_progress(app, make):
    dept = make.user("department", username="edu", department="教育局")
    loose = fs(docx_bytes(DRAFT_LINES[:8]), "单独文件.docx")
    payload, count = stage_inventory(dept, dept.department_id, [fs(mixed_zip(), "存量文件.zip"), loose])
    assert count == 5  # four documents in the zip (the image and the macOS metadata are skipped), one loose
    result, calls = run(payload, count)
    # One progress step per document, named, then the end.
    assert [c[0] for c in calls] == [0, 1, 2, 3, 4, 5] and all(c[1] == 5 for c in calls)
    assert {c[2] for c in calls[:-1]} == {"校园健康促进行动实施方案.docx", "学校周边交通安全.pdf", "机关档案管理办法.txt",
                                          "扫描件.pdf", "单独文件.docx"}
    rows = {r["file"]: r for r in result["rows"]}
    assert rows["扫描件.pdf"]["id"] is None and rows["扫描件.pdf"]["error"] == "no_text_layer"
    health = db.session.get(RegistryEntry, rows["校园健康促进行动实施方案.docx"]["id"])
    archive = db.session.get(RegistryEntry, rows["机关档案管理办法.txt"]["id"])
    traffic = db.session.get(RegistryEntry, rows["学校周边交通安全.pdf"]["id"])
    assert health.origin is EntryOrigin.inventory and health.status is EntryStatus.in_force
    assert health.impact_level in ("minor", "major") and health.yes_count >= 1 and len(health.answers) == 10
    assert any(a["reasons"] for a in health.answers if a["answer"] == "是")  # the "why" of the heatmap
    assert archive.impact_level == "none" and archive.yes_count == 0
    assert traffic.title and traffic.source_format == "pdf" and traffic.impact_level
    assert health.department_id == dept.department_id and health.source_filename == "校园健康促进行动实施方案.docx"
    assert rows["校园健康促进行动实施方案.docx"]["department"] == "教育局"
    # The uploads are gone once read; the same document read in again updates its entry.
    again, _calls = run(*stage_inventory(dept, dept.department_id,
                                         [fs(documents()["校园健康促进行动实施方案.docx"], "again.docx")]))
    assert again["rows"][0]["id"] == health.id
    assert db.session.scalar(db.select(db.func.count()).select_from(RegistryEntry)) == 4


def test_gbk_member_names_are_decoded(app, make):
    dept = make.user("department", username="edu", department="教育局")
    data = zip_of({"档案/机关档案管理办法.txt": documents()["机关档案管理办法.txt"]}, gbk_names=True)
    result, _calls = run(*stage_inventory(dept, dept.department_id, [fs(data, "a.zip")]))
    assert result["rows"][0]["file"] == "机关档案管理办法.txt"


@pytest.mark.parametrize("make_upload, code", [
    (lambda: [fs(bomb_zip(), "炸弹.zip")], "zip_bomb"),
    (lambda: [fs(b"PK\x03\x04 not really", "坏.zip")], "bad_zip"),
    (lambda: [fs(b"x", "表格.xlsx")], "inventory_file_type"),
    (lambda: [fs(zip_of({"图.png": b"\x89PNG"}), "图片.zip")], "no_documents"),
    (lambda: [], "no_files"),
])
def test_refused_uploads_say_why(app, make, make_upload, code):
    dept = make.user("department", username="edu", department="教育局")
    with pytest.raises(RegistryError) as err:
        stage_inventory(dept, dept.department_id, make_upload())
    assert err.value.code == code


def test_too_many_documents_and_other_departments(app, make):
    app.config["INVENTORY_MAX_FILES"] = 3
    dept = make.user("department", username="edu", department="教育局")
    other = make.user("department", username="env", department="生态环境局")
    with pytest.raises(RegistryError) as err:
        stage_inventory(dept, dept.department_id, [fs(mixed_zip(), "a.zip")])
    assert err.value.code == "zip_too_many" and err.value.params == {"n": 5, "max": 3}  # files, not only documents
    with pytest.raises(RegistryError) as err:
        stage_inventory(dept, other.department_id, [fs(b"x", "a.txt")])
    assert err.value.code == "forbidden"
    office = make.user("office", username="office")
    payload, count = stage_inventory(office, other.department_id, [fs(documents()["机关档案管理办法.txt"], "a.txt")])
    assert count == 1 and payload["department_id"] == other.department_id
