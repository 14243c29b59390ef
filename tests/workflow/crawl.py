"""Untranslated text on a page: Latin words in the Chinese UI, Han characters in the English UI.

Document and user content (titles, names, clause text, the sheet's own wording) is marked in the
templates with its language, ``lang="zh-CN"`` (the ``content`` filter); the crawl skips elements
with an explicit lang, so the allow-list holds only words that are the same in both languages."""
from __future__ import annotations

import re
from html.parser import HTMLParser

# Words that are the same in both languages: format names, the product's Latin name, the language switch.
ALLOWED_LATIN = {"PDF", "DOCX", "Word", "QR", "PEM", "HiAP", "English", "API", "SHA-256", "SHA", "CSV", "XLSX",
                 "Excel", "Ed25519"}
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]+(?:[ ,.:;()]+[A-Za-z][A-Za-z'’-]+)+")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
ATTRS = ("placeholder", "title", "aria-label", "alt", "data-confirm", "label")
SKIPPED = {"script", "style", "code", "pre", "textarea", "title"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Text(HTMLParser):
    """The UI text of a page: skipped elements and elements in another language left out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is its content skipped
        self.parts: list[str] = []

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # Content (and the language switch) carries an explicit lang; the UI inherits the page's.
        skip = self._skipping() or tag in SKIPPED or bool(attrs.get("lang")) and tag != "html"
        if not skip:
            self.parts.extend(v for k, v in attrs.items() if k in ATTRS and v)
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.parts.append(attrs["value"])
        if tag not in VOID:
            self.stack.append(skip)

    def handle_startendtag(self, tag, attrs):
        if tag not in VOID:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)
        else:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._skipping():
            self.parts.append(data)


def ui_text(html: str, lang: str) -> str:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    return re.sub(r"\S+@\S+|https?://\S+|\S+\.(?:docx|pdf|txt|png|xlsx|csv)\b", " ", text)


def english_runs(html: str) -> list[str]:
    found = []
    for run in ENGLISH_RUN.findall(ui_text(html, "zh")):
        words = [w for w in re.split(r"[ ,.:;()]+", run) if w]
        if not all(w in ALLOWED_LATIN for w in words):
            found.append(run)
    return found


def han_runs(html: str) -> list[str]:
    text = ui_text(html, "en")
    return [text[max(0, m.start() - 30):m.end() + 10].strip() for m in HAN.finditer(text)]
