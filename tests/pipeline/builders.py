"""Documents the tests write themselves: docx with python-docx (plus raw WordprocessingML for
numbering, content controls, text boxes, tracked changes), PDFs with reportlab's CID font."""
from __future__ import annotations

import io
import zipfile

from docx import Document
from docx.oxml import parse_xml
from docx.shared import Pt

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
NS = (W_NS + ' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
      ' xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
      ' xmlns:v="urn:schemas-microsoft-com:vml"'
      ' xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
      ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"')

ABSTRACT = f"""<w:abstractNum {W_NS} w:abstractNumId="77">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>"""
NUM = f'<w:num {W_NS} w:numId="77"><w:abstractNumId w:val="77"/></w:num>'


def numbered(doc, text: str, ilvl: int):
    p = doc.add_paragraph(text)
    p._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {W_NS}><w:ilvl w:val="{ilvl}"/><w:numId w:val="77"/></w:numPr>'))
    return p


def add_numbering(doc) -> None:
    numbering = doc.part.numbering_part.element
    first_num = numbering.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}num")
    abstract = parse_xml(ABSTRACT)
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(NUM))


def rich_docx() -> bytes:
    doc = Document()
    doc.sections[0].header.paragraphs[0].text = "页眉文字不属于正文"
    doc.sections[0].footer.paragraphs[0].text = "页脚文字不属于正文"
    add_numbering(doc)
    doc.add_paragraph("测卫发 [ 2024 ] 7 号")
    title = doc.add_paragraph()
    title.alignment = 1
    title.add_run("关于印发《测试市控烟工作方案》的通知").font.size = Pt(22)
    doc.add_paragraph("各区卫生健康局，市直各单位：")
    numbered(doc, "总体要求", 0)
    body = doc.add_paragraph("为贯彻《测试市控制吸烟条例》（测政发〔2023〕12号），保持")
    body._p.append(parse_xml(f'<w:del {W_NS} w:id="1" w:author="a"><w:r><w:delText>删除的文字</w:delText></w:r></w:del>'))
    body._p.append(parse_xml(f'<w:ins {W_NS} w:id="2" w:author="a"><w:r><w:t>插入的文字</w:t></w:r></w:ins>'))
    body.add_run("，制定本方案。")
    numbered(doc, "加强戒烟服务。医疗机构开设戒烟门诊，为吸烟者提供戒烟服务。", 1)
    sdt = parse_xml(f'<w:sdt {W_NS}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>（二）内容控件中的条款。公共场所全面禁烟。</w:t></w:r></w:p></w:sdtContent></w:sdt>')
    doc.element.body.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}sectPr").addprevious(sdt)
    host = doc.add_paragraph("带文本框的段落。")
    host._p.append(parse_xml(
        f'<w:r {NS}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData>'
        f'<wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>文本框中的文字。</w:t></w:r></w:p></w:txbxContent>'
        f'</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>文本框中的文字。</w:t></w:r></w:p>'
        f'</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>'))
    table = doc.add_table(rows=3, cols=3)
    table.cell(0, 0).text, table.cell(0, 1).text, table.cell(0, 2).text = "指标", "2024年", "2025年"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "吸烟率"
    table.cell(1, 1).merge(table.cell(1, 2)).text = "低于20%"
    table.cell(2, 1).text, table.cell(2, 2).text = "18%", "16%"
    # WPS templates wrap cells in content controls (w:sdt around w:tc)
    tc = table.cell(2, 2)._tc
    sdt = parse_xml(f'<w:sdt {W_NS}><w:sdtPr/><w:sdtContent/></w:sdt>')
    tc.addprevious(sdt)
    sdt[1].append(tc)
    numbered(doc, "工作要求", 0)
    numbered(doc, "明确责任", 1)
    numbered(doc, "各区于每年12月底前报送总结。", 2)
    numbered(doc, "加强督导检查。", 2)
    doc.add_paragraph("测试市卫生健康委员会")
    doc.add_paragraph("2024年3月5日")
    doc.add_paragraph("抄送：市政府办公室，市爱卫办。")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def simple_docx(paragraphs: list[str]) -> bytes:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def replace_part(docx: bytes, name: str, content: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == name else src.read(info.filename))
    return out.getvalue()


# --- PDF -------------------------------------------------------------------------------------

def _canvas(buf, **kw):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return canvas.Canvas(buf, pagesize=(595, 842), **kw)


def layout_pdf(title: str, paragraphs: list[str], *, per_line: int = 30, page_numbers: str = "dash",
               header: str | None = None, encrypt: str | None = None, crossed: list | None = None) -> bytes:
    """GB/T 9704-like layout in STSong-Light: 12 pt body, first-line indent of two characters,
    extra space between paragraphs, page numbers at the foot."""
    buf = io.BytesIO()
    c = _canvas(buf, encrypt=encrypt)
    size, left, pitch = 12, 72, 20
    page = 1
    y = 770

    def foot():
        if header:
            c.setFont("STSong-Light", 9)
            c.drawString(left, 810, header)
        label = {"dash": f"— {page} —", "hyphen": f"- {page} -", "zh": f"第{page}页"}[page_numbers]
        c.setFont("STSong-Light", 10)
        c.drawCentredString(297, 40, label)

    c.setFont("STSong-Light", 18)
    c.drawCentredString(297, y, title)
    y -= 40
    for k, text in enumerate(paragraphs):
        start_page = page
        lines, first = [], True
        while text:
            n = per_line - 2 if first else per_line
            lines.append((first, text[:n]))
            text, first = text[n:], False
        for indent, line in lines:
            if y < 80:
                foot()
                c.showPage()
                page += 1
                y = 770
            if indent:
                start_page = page
            c.setFont("STSong-Light", size)
            c.drawString(left + (2 * size if indent else 0), y, line)
            y -= pitch
        if crossed is not None and page != start_page:
            crossed.append(k)  # this paragraph continues across a page break
        y -= 8
    foot()
    c.save()
    return buf.getvalue()


def dense_pdf(boxes: int = 3000) -> bytes:
    """One page with `boxes` separate little text boxes (a dense statistics table)."""
    buf = io.BytesIO()
    c = _canvas(buf)
    c.setFont("STSong-Light", 5)
    cols = 50
    for k in range(boxes):
        row, col = divmod(k, cols)
        c.drawString(20 + col * 11.2, 820 - row * 12.5, str(k % 100))
    c.save()
    return buf.getvalue()


def fallback_quotes_pdf() -> bytes:
    """Curly quotes drawn in a second font after the line, as some exporters do."""
    buf = io.BytesIO()
    c = _canvas(buf)
    c.setFont("STSong-Light", 12)
    c.drawString(72, 700, "推进")
    c.drawString(72 + 24 + 6, 700, "健康城市")
    c.drawString(72 + 24 + 6 + 48 + 6, 700, "建设，倡导健康生活方式。")
    c.setFont("Helvetica", 12)
    c.drawString(72 + 24, 700, "\u201c")
    c.drawString(72 + 24 + 6 + 48, 700, "\u201d")
    c.save()
    return buf.getvalue()


def image_only_pdf() -> bytes:
    buf = io.BytesIO()
    c = _canvas(buf)
    c.rect(100, 100, 300, 300, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


def cid_without_unicode_pdf() -> bytes:
    """A Type0 font with Identity-H and no ToUnicode map: pdfminer can only say (cid:N)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        None,
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Mystery /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Mystery /CIDSystemInfo << /Registry (Adobe) "
        b"/Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
    ]
    text = b"BT /F1 12 Tf 72 700 Td <" + b"".join(b"%04X" % (300 + i) for i in range(40)) + b"> Tj ET"
    objs[3] = b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream"
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def flate_bomb_pdf(inflated: int) -> bytes:
    """A page whose content stream inflates to `inflated` bytes of spaces."""
    import zlib
    comp = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = b"".join(comp.compress(chunk) for _ in range(inflated >> 20)) + comp.flush()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def column_pdf(title: str, paragraphs: list[str], *, size: float = 12, width: float = 420,
               mirrored: bool = False, traditional: dict | None = None) -> bytes:
    """Paragraphs wrapped by measured width with a first-line indent of two characters and no
    extra space between paragraphs, as word processors export regulations. Lines are filled to
    the margin, so a paragraph's last line can end exactly at the right edge. ``mirrored`` shifts
    the column on even pages (mirrored margins). ``traditional`` maps characters to the variant
    drawn instead, as a CID font's writer may pick it."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    buf = io.BytesIO()
    c = _canvas(buf)
    font, pitch, page, y = "STSong-Light", size * 1.6, 1, 780

    def left() -> float:
        return (595 - width) / 2 + ((12 if page % 2 == 0 else -12) if mirrored else 0)

    c.setFont(font, size * 1.5)
    c.drawCentredString(297, y, title)
    y -= 3 * pitch
    for text in paragraphs:
        if traditional:
            text = "".join(traditional.get(ch, ch) for ch in text)
        lines, cur, used = [], "", 2 * size
        for ch in text:
            w = stringWidth(ch, font, size)
            if cur and used + w > width + 0.01:
                lines.append(cur)
                cur, used = "", 0.0
            cur, used = cur + ch, used + w
        lines.append(cur)
        for i, line in enumerate(lines):
            if y < 70:
                c.setFont(font, 10)
                c.drawCentredString(297, 40, f"— {page} —")
                c.showPage()
                page, y = page + 1, 780
            c.setFont(font, size)
            c.drawString(left() + (2 * size if i == 0 else 0), y, line)
            y -= pitch
    c.setFont(font, 10)
    c.drawCentredString(297, 40, f"— {page} —")
    c.save()
    return buf.getvalue()
