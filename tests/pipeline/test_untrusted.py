"""Untrusted uploads: zip bombs, path traversal, XML entity tricks, truncated and random files,
and the child-process limits of run_file_isolated and the command line."""
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import builders as B
from pipeline import run_bytes, run_file_isolated

REPO = Path(__file__).resolve().parents[2]


def zip_with(members: dict[str, bytes], declared: dict[str, int] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_bomb_part_refused_before_inflating():
    bomb = b"<w:document>" + b" " * (31 * 1024 * 1024) + b"</w:document>"
    data = B.replace_part(B.simple_docx(["正文"]), "word/document.xml", bomb)
    assert len(data) < 200 * 1024  # small on disk, huge inflated
    result = run_bytes(data, "bomb.docx")
    assert result.status == "failure" and result.errors[0].code == "too_large"
    assert "word/document.xml" in result.errors[0].message


def test_zip_total_size_refused():
    members = {"[Content_Types].xml": b"<Types/>"}
    members.update({f"word/media/p{i}.xml": b"\0" * (29 * 1024 * 1024) for i in range(6)})
    result = run_bytes(zip_with(members), "many.docx")
    assert result.status == "failure" and result.errors[0].code == "too_large"
    assert "expands to" in result.errors[0].message


def test_file_size_limit(tmp_path, monkeypatch):
    import pipeline.run
    monkeypatch.setattr(pipeline.run, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.txt"
    path.write_bytes("控烟。".encode() * 500)
    for result in (pipeline.run.run_file(path), run_bytes(path.read_bytes(), "big.txt")):
        assert result.status == "failure" and result.errors[0].code == "too_large"


def test_empty_docx():
    result = run_bytes(B.simple_docx([]), "empty.docx")
    assert result.status == "failure" and result.errors[0].code == "empty"


def test_path_traversal_refused():
    data = zip_with({"[Content_Types].xml": b"<Types/>", "../../etc/evil.xml": b"x", "word/document.xml": b"<x/>"})
    result = run_bytes(data, "trav.docx")
    assert result.status == "failure" and result.errors[0].code == "corrupt"
    assert "unsafe part name" in result.errors[0].message


def test_truncated_docx():
    data = B.simple_docx(["第一段。", "第二段。"])
    result = run_bytes(data[: len(data) // 2], "cut.docx")
    assert result.status == "failure" and result.errors[0].code == "corrupt"


@pytest.mark.parametrize("name", ["random.docx", "random.pdf", "random.txt", "random"])
def test_random_bytes_fail_cleanly(name):
    data = os.urandom(4096)
    result = run_bytes(data, name)
    assert result.status == "failure"
    assert result.errors and "\n" not in result.errors[0].message


def test_billion_laughs_not_expanded():
    xml = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
           '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
           '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
           f'<w:document {B.W_NS}><w:body><w:p><w:r><w:t>&lol4;正文</w:t></w:r></w:p></w:body></w:document>')
    data = B.replace_part(B.simple_docx(["正文"]), "word/document.xml", xml.encode())
    result = run_bytes(data, "lol.docx")
    text = json.dumps(result.to_dict(), ensure_ascii=False)
    assert "lollollol" not in text


def test_external_entity_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
           f'<w:document {B.W_NS}><w:body><w:p><w:r><w:t>&x;正文</w:t></w:r></w:p></w:body></w:document>')
    data = B.replace_part(B.simple_docx(["正文"]), "word/document.xml", xml.encode())
    result = run_bytes(data, "xxe.docx")
    assert "TOPSECRET" not in json.dumps(result.to_dict(), ensure_ascii=False)


def test_truncated_pdf():
    pdf = B.layout_pdf("标题", ["正文内容。"] * 5)
    result = run_bytes(pdf[: len(pdf) // 3], "cut.pdf")
    assert result.status in ("failure", "partial")
    if result.status == "failure":
        assert result.errors[0].code in ("corrupt", "no_text_layer")


# --- isolation -------------------------------------------------------------------------------

def test_isolated_success_matches_in_process(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text("控烟工作方案\n一、目标\n降低吸烟率。\n", encoding="utf-8")
    iso = run_file_isolated(path)
    assert iso.status == "success"
    assert iso.document.headings[0].text == "目标"
    assert iso.file == str(path)


def test_isolated_wall_clock_timeout(tmp_path):
    path = tmp_path / "plan.txt"
    # Long enough that no warm child reads and screens it in 10 ms (a one-line file sometimes made it).
    path.write_text("控烟工作方案\n" + "推进无烟环境建设，室内公共场所全面禁止吸烟，加强学校食堂营养配餐管理。\n" * 4000,
                    encoding="utf-8")
    result = run_file_isolated(path, timeout=0.01)
    assert result.status == "failure" and result.errors[0].code == "timeout"


def test_isolated_memory_limit_on_pdf_flate_bomb(tmp_path):
    path = tmp_path / "bomb.pdf"
    path.write_bytes(B.flate_bomb_pdf(400 * 1024 * 1024))
    result = run_file_isolated(path, timeout=60, memory=300 * 1024 * 1024)
    assert result.status == "failure"
    assert result.errors[0].code in ("memory", "timeout", "crashed")
    assert "\n" not in result.errors[0].message


def test_isolated_never_raises_on_missing_file(tmp_path):
    result = run_file_isolated(tmp_path / "missing.pdf")
    assert result.status == "failure" and result.errors


# --- command line ----------------------------------------------------------------------------

def cli(*args, cwd=REPO):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "pipeline", "parse", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_relative_path_from_another_directory(tmp_path):
    (tmp_path / "rel.txt").write_text("标题\n一、目标\n正文。\n", encoding="utf-8")
    proc = cli("rel.txt", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    row = json.loads(proc.stdout)
    assert row["file"] == "rel.txt" and row["status"] == "success"


def test_cli_json_lines_success(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("关于开展全民健身活动的通知\n一、活动内容\n组织广场舞和健步走比赛。\n", encoding="gb18030")
    b = tmp_path / "b.docx"
    b.write_bytes(B.rich_docx())
    proc = cli(str(a), str(b), "--json", "--timeout", "60")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    keys = {"file", "status", "errors", "format", "pages", "title", "doc_number", "issuer", "date", "addressees",
            "references", "headings", "clauses", "screening", "sha256", "text_sha256"}
    assert keys <= set(first) and keys <= set(second)
    assert first["status"] == "success" and first["format"] == "txt"
    assert first["headings"] == [{"path": "一", "level": 1, "number": "一", "text": "活动内容", "page": 1,
                                  "clause_index": 0}]
    assert {"id", "path", "text", "page", "determinants", "domains", "evidence"} <= set(first["clauses"][0])
    assert {"questions", "populations", "domains"} <= set(first["screening"])
    assert "关于开展全民健身活动的通知" in lines[0]  # ensure_ascii=False


def test_cli_failure_exit_code_and_one_line_reason(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("标题\n正文。\n", encoding="utf-8")
    bad = tmp_path / "bad.doc"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    proc = cli(str(good), str(bad), "--json", "--memory", str(1 << 30))
    assert proc.returncode != 0
    rows = [json.loads(line) for line in proc.stdout.strip().splitlines()]
    assert [r["status"] for r in rows] == ["success", "failure"]
    assert rows[1]["errors"][0]["code"] == "legacy_word"
    assert "Traceback" not in proc.stdout + proc.stderr
    plain = cli(str(bad))
    assert plain.returncode != 0 and len(plain.stdout.strip().splitlines()) == 1
    assert "please save as .docx" in plain.stdout
