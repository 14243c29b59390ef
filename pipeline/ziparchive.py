"""Zip archives from users, read in a child process with memory and CPU limits (isolate.py runs it).

A zip's central directory and its compressed streams are untrusted bytes like any document: a
crafted archive can make zlib or the directory parser spend unbounded time or memory. The child
lists the members, and extracts chosen members with a hard cap on what each one and all of them
expand to (a member may lie about its size), writing each to ``<out_dir>/<index>`` so that no
member name ever becomes a path. The caller decides what to do with the listing (which members
are documents, which declared sizes are a bomb).

Run as a script with -P (standard library only): ``python -P ziparchive.py <json request>``;
the answer is one JSON object on stdout.
"""
from __future__ import annotations

import json
import os
import sys
import zipfile
import zlib

UTF8_FLAG = 0x800
ENCRYPTED_FLAG = 0x1
# The compression methods zipfile can expand; a member stored with another one (PPMd, deflate64...)
# is refused as unreadable before it is opened.
READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


def member_name(info: zipfile.ZipInfo) -> str:
    """The name as its author saw it: zips from Chinese Windows store GBK without the UTF-8 flag."""
    name = info.filename
    if not info.flag_bits & UTF8_FLAG:
        try:
            name = name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def list_members(path: str) -> dict:
    """{"members": [{index, name, size, compressed, encrypted, dir}]} or {"error": "bad_zip"}."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return {"error": "bad_zip"}
    return {"members": [{"index": n, "name": member_name(i), "size": i.file_size, "compressed": i.compress_size,
                         "encrypted": bool(i.flag_bits & ENCRYPTED_FLAG), "dir": i.is_dir()}
                        for n, i in enumerate(infos)]}


def extract_members(path: str, indexes: list[int], out_dir: str, member_limit: int, total_limit: int) -> dict:
    """Write the members ``indexes`` to out_dir/<index>; {"files": [index, ...]}, or {"error":
    "zip_bomb", "name": ...} when one expands past its declared size or a limit, {"error": "bad_zip"}
    when a stream is damaged or uses a compression method zipfile cannot expand."""
    written, total = [], 0
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            for index in indexes:
                info = infos[index]
                if info.compress_type not in READABLE_METHODS:
                    return {"error": "bad_zip"}
                cap = min(member_limit, info.file_size)
                size = 0
                target = os.path.join(out_dir, str(index))
                with zf.open(info) as fh, open(target, "xb") as out:
                    while chunk := fh.read(1 << 16):
                        size += len(chunk)
                        total += len(chunk)
                        if size > cap or total > total_limit:
                            return {"error": "zip_bomb", "name": member_name(info)}
                        out.write(chunk)
                written.append(index)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, IndexError, ValueError):
        # zipfile stops at the declared size and then finds the CRC wrong: a damaged or lying member.
        return {"error": "bad_zip"}
    return {"files": written}


def main(argv: list[str]) -> int:
    request = json.loads(argv[1])
    memory, cpu = int(request.get("memory", 0)), int(request.get("cpu", 0))
    if memory or cpu:
        import resource

        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        if cpu:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        if request["op"] == "list":
            answer = list_members(request["path"])
        else:
            answer = extract_members(request["path"], [int(i) for i in request["indexes"]], request["out_dir"],
                                     int(request["member_limit"]), int(request["total_limit"]))
    except MemoryError:
        answer = {"error": "memory"}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
