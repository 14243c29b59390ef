"""Reading and screening of policy drafts (.docx, .pdf, .txt). No Flask, no review imports.

    from pipeline import run_file, run_file_isolated
    result = run_file_isolated("draft.pdf")     # untrusted input: child process with limits
    result.status, result.to_dict()
"""
from .document import Clause, Document, Heading, Result, Screening
from .isolate import run_file_isolated
from .run import run_bytes, run_file

__all__ = ["run_file", "run_bytes", "run_file_isolated", "Result", "Document", "Clause", "Heading", "Screening"]
