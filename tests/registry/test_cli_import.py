"""``flask registry import FOLDER --department NAME``: one JSON line per file."""
from __future__ import annotations

import json

from review.extensions import db
from review.registry.models import RegistryEntry
from tests.registry.docs import bomb_zip, documents, zip_of


def test_import_prints_one_json_line_per_file(runner, app, make, tmp_path):
    make.user("department", username="edu", department="教育局")
    docs = documents()
    folder = tmp_path / "存量"
    (folder / "子目录").mkdir(parents=True)
    (folder / "校园健康促进行动实施方案.docx").write_bytes(docs["校园健康促进行动实施方案.docx"])
    (folder / "子目录" / "扫描件.pdf").write_bytes(docs["扫描件.pdf"])
    (folder / "打包.zip").write_bytes(zip_of({"机关档案管理办法.txt": docs["机关档案管理办法.txt"]}))
    (folder / "炸弹.zip").write_bytes(bomb_zip())
    (folder / "说明.md").write_text("not a document")
    result = runner.invoke(args=["registry", "import", str(folder), "--department", "教育局"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    by_file = {r["file"]: r for r in rows}
    assert set(by_file) == {"校园健康促进行动实施方案.docx", "子目录/扫描件.pdf", "打包.zip/机关档案管理办法.txt", "炸弹.zip"}
    for r in rows:
        assert set(r) >= {"id", "file", "title", "department", "status", "impact_level", "yes_count"}
        assert r["department"] == "教育局"
    health = by_file["校园健康促进行动实施方案.docx"]
    assert health["impact_level"] in ("minor", "major") and health["yes_count"] >= 1 and health["title"]
    assert by_file["打包.zip/机关档案管理办法.txt"]["impact_level"] == "none"
    assert by_file["子目录/扫描件.pdf"]["id"] is None and by_file["子目录/扫描件.pdf"]["error"] == "no_text_layer"
    assert by_file["炸弹.zip"]["error"] == "zip_bomb"
    assert db.session.scalar(db.select(db.func.count()).select_from(RegistryEntry)) == 2
    assert db.session.get(RegistryEntry, health["id"]).department.name == "教育局"


def test_import_names_an_unknown_department(runner, app, tmp_path):
    result = runner.invoke(args=["registry", "import", str(tmp_path), "--department", "不存在局"])
    assert result.exit_code == 1 and "no department named 不存在局" in result.output
