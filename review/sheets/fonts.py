"""The sheet's four faces (GB/T 9704: 小标宋 title, 仿宋 body, 黑体 level-1, 楷体 level-2 headings).

reportlab embeds only TrueType (glyf) outlines. Debian's Noto CJK (fonts-noto-cjk) ships CFF
outlines in .ttc files, which reportlab rejects ("postscript outlines are not supported"), and
Debian has no 仿宋 with simplified-Chinese coverage (cwTeX 仿宋 is traditional only). So by default:

- title and body: AR PL UMing CN (fonts-arphic-uming), a 明/宋 serif; the title is emboldened
  by stroking the glyphs, as 小标宋 is a heavy 宋;
- level-1 headings: WenQuanYi Zen Hei (fonts-wqy-zenhei), a 黑体;
- level-2 headings: AR PL UKai CN (fonts-arphic-ukai), a 楷体.

An office with licensed fonts sets REVIEW_SHEET_FONT_TITLE/_BODY/_HEADING/_KAI to .ttf/.ttc files
("path#N" picks face N of a collection); REVIEW_SHEET_FONT sets all four at once.
"""
from __future__ import annotations

import os
import threading

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

ROLES = ("title", "body", "heading", "kai")
# TrueType fonts with CJK glyphs, in order of preference when nothing better for a role is found.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)
# Which candidate file names suit each role, best first (the others follow as fallbacks).
ROLE_PREFERENCE = {
    "title": ("uming.ttc", "simsun.ttc"),
    "body": ("uming.ttc", "simsun.ttc"),
    "heading": ("wqy-zenhei.ttc", "wqy-microhei.ttc", "STHeiti Light.ttc"),
    "kai": ("ukai.ttc",),
}
# The faces the .docx asks for (Word substitutes what is installed).
DOCX_FACES = {"title": "方正小标宋简体", "body": "仿宋_GB2312", "heading": "黑体", "kai": "楷体_GB2312"}

_lock = threading.Lock()
_registered: dict[str, str] = {}


class SheetFontError(RuntimeError):
    """No usable font with Chinese glyphs."""


def _split(spec: str) -> tuple[str, int]:
    path, _, index = spec.partition("#")
    return path, int(index) if index.isdigit() else 0


def find_font(configured: str = "", role: str = "body") -> str:
    """The font file for ``role``: the configured one, else the best installed candidate."""
    if configured:
        if not os.path.isfile(_split(configured)[0]):
            raise SheetFontError(f"SHEET_FONT={configured!r} does not exist")
        return configured
    present = [p for p in FONT_CANDIDATES if os.path.isfile(p)]
    for name in ROLE_PREFERENCE.get(role, ()):
        for path in present:
            if os.path.basename(path) == name:
                return path
    if present:
        return present[0]
    raise SheetFontError("no TrueType font with Chinese glyphs was found: install fonts-arphic-uming "
                         "fonts-wqy-zenhei fonts-arphic-ukai or set REVIEW_SHEET_FONT to a .ttf/.ttc file")


def register_font(configured: str = "", role: str = "body") -> str:
    """Register a font once per process; returns the reportlab font name."""
    spec = find_font(configured, role)
    with _lock:
        if spec in _registered:
            return _registered[spec]
        path, index = _split(spec)
        name = f"HiAPSheetCJK{len(_registered)}"
        try:
            font = TTFont(name, path, subfontIndex=index) if path.lower().endswith(".ttc") else TTFont(name, path)
        except Exception as exc:  # reportlab raises bare TTFError/AssertionError on unusable fonts
            raise SheetFontError(f"cannot use {path} for the sheet: {exc}") from None
        if font.face.charToGlyph.get(ord("审")) in (None, 0):
            raise SheetFontError(f"{path} has no Chinese glyphs")
        pdfmetrics.registerFont(font)
        _registered[spec] = name
        return name


def font_file(name: str) -> str:
    """The file behind a registered reportlab font name (to draw the seal with the same face)."""
    for spec, registered in _registered.items():
        if registered == name:
            return spec
    raise KeyError(name)


def register_fonts(config: dict | str | None = None) -> dict[str, str]:
    """{role: reportlab font name}. ``config``: {role: file} (empty entries searched), or one file
    for every role (the old single SHEET_FONT setting)."""
    if isinstance(config, str) or config is None:
        config = {role: config or "" for role in ROLES}
    return {role: register_font(config.get(role) or "", role) for role in ROLES}


def fonts_from_app_config(app_config) -> dict[str, str]:
    """The {role: file} settings: SHEET_FONT_<ROLE>, else SHEET_FONT."""
    common = str(app_config.get("SHEET_FONT") or "")
    return {role: str(app_config.get(f"SHEET_FONT_{role.upper()}") or common) for role in ROLES}
