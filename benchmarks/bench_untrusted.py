"""Untrusted uploads against gunicorn: every case refused with a specific message, no HTTP 500,
within 30 s, and no web worker past 1 GiB (issue #10, "Done when").

Serves a throw-away instance with gunicorn as `make run` does (gunicorn.conf.py) on 127.0.0.1,
logs in as a department user and sends each file of the fuzz set as a new submission's draft
(and the PDF xref-stream bomb anonymously to /verify/pdf). For each case it prints the HTTP status,
the message the user is shown, the seconds until that answer, and the peak RSS of the gunicorn
workers (psutil, sampled every 50 ms; the sandboxed parse child is reported apart). The raw
baseline, measured in the same run, is the upload of a valid 16-paragraph draft: "x base" is each
case's time as a multiple of it.

    .venv/bin/python benchmarks/bench_untrusted.py [--only NAME ...]

Every request goes to 127.0.0.1 only; each case is bounded by a 120 s client timeout.
"""
from __future__ import annotations

import argparse
import html
import io
import os
import random
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from pathlib import Path

import psutil
import requests

from loadgen import csrf_token, gunicorn_settings, logged_in, start_gunicorn, stop_gunicorn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = ROOT / ".venv" / "bin"
PASSWORD = "bench untrusted password 42"
GOAL_SECONDS = 30.0
GOAL_RSS = 1 << 30
KILL_RSS = 3 << 30  # the bench kills a gunicorn worker (its own) that grows past this
LETTER = "关于提请健康审查的函".encode()


# -- the fuzz set ----------------------------------------------------------------------------


def _docx(document_xml: bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal package whose word/document.xml is given (python-docx writes the rest)."""
    from docx import Document

    buf = io.BytesIO()
    Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in src.infolist():
            data = document_xml if item.filename == "word/document.xml" else src.read(item.filename)
            zf.writestr(item.filename, data)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return out.getvalue()


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _body(paragraphs: str, doctype: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
            f'<w:document {W_NS}><w:body>{paragraphs}</w:body></w:document>').encode()


def good_docx() -> bytes:
    from tests.docs import docx_bytes

    return docx_bytes()


def random_bytes() -> bytes:
    return random.Random(10).randbytes(1 << 20)


def truncated_zip() -> bytes:
    data = good_docx()
    return data[: len(data) // 2]


def _repeated_deflate(chunk: bytes, times: int, *, zlib_wrapper: bool) -> bytes:
    """Deflate data of ``times`` copies of ``chunk`` without compressing them all: after a full
    flush the compressor's output for the same chunk repeats, so one copy is enough."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 15 if zlib_wrapper else -15)
    first = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    again = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    header = first[: len(first) - len(again)]
    body = header + again * times + b"\x03\x00"  # an empty final block ends the stream
    if zlib_wrapper:
        if chunk.count(0) == len(chunk):  # Adler-32 of zeros: A stays 1, B counts the bytes
            adler = ((len(chunk) * times) % 65521) << 16 | 1
        else:
            adler = 1
            for _ in range(times):
                adler = zlib.adler32(chunk, adler)
        body += struct.pack(">I", adler)
    return body


def zip_bomb() -> bytes:
    """A docx whose document.xml inflates to 2 GiB of spaces (about 2 MB on the wire), with true
    sizes and CRC in its headers, written by hand since zipfile would compress all 2 GiB."""
    base = zipfile.ZipFile(io.BytesIO(good_docx()))
    chunk, times = b" " * (1 << 24), 128
    crc = 0
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    entries = [(i.filename, zlib.crc32(base.read(i.filename)), len(base.read(i.filename)),
                _raw_deflate(base.read(i.filename))) for i in base.infolist() if i.filename != "word/document.xml"]
    entries.append(("word/document.xml", crc, len(chunk) * times,
                    _repeated_deflate(chunk, times, zlib_wrapper=False)))
    out, central = io.BytesIO(), io.BytesIO()
    for name, crc_, size, data in entries:
        offset = out.tell()
        fields = (20, 0, 8, 0, 0x21, crc_, len(data), size, len(name.encode()), 0)
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + name.encode() + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, offset)
                      + name.encode())
    cd = central.getvalue()
    out.write(cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(cd),
                               out.tell(), 0))
    return out.getvalue()


def _raw_deflate(data: bytes) -> bytes:
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    return comp.compress(data) + comp.flush()


def xxe_docx() -> bytes:
    doctype = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return _docx(_body("<w:p><w:r><w:t>第一条 &xxe;</w:t></w:r></w:p>", doctype))


def billion_laughs_docx() -> bytes:
    ents = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    doctype = f'<!DOCTYPE w:document [{"".join(ents)}]>'
    return _docx(_body("<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>", doctype))


def dense_docx(n: int = 200_000) -> bytes:
    paragraphs = "".join(f"<w:p><w:r><w:t>第{i}项。</w:t></w:r></w:p>" for i in range(n))
    return _docx(_body(paragraphs))




def encrypted_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt="secret")
    c.drawString(72, 720, "Policy draft, article 1.")
    c.save()
    return buf.getvalue()


def scanned_pdf() -> bytes:
    """Pages that are only an image of text: no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(img)
    for y in range(100, 1700, 40):
        draw.line((100, y, 1140, y), fill=0, width=8)
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for _ in range(3):
        c.drawImage(ImageReader(img), 0, 0, 595, 842)
        c.showPage()
    c.save()
    return buf.getvalue()


def xref_stream_bomb() -> bytes:
    """A PDF whose cross-reference stream (FlateDecode) inflates to 4 GiB: about 4 MB on the wire."""
    stream = _repeated_deflate(b"\0" * (1 << 24), 256, zlib_wrapper=True)
    head = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" \
           b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    xref_at = len(head)
    obj = (b"3 0 obj\n<< /Type /XRef /Size 4 /Root 1 0 R /W [1 4 2] /Filter /FlateDecode /Length "
           + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream\nendobj\n")
    return head + obj + b"startxref\n" + str(xref_at).encode() + b"\n%%EOF\n"


BASELINE = "valid draft (baseline)"
CASES = [  # (name, file name, maker, target)
    (BASELINE, "方案.docx", good_docx, "draft"),
    ("random bytes", "方案.docx", random_bytes, "draft"),
    ("truncated zip", "方案.docx", truncated_zip, "draft"),
    ("zip bomb", "方案.docx", zip_bomb, "draft"),
    ("XXE docx", "方案.docx", xxe_docx, "draft"),
    ("billion laughs docx", "方案.docx", billion_laughs_docx, "draft"),
    ("encrypted PDF", "方案.pdf", encrypted_pdf, "draft"),
    ("scanned PDF", "方案.pdf", scanned_pdf, "draft"),
    ("100 MB body", "方案.docx", None, "huge"),
    ("0-byte file", "方案.docx", lambda: b"", "draft"),
    ("dense 200,000-paragraph docx", "方案.docx", dense_docx, "draft"),
    ("PDF xref-stream bomb", "sheet.pdf", xref_stream_bomb, "verify"),
]


# -- measuring ---------------------------------------------------------------------------------


class RssSampler:
    """Peak RSS of gunicorn's workers (the master's children) and of their parse children."""

    def __init__(self, master_pid: int, kill_above: int = KILL_RSS):
        self.master = psutil.Process(master_pid)
        self.kill_above = kill_above
        self.killed = False
        self.worker_peak = self.child_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for worker in self.master.children():
                    try:
                        rss = worker.memory_info().rss
                        self.worker_peak = max(self.worker_peak, rss)
                        if rss > self.kill_above:  # the machine is shared: never let a worker run away
                            worker.kill()
                            self.killed = True
                            continue
                        for child in worker.children(recursive=True):
                            self.child_peak = max(self.child_peak, child.memory_info().rss)
                    except psutil.Error:
                        continue
            except psutil.Error:
                pass
            self._stop.wait(0.05)


def message_of(page: str) -> str:
    """The error the page shows: flashed problems, a field's error, or the error page's text."""
    found = re.findall(r'class="(?:flash flash-error|error)"[^>]*>(.*?)</(?:div|small)>', page, re.S)
    if not found:  # the verification page states its verdict in one card
        m = re.search(r'id="pdf-verdict"[^>]*>(.*?)</div>', page, re.S)
        found = [m.group(1)] if m else []
    if not found:
        m = re.search(r'<section class="card narrow">\s*<h1>\d+</h1>\s*<p>(.*?)</p>', page, re.S)
        found = [m.group(1)] if m else []
    text = " / ".join(html.unescape(re.sub(r"<[^>]+>", "", f)).strip() for f in found)
    return re.sub(r"\s+", " ", text)[:150] or "(no message)"


def login(base: str, username: str) -> requests.Session:
    return logged_in(base, username, PASSWORD)


def submit_draft(base: str, s: requests.Session, name: str, data: bytes) -> tuple[list[int], str]:
    token = csrf_token(s.get(f"{base}/submissions/new", timeout=30).text)
    r = s.post(f"{base}/submissions/new", data={"csrf_token": token, "title": "学生健康促进管理办法",
                                                 "policy_type": "normative"},
               files={"draft": (name, data), "letter": ("公函.txt", LETTER)}, allow_redirects=False, timeout=120)
    statuses = [r.status_code]
    if r.status_code == 302:  # the preview says what the system read
        r = s.get(base + r.headers["Location"] if r.headers["Location"].startswith("/") else r.headers["Location"],
                  timeout=60)
        statuses.append(r.status_code)
        confirmable = 'value="confirm" type="submit" disabled' not in r.text
        return statuses, ("CONFIRMABLE " if confirmable else "") + message_of(r.text)
    return statuses, message_of(r.text)


def huge_body(base: str, s: requests.Session, size: int = 100 << 20) -> tuple[list[int], str]:
    """A 100 MB multipart body over a raw socket: stop sending once the server has answered."""
    token = csrf_token(s.get(f"{base}/submissions/new", timeout=30).text)
    boundary = "benchboundary7MA4YWxkTrZu0gW"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nx\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"draft\"; filename=\"a.docx\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + size + len(tail)
    host, port = base.removeprefix("http://").split(":")
    cookies = "; ".join(f"{k}={v}" for k, v in s.cookies.items())
    request = (f"POST /submissions/new HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookies}\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n"
               f"Connection: close\r\n\r\n").encode() + head
    reply = b""
    with socket.create_connection((host, int(port)), timeout=120) as sock:
        sock.sendall(request)
        sock.setblocking(False)
        sent, chunk = 0, b"\0" * (1 << 20)
        while sent < size and b"\r\n\r\n" not in reply:
            try:
                sent += sock.send(chunk[: min(len(chunk), size - sent)])
            except BlockingIOError:
                time.sleep(0.005)
            except OSError:
                break
            try:
                reply += sock.recv(65536)
            except (BlockingIOError, OSError):
                pass
        sock.setblocking(True)
        try:
            if sent >= size:
                sock.sendall(tail)
            while True:
                part = sock.recv(65536)
                if not part:
                    break
                reply += part
        except OSError:
            pass
    status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else 0
    body = reply.split(b"\r\n\r\n", 1)[-1].decode("utf-8", "replace")
    return [status], f"{message_of(body)} (client sent {sent / (1 << 20):.0f} MB before the answer)"


def verify_pdf(base: str, name: str, data: bytes) -> tuple[list[int], str]:
    s = requests.Session()  # anonymous
    token = csrf_token(s.get(f"{base}/verify/", timeout=30).text)
    r = s.post(f"{base}/verify/pdf", data={"csrf_token": token}, files={"sheet": (name, data)},
               allow_redirects=False, timeout=120)
    statuses = [r.status_code]
    if r.status_code == 302:
        r = s.get(base + r.headers["Location"] if r.headers["Location"].startswith("/") else r.headers["Location"],
                  timeout=60)
        statuses.append(r.status_code)
    text = message_of(r.text)
    if text == "(no message)":
        m = re.search(r"<h1[^>]*>(.*?)</h1>.*?<p[^>]*>(.*?)</p>", r.text, re.S)
        text = html.unescape(re.sub(r"<[^>]+>|\s+", " ", " ".join(m.groups()))).strip()[:150] if m else text
    return statuses, text


# -- setup and main ----------------------------------------------------------------------------


def prepare(instance: Path) -> None:
    env = dict(os.environ, REVIEW_INSTANCE_PATH=str(instance))
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "init-db"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    os.environ["REVIEW_INSTANCE_PATH"] = str(instance)
    from review import create_app
    from review.accounts.operations import create_user
    from review.extensions import db

    app = create_app()
    with app.app_context():
        create_user("bench-dept", "department", PASSWORD, department="教育局")
        create_user("bench-office", "office", PASSWORD, email="office@example.cn")
        db.session.commit()
        db.session.remove()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="run only the cases whose name contains one of these words")
    args = ap.parse_args()
    cases = [c for c in CASES if c[0] == BASELINE or not args.only
             or any(w.lower() in c[0].lower() for w in args.only)]

    t0 = time.perf_counter()
    files = {name: maker() for name, _, maker, _ in cases if maker is not None}
    print(f"fuzz set built in {time.perf_counter() - t0:.1f} s: "
          + ", ".join(f"{n} {len(d) / 1024:.0f} KB" for n, d in files.items()))
    with tempfile.TemporaryDirectory(prefix="bench-untrusted-") as tmp:
        instance = Path(tmp) / "instance"
        prepare(instance)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "gunicorn.log"
        proc = start_gunicorn(instance, port, log=log, ready_path="/login",
                              env={"REVIEW_RATELIMIT_ENABLED": "false"})
        rows = []
        try:
            print(f"gunicorn on {base}, as `make run` serves: {gunicorn_settings()}")
            session = login(base, "bench-dept")
            with RssSampler(proc.pid) as idle:
                time.sleep(0.5)
            print(f"idle worker RSS {idle.worker_peak / (1 << 20):.0f} MB")
            print(f"{'case':30} {'HTTP':>9} {'s':>6} {'x base':>6} {'worker MB':>9} {'child MB':>8}  message")
            base_seconds = None
            for name, filename, _maker, target in cases:
                t1 = time.perf_counter()
                with RssSampler(proc.pid) as rss:
                    try:
                        if target == "huge":
                            statuses, message = huge_body(base, session)
                        elif target == "verify":
                            statuses, message = verify_pdf(base, filename, files[name])
                        else:
                            statuses, message = submit_draft(base, session, filename, files[name])
                    except requests.RequestException as exc:
                        statuses, message = [0], f"client error: {type(exc).__name__}: {exc}"[:150]
                seconds = time.perf_counter() - t1
                if rss.killed:
                    statuses, message = statuses or [0], f"worker killed by the bench past {KILL_RSS >> 30} GiB; {message}"
                if name == BASELINE:
                    base_seconds = seconds
                else:
                    rows.append((name, statuses, seconds, rss.worker_peak, message))
                ratio = f"{seconds / base_seconds:6.1f}" if base_seconds else f"{'-':>6}"
                print(f"{name:30} {'/'.join(map(str, statuses)):>9} {seconds:6.1f} {ratio} "
                      f"{rss.worker_peak / (1 << 20):9.0f} {rss.child_peak / (1 << 20):8.0f}  {message}", flush=True)
        finally:
            stop_gunicorn(proc)
        errors = [ln for ln in log.read_text(errors="replace").splitlines()
                  if "Traceback" in ln or "ERROR" in ln or "[CRITICAL]" in ln]
    n500 = sum(1 for _, st, *_ in rows if any(s >= 500 or s == 0 for s in st))
    worst = max(rows, key=lambda r: r[2])
    peak = max(r[3] for r in rows)
    unrefused = [r[0] for r in rows if r[4].startswith("CONFIRMABLE") or r[4] == "(no message)"]
    print(f"SUMMARY {len(rows)} cases, {n500} HTTP 500 (or no answer), max time {worst[2]:.1f} s ({worst[0]}; "
          f"goal {GOAL_SECONDS:.0f} s), max worker RSS {peak / (1 << 20):.0f} MB (goal < {GOAL_RSS >> 20} MB), "
          f"without a specific refusal: {unrefused or 'none'}; gunicorn log: {len(errors)} error lines")
    for ln in errors[:5]:
        print(f"  {ln[:200]}")
    print("note: the machine is shared with other sessions; timings are noisy")
    ok = n500 == 0 and worst[2] <= GOAL_SECONDS and peak < GOAL_RSS and not unrefused
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
