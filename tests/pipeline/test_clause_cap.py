"""The clause cap is enforced in the parse child: a dense document comes back as a small failure."""
from __future__ import annotations

import json

from pipeline import run_bytes, run_file_isolated
from pipeline.errors import TOO_MANY_CLAUSES
from tests.docs import DRAFT_LINES, docx_bytes


def test_cap_after_structure_and_before_it():
    assert run_bytes(docx_bytes(), "a.docx", max_clauses=50).status != "failure"
    late = run_bytes(docx_bytes(), "a.docx", max_clauses=8)  # 16 paragraphs, 12 clauses
    early = run_bytes(docx_bytes(), "a.docx", max_clauses=3)  # refused before the structure stage
    for result in (late, early):
        assert result.status == "failure" and result.errors[0].code == TOO_MANY_CLAUSES
        assert result.document is None
    assert "16 paragraphs" in early.errors[0].message and "12 clauses" in late.errors[0].message


def test_isolated_child_returns_only_the_failure(tmp_path):
    lines = DRAFT_LINES[:3] + [f"（{n}）第{n}项措施。" for n in range(1, 400)]
    path = tmp_path / "dense.docx"
    path.write_bytes(docx_bytes(lines))
    result = run_file_isolated(path, max_clauses=100)
    assert result.status == "failure" and result.errors[0].code == TOO_MANY_CLAUSES
    assert len(json.dumps(result.to_dict())) < 2000  # the worker never holds the clauses
    assert run_file_isolated(path).status != "failure"  # no cap given: parsed as before


def test_a_dense_docx_is_refused_before_it_is_parsed(monkeypatch):
    """Far past the cap, the package is not even handed to python-docx."""
    import pipeline.run as run

    def must_not_read(*_a, **_k):
        raise AssertionError("the reader ran")

    monkeypatch.setattr(run, "read", must_not_read)
    data = docx_bytes([f"第{n}项。" for n in range(400)])
    result = run.run_bytes(data, "dense.docx", max_clauses=10)
    assert result.errors[0].code == TOO_MANY_CLAUSES and result.errors[0].stage == "read"
    # Not a docx, or not dense: the pre-scan stays out of the way.
    assert not run._docx_paragraphs_over(b"PK\x03\x04broken", 10)
    assert not run._docx_paragraphs_over(docx_bytes(), 100)
