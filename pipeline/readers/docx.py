"""Word .docx: body text in order, with automatic numbering, tracked changes, content controls,
text boxes and merged cells handled the way Word shows them.

python-docx opens the package (parts, styles, numbering); the body is walked as XML because
``Paragraph.text`` drops inserted text and ``doc.paragraphs`` skips content controls and boxes.
"""
from __future__ import annotations

import io
import zipfile

from docx import Document as open_docx
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from ..document import Block, Problem, RawDocument
from ..errors import CORRUPT, EMPTY, TOO_LARGE, UNSUPPORTED_FORMAT, PipelineError
from .numbering import W, Numbering

MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
MAX_PART = 30 * 1024 * 1024
MAX_TOTAL = 150 * 1024 * 1024
MAX_MEMBERS = 5000

# Subtrees whose text Word does not show as body text.
_SKIP = {W + t for t in ("del", "moveFrom", "pPr", "rPr", "instrText", "delText", "delInstrText",
                         "footnoteReference", "endnoteReference", "commentReference", "sectPr",
                         "tblPr", "trPr", "tcPr", "rPrChange", "pPrChange")}
_SKIP.add(MC + "Fallback")

# Tag names and XPath expressions built once, not per element or per document.
_P, _TBL, _SDT, _SDT_CONTENT = W + "p", W + "tbl", W + "sdt", W + "sdtContent"
_CONTAINERS = frozenset((W + "customXml", W + "ins", W + "moveTo", W + "sdtContent"))
_PPR, _JC, _NUMPR, _PSTYLE, _SZ = W + "pPr", W + "jc", W + "numPr", W + "pStyle", W + "sz"
_NUMID, _ILVL, _VAL, _STYLE_ID = W + "numId", W + "ilvl", W + "val", W + "styleId"
_TR, _TC, _TCPR, _VMERGE = W + "tr", W + "tc", W + "tcPr", W + "vMerge"
_T, _TAB, _BREAKS, _NB_HYPHEN, _TXBX = W + "t", W + "tab", frozenset((W + "br", W + "cr")), W + "noBreakHyphen", \
    W + "txbxContent"
_ALTERNATE, _CHOICE = MC + "AlternateContent", MC + "Choice"
_NS = {"w": W[1:-1]}
_NUMBERED_STYLES = etree.XPath("./w:style[w:pPr/w:numPr]", namespaces=_NS)
_BASED_ON = etree.XPath("./w:style/w:basedOn", namespaces=_NS)


def check_package(data: bytes) -> None:
    """Refuse zip bombs, path traversal and truncated archives before python-docx inflates anything."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise PipelineError(CORRUPT, "not a valid .docx (zip archive unreadable or truncated)") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise PipelineError(TOO_LARGE, f".docx has {len(infos)} parts (limit {MAX_MEMBERS})")
        total = 0
        names = set()
        for info in infos:
            name = info.filename
            if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in name:
                raise PipelineError(CORRUPT, f".docx contains an unsafe part name: {name!r}")
            if info.file_size > MAX_PART:
                raise PipelineError(TOO_LARGE, f".docx part {name} expands to {info.file_size} bytes "
                                               f"(limit {MAX_PART})")
            total += info.file_size
            names.add(name)
        if total > MAX_TOTAL:
            raise PipelineError(TOO_LARGE, f".docx expands to {total} bytes (limit {MAX_TOTAL})")
        if "[Content_Types].xml" not in names:
            raise PipelineError(CORRUPT, "zip archive is not an Office document ([Content_Types].xml missing)")
        if not any(n.startswith("word/") for n in names):
            raise PipelineError(UNSUPPORTED_FORMAT, "Office package is not a Word document")


def _numbering_element(doc):
    """numbering.xml of the package, or None. Looked up through the relationships: python-docx's
    ``numbering_part`` would try to create a part when there is none, which it cannot do."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    for rel in doc.part.rels.values():
        if rel.reltype == RT.NUMBERING and not rel.is_external:
            return getattr(rel.target_part, "element", None)
    return None


class _Walker:
    def __init__(self, doc):
        self.doc = doc
        self.numbering = Numbering.from_element(_numbering_element(doc))
        self.style_num: dict[str, tuple[str | None, int | None]] = {}
        self.style_based: dict[str, str] | None = None  # styleId → basedOn, built on first need
        self._styles_root = None
        self._read_styles()
        self.blocks: list[Block] = []

    def _read_styles(self) -> None:
        try:
            root = self.doc.styles.element
        except (KeyError, AttributeError):
            return
        # Only styles carrying numbering matter; XPath runs in C, a Python loop over the
        # hundreds of latent styles of a template would cost more than the body walk.
        for style in _NUMBERED_STYLES(root):
            self.style_num[style.get(_STYLE_ID)] = _num_pr(style.find(_PPR).find(_NUMPR))
        self._styles_root = root

    def _style_numbering(self, style_id: str | None):
        if not style_id or not self.style_num:
            return None
        if self.style_based is None:
            self.style_based = {}
            if self._styles_root is not None:
                for based in _BASED_ON(self._styles_root):
                    self.style_based[based.getparent().get(_STYLE_ID)] = based.get(_VAL)
        seen = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            if style_id in self.style_num:
                return self.style_num[style_id]
            style_id = self.style_based.get(style_id)
        return None

    # body order: paragraphs, tables, and the blocks inside content controls and inserts
    def walk(self, container) -> None:
        for child in container:
            tag = child.tag
            if tag == _P:
                self.paragraph(child)
            elif tag == _TBL:
                self.table(child)
            elif tag == _SDT:
                content = child.find(_SDT_CONTENT)
                if content is not None:
                    self.walk(content)
            elif tag in _CONTAINERS:
                self.walk(child)

    def paragraph(self, p) -> None:
        parts: list[str] = []
        boxes: list = []
        _collect(p, parts, boxes)
        text = "".join(parts)
        ppr = p.find(_PPR)
        label = self._label(ppr)
        centered = False
        if ppr is not None:
            jc = ppr.find(_JC)
            centered = jc is not None and jc.get(_VAL) == "center"
        size = _font_size(p)
        if label or text.strip():
            self.blocks.append(Block(text=text, label=label, centered=centered, size=size))
        for box in boxes:
            self.walk(box)

    def _label(self, ppr) -> str:
        """The automatic number of a paragraph, from its properties (``w:pPr``, or None)."""
        num = None
        if ppr is not None:
            el = ppr.find(_NUMPR)
            if el is not None:
                num = _num_pr(el)
            if (num is None or num[0] is None) and self.style_num:
                style = ppr.find(_PSTYLE)
                style_num = self._style_numbering(style.get(_VAL) if style is not None else None)
                if style_num is not None:
                    num = (num[0] if num and num[0] else style_num[0],
                           num[1] if num and num[1] is not None else style_num[1])
        if num is None or num[0] is None:
            return ""
        return self.numbering.label(num[0], num[1] or 0)

    def table(self, tbl) -> None:
        rows: list[list[str]] = []
        # Rows and cells may sit inside content controls, so search below the table, not just children.
        for tr in tbl.iter(_TR):
            if _enclosing(tr, "tbl") is not tbl:
                continue
            cells = []
            for tc in tr.iter(_TC):
                if _enclosing(tc, "tr") is not tr:
                    continue
                tcpr = tc.find(_TCPR)
                vmerge = tcpr.find(_VMERGE) if tcpr is not None else None
                # A continued vertical merge repeats the cell above: keep it once.
                if vmerge is not None and vmerge.get(_VAL, "continue") == "continue":
                    continue
                cells.append(self._cell_text(tc))
            if any(c.strip() for c in cells):
                rows.append(cells)
        if rows:
            text = "\n".join("\t".join(r) for r in rows)
            self.blocks.append(Block(text=text, kind="table", rows=rows))

    def _cell_text(self, tc) -> str:
        saved, self.blocks = self.blocks, []
        self.walk(tc)
        inner, self.blocks = self.blocks, saved
        return "\n".join(b.label + b.text if b.kind == "paragraph" else b.text for b in inner)


def _enclosing(el, tag: str):
    parent = el.getparent()
    while parent is not None and parent.tag != W + tag:
        parent = parent.getparent()
    return parent


def _num_pr(el) -> tuple[str | None, int | None]:
    nid = el.find(_NUMID)
    ilvl = el.find(_ILVL)
    return (nid.get(_VAL) if nid is not None else None,
            int(ilvl.get(_VAL)) if ilvl is not None else None)


def _font_size(p) -> float | None:
    for sz in p.iter(_SZ):
        try:
            return int(sz.get(_VAL)) / 2
        except (TypeError, ValueError):
            return None
    return None


def _collect(el, out: list[str], boxes: list) -> None:
    """Visible text of a paragraph in order; text boxes are set aside to become their own blocks."""
    for ch in el:
        tag = ch.tag
        if tag.__class__ is not str or tag in _SKIP:
            continue
        if tag == _T:
            out.append(ch.text or "")
        elif tag == _TAB:
            out.append("\t")
        elif tag in _BREAKS:
            out.append("\n")
        elif tag == _NB_HYPHEN:
            out.append("-")
        elif tag == _TXBX:
            boxes.append(ch)
        elif tag == _ALTERNATE:
            choice = ch.find(_CHOICE)
            _collect(choice if choice is not None else ch, out, boxes)
        else:
            _collect(ch, out, boxes)


def read_docx(data: bytes) -> RawDocument:
    check_package(data)
    try:
        doc = open_docx(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise PipelineError(CORRUPT, f"not a readable .docx: {exc}") from None
    except zipfile.BadZipFile as exc:
        raise PipelineError(CORRUPT, f"damaged .docx: {exc}") from None
    walker = _Walker(doc)
    walker.walk(doc.element.body)
    warnings: list[Problem] = []
    if not walker.blocks:
        raise PipelineError(EMPTY, "the document has no body text")
    return RawDocument(format="docx", pages=None, blocks=walker.blocks, warnings=warnings)
