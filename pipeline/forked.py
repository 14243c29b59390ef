"""Warm parse children: each document is parsed in a fresh child forked by multiprocessing's
forkserver, whose process has imported warm.py (every reader imported, the rubrics loaded, one
document of each format parsed). Forking it costs milliseconds; starting an interpreter and
importing the readers cost seconds.

Isolation is unchanged: one child per document, which exits after it; in its own session; with
RLIMIT_AS and RLIMIT_CPU set before it reads a byte; killed (with its process group) at the
wall-clock limit. The forkserver itself never reads an upload.
"""
from __future__ import annotations

import io
import json
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util
from pathlib import Path

from .document import FAILURE, Problem, Result
from .errors import CRASHED, MEMORY, TIMEOUT

_ROOT = str(Path(__file__).resolve().parent.parent)
_lock = threading.Lock()


class Unavailable(Exception):
    """The warm parent cannot be used here; the caller falls back to a fresh interpreter."""


def apply_limits(memory: int, cpu_seconds: int) -> None:
    """Called first thing in the child (not via preexec_fn, which is unsafe in threaded servers)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def _context():
    """The forkserver context, with the server started so that it imports this very package."""
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:
        raise Unavailable("no forkserver on this platform") from None
    with _lock:
        ctx.set_forkserver_preload(["pipeline.warm"])
        # The server is a new interpreter: it must find this checkout first, as the child of the
        # fallback path does. (ensure_running is a no-op while the server is alive.)
        old = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, old) if p)
        try:
            forkserver.ensure_running()
        except OSError as exc:
            raise Unavailable(f"forkserver did not start: {exc}") from None
        finally:
            if old is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = old
    return ctx


class _Popen(popen_forkserver.Popen):
    def _launch(self, process_obj):
        # multiprocessing's own _launch, less the caller's __main__: the child would run the
        # caller's main script again (gunicorn's, a benchmark's) before it parses anything.
        prep_data = {k: v for k, v in spawn.get_preparation_data(process_obj._name).items()
                     if k not in ("init_main_from_path", "init_main_from_name")}
        buf = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        _parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Process(context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        return _Popen(process_obj)


def _peak_rss() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _child(conn, path: str, memory: int, cpu_seconds: int, max_clauses: int = 0) -> None:
    """Inside the forked child: own session, limits, one document, the Result as JSON, exit."""
    os.setsid()
    apply_limits(memory, cpu_seconds)
    started = time.perf_counter()
    try:
        from .run import run_file
        payload = run_file(path, max_clauses=max_clauses or None).to_json().encode("utf-8")
    except MemoryError:
        payload = None
    if payload is None:
        failed = Result(file=path, status=FAILURE, errors=[Problem(MEMORY, "out of memory while parsing")])
        payload = failed.to_json().encode("utf-8")
    stats = {"peak_rss": _peak_rss(), "seconds": time.perf_counter() - started, "pid": os.getpid()}
    conn.send_bytes(json.dumps(stats).encode("ascii"))
    conn.send_bytes(payload)
    conn.close()


def run(path: str, timeout: float, memory: int, max_clauses: int = 0) -> tuple[Result, dict]:
    """Parse ``path`` in a warm child; (Result, {peak_rss, seconds}). Raises Unavailable only
    before a child was started."""
    ctx = _context()
    reader, writer = ctx.Pipe(duplex=False)
    proc = _Process(target=_child, args=(writer, os.path.abspath(path), int(memory), int(timeout) + 1, int(max_clauses)),
                       daemon=True)
    deadline = time.monotonic() + timeout
    try:
        proc.start()
    except (OSError, AttributeError, RuntimeError) as exc:  # AttributeError: another Python's internals
        reader.close()
        writer.close()
        raise Unavailable(f"could not fork a parse child: {exc}") from None
    writer.close()
    try:
        return _collect(proc, reader, path, timeout, memory, deadline)
    finally:
        reader.close()
        if proc.is_alive():
            _kill(proc)
        proc.join()
        proc.close()


def _collect(proc, reader, path: str, timeout: float, memory: int, deadline: float) -> tuple[Result, dict]:
    def failure(code: str, message: str) -> tuple[Result, dict]:
        return Result(file=path, status=FAILURE, errors=[Problem(code, message, "isolate")]), {}

    try:
        if not reader.poll(max(0.0, deadline - time.monotonic())):
            _kill(proc)
            return failure(TIMEOUT, f"parsing took longer than {timeout:g} s and was stopped")
        stats = json.loads(reader.recv_bytes())
        if not reader.poll(max(0.0, deadline - time.monotonic())):
            _kill(proc)
            return failure(TIMEOUT, f"parsing took longer than {timeout:g} s and was stopped")
        data = reader.recv_bytes()
    except (EOFError, OSError):  # the child died before it answered
        proc.join(max(0.0, deadline - time.monotonic()) + 1)
        code = proc.exitcode
        if code in (-signal.SIGXCPU, -signal.SIGKILL):
            return failure(TIMEOUT, f"parsing used more than {timeout:g} s of CPU and was stopped")
        if code in (-signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS):
            # what malloc failures under RLIMIT_AS look like from C code (zlib, lxml)
            return failure(MEMORY, f"parsing needed more than {memory} bytes of memory and was stopped")
        return failure(CRASHED, f"the parser process crashed: exit status {code}")
    except ValueError as exc:
        return failure(CRASHED, f"parser returned unreadable output: {exc}")
    try:
        result = Result.from_dict(json.loads(data))
    except (ValueError, KeyError, TypeError) as exc:
        return failure(CRASHED, f"parser returned unreadable output: {exc}")
    result.file = path
    return result, stats


def _kill(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the child leads its own session
    except (ProcessLookupError, PermissionError):
        try:
            proc.kill()
        except (ProcessLookupError, ValueError):
            pass


def prestart() -> bool:
    """Start the warm parent now (it imports every reader and the rubrics: seconds), so that the
    first document a long-running process parses does not wait for it. False when unavailable."""
    try:
        _context()
    except Unavailable:
        return False
    return True
