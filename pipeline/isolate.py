"""Parse untrusted files in a child process with address-space and CPU limits plus a wall-clock
kill. A timeout inside the same process cannot interrupt a long C call (zlib, lxml), so the
child is the only reliable boundary (the design Apache Tika relies on).

Each document gets its own child, forked from a warm parent (forked.py) so that it does not pay
the interpreter start, the imports and the rubric loading again; ``PIPELINE_ISOLATION=subprocess``
starts a fresh interpreter per document instead."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from . import forked
from .document import FAILURE, Problem, Result
from .errors import CRASHED, MEMORY, TIMEOUT
from .forked import apply_limits as _apply_limits

# Enough for the readers' own limits (a 2,000-page PDF) on a loaded machine; memory stays far below
# the limit since PDF pages are streamed (a 1,600-page PDF peaks near 200 MiB).
DEFAULT_TIMEOUT = 120.0
DEFAULT_MEMORY = 1 << 30


def run_file_isolated(path: str | Path, *, timeout: float = DEFAULT_TIMEOUT,
                      memory: int = DEFAULT_MEMORY, max_clauses: int = 0) -> Result:
    """run_file in a child process; never raises, returns a failure Result on timeout/memory/crash.
    ``max_clauses`` > 0 makes the child refuse a denser document before holding its structure.

    The child is forked from a warm parent (forked.py, warm.py) that has imported the readers and
    loaded the rubrics, and exits after this one document; where that is unavailable, a fresh
    interpreter is started instead."""
    return run_file_isolated_stats(path, timeout=timeout, memory=memory, max_clauses=max_clauses)[0]


def run_file_isolated_stats(path: str | Path, *, timeout: float = DEFAULT_TIMEOUT,
                            memory: int = DEFAULT_MEMORY, max_clauses: int = 0) -> tuple[Result, dict]:
    """run_file_isolated plus what the child measured of itself: {peak_rss, seconds, pid} (empty when
    it died before saying)."""
    path = str(path)
    if os.environ.get("PIPELINE_ISOLATION") != "subprocess" and _warm_available():
        try:
            return forked.run(path, timeout, memory, max_clauses)
        except forked.Unavailable:
            pass
    return _run_subprocess(path, timeout, memory, max_clauses), {}


def _warm_available() -> bool:
    return sys.platform.startswith("linux") or sys.platform == "darwin"


def _failure(path: str, code: str, message: str) -> Result:
    return Result(file=path, status=FAILURE, errors=[Problem(code, message, "isolate")])


def _run_subprocess(path: str, timeout: float, memory: int, max_clauses: int = 0) -> Result:
    """The same in a fresh interpreter (start-up cost paid per document)."""
    def failure(code: str, message: str) -> Result:
        return _failure(path, code, message)

    cmd = [sys.executable, "-m", "pipeline", "_child", os.path.abspath(path), str(int(memory)),
           str(int(timeout) + 1), str(int(max_clauses))]
    # The child must import this very package, installed or not.
    root = str(Path(__file__).resolve().parent.parent)
    pythonpath = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, PYTHONPATH=pythonpath, OMP_NUM_THREADS="1")
    try:
        # own session, so the wall-clock kill reaches everything the child spawned
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                start_new_session=True)
    except OSError as exc:
        return failure(CRASHED, f"could not start the parser process: {exc}")
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return failure(TIMEOUT, f"parsing took longer than {timeout:g} s and was stopped")
    if proc.returncode == 0 and out:
        try:
            result = Result.from_dict(json.loads(out))
            result.file = path
            return result
        except (ValueError, KeyError, TypeError) as exc:
            return failure(CRASHED, f"parser returned unreadable output: {exc}")
    text = err.decode("utf-8", "replace")
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL) and "MemoryError" not in text:
        return failure(TIMEOUT, f"parsing used more than {timeout:g} s of CPU and was stopped")
    if "MemoryError" in text or "Cannot allocate memory" in text or "bad_alloc" in text:
        return failure(MEMORY, f"parsing needed more than {memory} bytes of memory and was stopped")
    last = text.strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
    return failure(CRASHED, f"the parser process crashed: {last[0][:200]}")


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.communicate()


def child_main(path: str, memory: int, cpu_seconds: int, max_clauses: int = 0) -> int:
    """Entry point inside the child: apply the limits, print the Result as one JSON object."""
    _apply_limits(memory, cpu_seconds)
    from .run import run_file
    try:
        result = run_file(path, max_clauses=max_clauses or None)
    except MemoryError:
        result = Result(file=path, status=FAILURE, errors=[Problem(MEMORY, "out of memory while parsing")])
    sys.stdout.write(result.to_json())
    sys.stdout.flush()
    return 0


def inspect_pdf_isolated(path: str | Path, *, timeout: float = DEFAULT_TIMEOUT,
                         memory: int = DEFAULT_MEMORY) -> dict:
    """pdfinspect.inspect_pdf in a child with the same limits; never raises. On failure the dict
    has only ``error`` (a message) and ``code`` (TIMEOUT, MEMORY or CRASHED)."""
    # Run as a script (-P: without its folder on sys.path): it needs nothing of this package, and
    # skipping the package's imports saves a third of the child's CPU time.
    cmd = [sys.executable, "-P", str(Path(__file__).with_name("pdfinspect.py")), os.path.abspath(str(path)),
           str(int(memory)), str(int(timeout) + 1)]
    root = str(Path(__file__).resolve().parent.parent)
    pythonpath = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=dict(os.environ, PYTHONPATH=pythonpath, OMP_NUM_THREADS="1"),
                                start_new_session=True)
    except OSError as exc:
        return {"code": CRASHED, "error": f"could not start the parser process: {exc}"}
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return {"code": TIMEOUT, "error": f"reading the PDF took longer than {timeout:g} s and was stopped"}
    if proc.returncode == 0 and out:
        try:
            result = json.loads(out)
        except ValueError:
            result = None
        if isinstance(result, dict):
            if result.get("code") == "memory":
                result["code"] = MEMORY
            return result
    text = err.decode("utf-8", "replace")
    if "MemoryError" in text or "Cannot allocate memory" in text:
        return {"code": MEMORY, "error": f"reading the PDF needed more than {memory} bytes of memory and was stopped"}
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return {"code": TIMEOUT, "error": f"reading the PDF used more than {timeout:g} s of CPU and was stopped"}
    return {"code": CRASHED, "error": "the parser process crashed"}


def zip_isolated(request: dict, *, timeout: float = 60.0, memory: int = 256 << 20) -> dict:
    """ziparchive.py (list or extract a user's zip) in a child with memory and CPU limits and a
    wall-clock kill; never raises. On failure the dict has ``error``: ``bad_zip``, ``zip_bomb``,
    or TIMEOUT / MEMORY / CRASHED."""
    cmd = [sys.executable, "-P", str(Path(__file__).with_name("ziparchive.py")),
           json.dumps({**request, "memory": int(memory), "cpu": int(timeout) + 1})]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                env=dict(os.environ, OMP_NUM_THREADS="1"))
    except OSError:
        return {"error": CRASHED}
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return {"error": TIMEOUT}
    if proc.returncode == 0 and out:
        try:
            answer = json.loads(out)
        except ValueError:
            answer = None
        if isinstance(answer, dict):
            return {"error": MEMORY} if answer.get("error") == "memory" else answer
    if b"MemoryError" in err or b"Cannot allocate memory" in err:
        return {"error": MEMORY}
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return {"error": TIMEOUT}
    return {"error": CRASHED}
