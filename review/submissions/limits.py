"""Upload limits and what each refusal says.

Werkzeug answers 413 for three different limits (the request's size, the number of multipart
parts, the size of one text field) with one exception; the request class below records which one
was hit, so that the message names the actual limit (a request of 1,500 small files is not "too
large").
"""
from __future__ import annotations

from flask import Request, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

SIZE, PARTS, FIELD = "size", "parts", "field"


def _which_limit(exc: BaseException) -> str:
    """The sans-IO decoder raises the parts limit from ``next_event`` and the text-field limit
    from ``receive_data`` (or the parser's own accumulated check)."""
    tb = exc.__traceback__
    names = []
    while tb is not None:
        names.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    if "on_exhausted" in names:  # a chunked body past MAX_CONTENT_LENGTH
        return SIZE
    return PARTS if "next_event" in names else FIELD


class _Parser(FormDataParser):
    def _parse_multipart(self, stream, mimetype, content_length, options):
        try:
            return super()._parse_multipart(stream, mimetype, content_length, options)
        except RequestEntityTooLarge as exc:
            limit = SIZE if _over_size(content_length) else _which_limit(exc)
            if request:
                request.environ["review.limit"] = limit
            raise


def _over_size(content_length: int | None) -> bool:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return bool(limit and content_length and content_length > limit)


class UploadRequest(Request):
    form_data_parser_class = _Parser


def form_parts_limit(max_files: int) -> int:
    """Multipart parts allowed: every file plus the form's fields (a revision has two per item)."""
    return max(1000, 2 * max_files + 500)


def too_large_message() -> str:
    """The message of a 413, naming the limit that was hit."""
    config = current_app.config
    limit = request.environ.get("review.limit")
    if limit is None:
        limit = SIZE if _over_size(request.content_length) or request.content_length is None else FIELD
    if limit == PARTS:
        return _("The upload has too many files or fields. Send at most %(n)s files in one upload.",
                 n=config["MAX_FILES"])
    if limit == FIELD:
        return _("A text field of the form is longer than %(kb)s KB.",
                 kb=int(config["MAX_FORM_MEMORY_SIZE"]) // 1000)
    mb = f"{int(config['MAX_CONTENT_LENGTH']) / (1 << 20):g}"
    return _("The upload is larger than %(mb)s MB in all. Send fewer or smaller files.", mb=mb)
