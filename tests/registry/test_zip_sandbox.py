"""A user's zip is untrusted bytes like a document: its directory and its streams are read in a
child with limits (pipeline/ziparchive.py through pipeline.isolate.zip_isolated), never in the
web or worker process, and a member is written under a number, never under its own name."""
from __future__ import annotations

import io
import struct
import zipfile

import pytest

from pipeline.errors import TIMEOUT
from pipeline.isolate import zip_isolated
from review.registry.inventory import Limits, documents, stage_inventory
from review.registry.operations import RegistryError
from tests.registry.docs import mixed_zip, zip_of
from tests.registry.test_inventory import fs, run

LIMITS = Limits(files=50, member_bytes=4 << 20, total_bytes=8 << 20, ratio=100)


def lying_zip(real: int = 3 << 20, declared: int = 1000) -> bytes:
    """One member of ``real`` zeros whose headers claim ``declared`` bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("说明.txt", b"0" * real)
    data = bytearray(buf.getvalue())
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, declared)  # local header: uncompressed size
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)  # central directory: uncompressed size
    return bytes(data)


def test_the_app_process_never_opens_a_zip(app, make, monkeypatch):
    """With zipfile unusable in this process the inventory of a zip still works: the child did it."""
    def refuse(*_a, **_k):
        raise AssertionError("a zip was opened in the app process")

    from pipeline import forked

    data = mixed_zip()  # built here with python-docx, which opens zips itself
    forked.prestart()  # the documents' parse children come from the warm parent, started unpatched
    dept = make.user("department", username="edu")
    monkeypatch.setattr(zipfile.ZipFile, "__init__", refuse)
    payload, count = stage_inventory(dept, dept.department_id, [fs(data, "存量文件.zip")])
    result, _calls = run(payload, count)
    assert count == 4 and len(result["rows"]) == 4
    # As without the patch (tests/registry/test_inventory.py): only the scan without a text layer fails.
    assert [r["file"] for r in result["rows"] if r["status"] == "failure"] == ["扫描件.pdf"]


def test_a_member_that_lies_about_its_size_is_refused_without_writing_more(app, tmp_path):
    path = tmp_path / "a.zip"
    path.write_bytes(lying_zip())
    out = tmp_path / "out"
    out.mkdir()
    answer = zip_isolated({"op": "extract", "path": str(path), "indexes": [0], "out_dir": str(out),
                           "member_limit": 4 << 20, "total_limit": 8 << 20})
    assert answer["error"] in ("zip_bomb", "bad_zip")
    written = list(out.iterdir())
    assert not written or written[0].stat().st_size <= 1000 + (1 << 16)
    with app.test_request_context():
        with pytest.raises(RegistryError) as err:
            list(documents([{"name": "a.zip", "key": _stored(path), "zip": True}], LIMITS))
    assert err.value.code in ("zip_bomb", "bad_zip")


def test_member_names_never_become_paths(app, tmp_path):
    data = zip_of({"../../逃逸.txt": "第一条 为保障健康，制定本办法。".encode(), "/etc/绝对.txt": "第一条 内容。".encode()})
    path = tmp_path / "a.zip"
    path.write_bytes(data)
    with app.test_request_context():
        found = []
        for name, member_path in documents([{"name": "a.zip", "key": _stored(path), "zip": True}], LIMITS):
            assert member_path.name.isdigit() and member_path.is_file()
            found.append(name)
        assert found == ["绝对.txt"]  # the "../" member is skipped with the hidden ones
    assert not (tmp_path.parent / "逃逸.txt").exists()


def test_a_zip_that_takes_too_long_is_stopped(app, tmp_path):
    path = tmp_path / "a.zip"
    path.write_bytes(zip_of({"a.txt": b"x" * 100}))
    assert zip_isolated({"op": "list", "path": str(path)}, timeout=0.001) == {"error": TIMEOUT}
    assert zip_isolated({"op": "list", "path": str(tmp_path / "none.zip")}) == {"error": "bad_zip"}
    from review.messages import error_text
    from review.registry.inventory import _zip_error

    refusal = _zip_error({"error": TIMEOUT})
    assert refusal.code == "zip_too_costly"
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert "压缩包" in error_text(refusal.code, **refusal.params)


def _stored(path) -> str:
    from review.submissions import storage

    return storage.save_upload(path.read_bytes(), "a.zip").storage_key


def test_a_member_in_an_unknown_compression_method_is_refused_as_unreadable(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("说明.txt", "第一条 内容。".encode())
    data = bytearray(buf.getvalue())
    for header, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # method 98: PPMd
        struct.pack_into("<H", data, data.index(header) + offset, 98)
    path = tmp_path / "a.zip"
    path.write_bytes(bytes(data))
    out = tmp_path / "out"
    out.mkdir()
    assert zip_isolated({"op": "extract", "path": str(path), "indexes": [0], "out_dir": str(out),
                         "member_limit": 1 << 20, "total_limit": 1 << 20}) == {"error": "bad_zip"}
    assert list(out.iterdir()) == []
