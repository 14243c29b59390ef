"""Structure of a Chinese official document (GB/T 9704): front-matter elements, the heading
tree (一、/（一）/1./（1）and 第X章/节/条), clauses with stable ids and paths, and references."""
from __future__ import annotations

import re

from ..document import Block, Clause, Document, Heading, RawDocument, Reference, Table
from .normalize import clean

CN = "一二三四五六七八九十百千零〇两"
_NUM = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}

# (rank, pattern): rank orders the levels; the level is the depth in the current stack.
_MARKERS = [
    (0, re.compile(rf"^第([{CN}\d]+)章[\s　]*")),
    (1, re.compile(rf"^第([{CN}\d]+)节[\s　]*")),
    (2, re.compile(rf"^第([{CN}\d]+)条[\s　]*")),
    (3, re.compile(rf"^([{CN}]+)[、，,．.]\s*")),
    (4, re.compile(rf"^[（(]\s*([{CN}]+)\s*[)）]\s*")),
    (5, re.compile(r"^(\d{1,3})[.．、]\s*")),
    (6, re.compile(r"^[（(]\s*(\d{1,3})\s*[)）]\s*")),
]
_HEADING_START = frozenset("第（(" + CN)
_TERMINATORS = "。；！？;!?"
_TERMINATOR_RE = re.compile(f"[{_TERMINATORS}]")
_COLON_RE = re.compile("[：:]")
_INLINE_CANDIDATE = re.compile(rf"[。；！？)）](?:[（(][{CN}]|[{CN}]+[、．.])")
_DOCNUM = re.compile(r"([\u4e00-\u9fa5]{1,15})\s*[〔\[［(（【]\s*((?:19|20)\d{2})\s*[〕\]］)）】]\s*第?\s*0*(\d{1,5})\s*号")
_DATE = re.compile(r"^(\d{4}|[〇零○O一二三四五六七八九]{4})\s*年\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月"
                   r"\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*日$")
_REF = re.compile(r"《([^《》\n]{2,120})》")
_REF_NUMBER = re.compile(r"^\s*[（(]([^（）()]{0,30}?〔\d{4}〕\d+号|[^（）()]{0,30}?[\[［(（]\d{4}[\]］)）]\d+号)[）)]")
_GENRE = re.compile(r"(通知|方案|意见|办法|规定|说明|决定|细则|条例|规划|计划|纲要|函|通告|公告|批复|报告|请示|规则"
                    r"|标准|措施|指南|要点|制度|清单|（试行）|\(试行\)|（征求意见稿）|（草案）|（送审稿）)$")
_BASIS = re.compile(r"(法|条例|规定|办法|意见|通知|方案|规划|纲要|标准|指南|决定|细则|计划|规范|规则|措施|函|批复|公告|通告"
                    r"|要点|行动|制度|规程|章程|公约|指引|手册|决议|目录|清单)$")
_TRAILING_NOTE = re.compile(r"[（(][^（）()]*[)）]$")
_DRAFT_NOTE = re.compile(r"^[（(](征求意见稿|送审稿|草案|试行|修订稿|代拟稿)[)）]")


def cn_to_int(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    total, current = 0, 0
    for ch in token:
        if ch in _NUM:
            current = _NUM[ch]
        elif ch in "十百千":
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * unit
            current = 0
        else:
            return None
    return total + current


def int_to_cn(n: int) -> str:
    from ..readers.numbering import chinese_number
    return chinese_number(n)


def match_heading(text: str) -> tuple[int, str, str] | None:
    """(rank, path token, remainder) when the paragraph starts with a heading number."""
    first = text[:1]
    # Every marker starts with 第, a Chinese numeral, a bracket or a digit: skip the others at once.
    if first not in _HEADING_START and not first.isdigit():
        return None
    for rank, pattern in _MARKERS:
        m = pattern.match(text)
        if not m:
            continue
        num = m.group(1)
        rest = text[m.end():]
        if rank == 3 and cn_to_int(num) is None:
            return None
        if rank == 5 and rest[:1].isdigit():
            return (rank, num, rest) if rest else None  # "1.5倍" is not a heading unless expected
        token = {0: f"第{num}章", 1: f"第{num}节", 2: f"第{num}条", 3: num, 4: f"（{num}）",
                 5: num, 6: f"（{num}）"}[rank]
        return rank, token, rest
    return None


def normalize_doc_number(text: str) -> str | None:
    m = _DOCNUM.search(text)
    if not m:
        return None
    return f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号"


def parse_date(text: str) -> str | None:
    m = _DATE.match(text.replace(" ", ""))
    if not m:
        return None
    year = m.group(1)
    if not year.isdigit():
        year = "".join(str(_NUM.get(c, 0)) for c in year.replace("○", "〇").replace("O", "〇"))
    month, day = cn_to_int(m.group(2)), cn_to_int(m.group(3))
    if not month or not day or month > 12 or day > 31:
        return None
    return f"{int(year):04d}-{month:02d}-{day:02d}"


def split_list(text: str) -> list[str]:
    """Split 主送/抄送 lists on ，、；, but not inside brackets such as 各县（市、区）."""
    items, buf, depth = [], [], 0
    for ch in text.rstrip("：:。 "):
        if ch in "（(〔[":
            depth += 1
        elif ch in "）)〕]":
            depth = max(0, depth - 1)
        if ch in "，、；,;" and depth == 0:
            items.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
    items.append("".join(buf).strip())
    return [i for i in items if i]


class _Builder:
    def __init__(self) -> None:
        self.doc = Document()
        self.stack: list[tuple[int, str, int | None]] = []  # (rank, token, number)
        self.last_number: dict[int, int] = {}
        self._path = ""

    # heading tree
    def expected(self, rank: int) -> int:
        return self.last_number.get(rank, 0) + 1

    def accept(self, found: tuple[int, str, str]) -> bool:
        rank, token, rest = found
        if rank == 5 and rest[:1].isdigit():
            return cn_to_int(token) == self.expected(rank)
        return True

    def push(self, rank: int, token: str, number: int | None) -> None:
        while self.stack and self.stack[-1][0] >= rank:
            self.stack.pop()
        self.stack.append((rank, token, number))
        self._path = "/".join(t for _, t, _ in self.stack)
        for deeper in [r for r in self.last_number if r > rank]:
            del self.last_number[deeper]
        if number is not None:
            self.last_number[rank] = number

    @property
    def path(self) -> str:
        return self._path  # rebuilt by push(), the only place the stack changes

    def add_clause(self, text: str, page: int | None, kind: str = "body", table: Table | None = None) -> Clause:
        clause = Clause(id=f"c{len(self.doc.clauses) + 1:04d}", path=self.path, text=text, page=page,
                        kind=kind, table=table)
        self.doc.clauses.append(clause)
        return clause

    def renumber(self, text: str) -> str:
        """Word's counter does not see headings numbered by hand (or left unnumbered), so an
        automatic label can repeat a number already used at its level; paths must stay unique."""
        found = match_heading(text)
        if not found or found[0] not in (3, 4, 5, 6):
            return text
        rank, token, rest = found
        number = cn_to_int(token.strip("（）"))
        if number is None or number > self.last_number.get(rank, 0):
            return text
        nxt = self.expected(rank)
        label = {3: f"{int_to_cn(nxt)}、", 4: f"（{int_to_cn(nxt)}）", 5: f"{nxt}.", 6: f"（{nxt}）"}[rank]
        return label + rest

    def split_inline(self, text: str) -> list[str]:
        """A paragraph that swallowed the next sibling heading ("…(责任单位：X)(二)完善…")."""
        if not _INLINE_CANDIDATE.search(text):
            return [text]
        for rank in (3, 4):
            if rank not in self.last_number:
                continue
            nxt = int_to_cn(self.expected(rank))
            pat = (rf"(?<=[。；！？)）])({re.escape(nxt)}[、．.]|[（(]{re.escape(nxt)}[)）])" if rank == 3 else
                   rf"(?<=[。；！？)）])[（(]{re.escape(nxt)}[)）]")
            m = re.search(pat, text)
            if m and m.start() > 0:
                return [text[:m.start()]] + self.split_inline(text[m.start():])
        return [text]


def _heading_parts(rest: str) -> tuple[str, bool]:
    """Heading text, and whether the paragraph is also a clause (it carries text of its own)."""
    rest = rest.strip()
    m = _TERMINATOR_RE.search(rest)
    colon = _COLON_RE.search(rest, 0, 25)
    if colon and (m is None or colon.start() < m.start()) and colon.end() < len(rest):
        m = colon  # "（一）总体目标：到2025年……" — a short label before a colon
    if m is None:
        return rest.rstrip("：:"), False
    return rest[:m.start()], True


def build(raw: RawDocument) -> Document:
    b = _Builder()
    doc = b.doc
    blocks = [bl for bl in raw.blocks if bl.kind == "table" or clean(bl.label + bl.text)]
    i = _front_matter(blocks, doc)
    in_body = False
    body = blocks[i:]
    for k, bl in enumerate(body):
        if bl.kind == "table":
            rows = [[clean(c) for c in r] for r in bl.rows or []]
            b.add_clause("\n".join("\t".join(r) for r in rows), bl.page, "table", Table(rows=rows, page=bl.page))
            continue
        full = clean(bl.label + bl.text).replace("\n", "")
        if bl.label:
            full = b.renumber(full)
        if _implicit_section(b, full, body[k + 1] if k + 1 < len(body) else None):
            b.push(3, int_to_cn(b.expected(3)), b.expected(3))
            b.doc.headings.append(Heading(path=b.path, level=len(b.stack), number=b.stack[-1][1],
                                          text=full, page=bl.page, clause_index=len(b.doc.clauses)))
            continue
        for part in b.split_inline(full):
            in_body = _paragraph(b, part, bl, in_body) or in_body
    _elements(doc)
    doc.references = find_references(doc)
    return doc


_NOT_NUMERAL = re.compile(r"[^\d" + CN + "]")
_ATTACHMENTS = re.compile(r"^附件[：:]")
_ATTACHMENT_SPLIT = re.compile(r"\s*(?=\d+[.．、])")
_ATTACHMENT_NUMBER = re.compile(r"^\d+[.．、]\s*")
_SECTION_PUNCT = re.compile(r"[。，；：:,;！？、]")


def _implicit_section(b: _Builder, text: str, nxt: Block | None) -> bool:
    """A short unnumbered line that restarts the （一） sequence is a section heading whose
    number the author left out (e.g. "工作重点" between 三、 and 五、)."""
    if nxt is None or nxt.kind == "table" or 3 not in b.last_number or not b.last_number.get(4):
        return False
    if len(text) > 20 or _SECTION_PUNCT.search(text):
        return False
    found = match_heading(clean(nxt.label + nxt.text))
    return bool(found and found[0] == 4 and cn_to_int(found[1].strip("（）")) == 1)


def _paragraph(b: _Builder, text: str, bl: Block, in_body: bool) -> bool:
    doc = b.doc
    found = match_heading(text)
    if found and b.accept(found):
        rank, token, rest = found
        number = cn_to_int(_NOT_NUMERAL.sub("", token.replace("第", "", 1)[:-1] if rank <= 2 else token))
        head, is_clause = _heading_parts(rest)
        b.push(rank, token, number)
        doc.headings.append(Heading(path=b.path, level=len(b.stack), number=token, text=head, page=bl.page,
                                    clause_index=len(doc.clauses)))
        if is_clause:
            b.add_clause(rest.strip(), bl.page)
        return True
    kind = "body"
    if not in_body and not b.stack and not doc.addressees and len(doc.clauses) < 3 and _is_addressees(text):
        doc.addressees = split_list(text)
        kind = "addressees"
    if text.startswith(("抄送：", "抄送:")):
        doc.cc = split_list(text[3:])
        kind = "cc"
    elif _ATTACHMENTS.match(text):
        doc.attachments = [_ATTACHMENT_NUMBER.sub("", a) for a in _ATTACHMENT_SPLIT.split(text[3:]) if a]
        kind = "attachments"
    elif parse_date(text):
        kind = "date"
    elif _IMPRINT.search(text) and len(text) <= 60:
        kind = "imprint"  # 版记: "XX办公室 2024年5月7日印发"
    b.add_clause(text, bl.page, kind)
    return False


_IMPRINT = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印发$")
_ORGANISATION = re.compile(r"(局|委|委员会|政府|办|办公室|室|部|部门|单位|公司|厅|院|中心|组|会|处|所|镇|乡|街道|村"
                           r"|社区|机关|学校|医院|团体|企业|分局|管委会|站|队)$")


def _is_addressees(text: str) -> bool:
    """主送机关: a list of organisations ending with a colon (not "现通知如下：")."""
    if not text.endswith(("：", ":")) or len(text) > 200 or re.search(r"[。；！？]|如下", text):
        return False
    items = split_list(text)
    return bool(items) and all(_ORGANISATION.search(i) or i.startswith("各") for i in items)


def _front_matter(blocks: list[Block], doc: Document) -> int:
    """Read 版头 lines and the title; return the index of the first block after the title."""
    i = 0
    while i < len(blocks) and i < 8:
        t = clean(blocks[i].label + blocks[i].text).replace("\n", "")
        if blocks[i].kind == "table":
            break
        if normalize_doc_number(t) and len(t) <= 60 and not t.startswith("关于") and "《" not in t:
            doc.doc_number = normalize_doc_number(t)
        elif re.fullmatch(r"[\u4e00-\u9fa5（）()]{2,40}文件", t):
            doc.issuer = t[:-2]
        elif re.fullmatch(r"(\d{6}|[★*]?\s*(绝密|机密|秘密)[^，。]{0,10}|(特急|加急|特提|平急)|签发人[：:].*)", t):
            pass
        else:
            break
        i += 1
    if i >= len(blocks) or blocks[i].kind == "table":
        return i
    first = clean(blocks[i].label + blocks[i].text).replace("\n", "")
    if match_heading(first) or len(first) > 80 or first.endswith(("。", "：", ":")):
        return i
    title = [first]
    j = i + 1
    while j < len(blocks) and blocks[j].kind != "table":
        nxt = clean(blocks[j].label + blocks[j].text).replace("\n", "")
        if _DRAFT_NOTE.match(nxt) and len(nxt) <= 30:
            title.append(nxt)
        elif (not _GENRE.search("".join(title)) and len(nxt) <= 30 and not match_heading(nxt)
              and nxt[-1:] not in "。：:；，" and not parse_date(nxt) and not normalize_doc_number(nxt)):
            title.append(nxt)
        else:
            break
        j += 1
    doc.title = "".join(title)
    if doc.doc_number is None:
        for k in range(j, min(j + 2, len(blocks))):
            t = clean(blocks[k].text)
            if blocks[k].kind != "table" and len(t) <= 40 and _DOCNUM.fullmatch(t.strip("（）()")):
                doc.doc_number = normalize_doc_number(t)
    return j


def _elements(doc: Document) -> None:
    """Issuer and date: the 成文日期 line, and the signature line right above it."""
    clauses = doc.clauses
    for c in clauses:
        if c.kind in ("cc", "imprint"):
            c.path = ""  # the closing block (版记) belongs to no section
    for k, c in enumerate(clauses):
        if c.kind != "date":
            continue
        if doc.date is None:
            doc.date = parse_date(c.text)
            if k and clauses[k - 1].kind == "body" and len(clauses[k - 1].text) <= 40 \
                    and not re.search(r"[。，；：:,]", clauses[k - 1].text):
                clauses[k - 1].kind = "issuer"
                clauses[k - 1].path = c.path = ""
                doc.issuer = doc.issuer or clauses[k - 1].text
        break


def find_references(doc: Document) -> list[Reference]:
    """Every 《…》 cited, with its document number when given; the draft's own title is not a basis."""
    refs: dict[str, Reference] = {}
    for cid, text in [(None, doc.title)] + [(c.id, c.text) for c in doc.clauses]:
        for m in _REF.finditer(text or ""):
            title = m.group(1).strip()
            before = text[max(0, m.start() - 6):m.start()]
            if "简称" in before or (doc.title and cid is not None and title in doc.title):
                continue
            if cid is None:
                continue
            num = None
            nm = _REF_NUMBER.match(text[m.end():])
            if nm:
                num = normalize_doc_number(nm.group(1))
            if title in refs:
                refs[title].doc_number = refs[title].doc_number or num
                refs[title].basis = refs[title].basis or bool(num)
            else:
                basis = bool(num) or bool(_BASIS.search(_TRAILING_NOTE.sub("", title)))
                refs[title] = Reference(title=title, doc_number=num, clause_id=cid, basis=basis)
    return list(refs.values())
