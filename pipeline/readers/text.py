"""Plain-text drafts: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030."""
from __future__ import annotations

from ..document import Block, RawDocument
from ..errors import ENCODING, PipelineError


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 covers GBK and GB2312, the usual encodings of files saved by older tools.
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise PipelineError(ENCODING, "text file is neither UTF-8 nor GB18030") from None


def read_text(data: bytes) -> RawDocument:
    text = decode(data)
    if "\x00" in text:
        raise PipelineError(ENCODING, "text file contains NUL characters (binary data?)")
    blocks = [Block(text=line.strip("\r"), page=1) for line in text.split("\n") if line.strip()]
    return RawDocument(format="txt", pages=1, blocks=blocks)
