"""Existing documents for the inventory tests: health-related and not, docx/pdf/txt, zips and a bomb."""
from __future__ import annotations

import io
import zipfile

from tests.docs import DRAFT_LINES, docx_bytes, txt_bytes
from tests.pipeline.builders import image_only_pdf, layout_pdf

ARCHIVE_LINES = [
    "滨海新区机关档案管理办法",
    "第一条 为规范机关档案管理工作，根据有关规定，制定本办法。",
    "第二条 本办法适用于区级机关的文书档案整理、归档和移交。",
    "第三条 各单位应当在次年六月底前完成上一年度文件的归档，按年度、机构、保管期限分类。",
    "第四条 档案移交时应当编制移交清单，由交接双方签字确认。",
    "第五条 本办法自印发之日起施行。",
]
TRAFFIC_TITLE = "关于加强学校周边交通安全管理的通知"
TRAFFIC_LINES = [
    "一、在学校周边设置限速标志和减速带，上下学时段限速每小时30公里。",
    "二、建设学生安全接送区，配备交通协管员，减少交通伤害。",
    "三、禁止在学校周边100米内设置烟草、酒类销售点，保护儿童青少年健康。",
    "四、开展交通安全教育，提高学生和家长的安全意识。",
]


def documents() -> dict[str, bytes]:
    """name → bytes: a health-related docx, a health-related pdf, an unrelated txt, an unreadable pdf."""
    return {
        "校园健康促进行动实施方案.docx": docx_bytes(DRAFT_LINES),
        "学校周边交通安全.pdf": layout_pdf(TRAFFIC_TITLE, TRAFFIC_LINES),
        "机关档案管理办法.txt": txt_bytes(ARCHIVE_LINES),
        "扫描件.pdf": image_only_pdf(),
    }


class _GbkInfo(zipfile.ZipInfo):
    """A member name stored as GBK without the UTF-8 flag, as Chinese Windows writes it."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gb18030"), self.flag_bits & ~0x800


def zip_of(files: dict[str, bytes], gbk_names: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = (_GbkInfo if gbk_names else zipfile.ZipInfo)(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def mixed_zip() -> bytes:
    """The documents in folders, plus files the inventory skips (an image, macOS metadata)."""
    files = {f"政策文件/{name}": data for name, data in documents().items()}
    files["政策文件/封面.png"] = b"\x89PNG\r\n\x1a\n"
    files["__MACOSX/._x.docx"] = b"junk"
    return zip_of(files)


def bomb_zip(size: int = 2 << 20) -> bytes:
    """One member of zeros: a few KB that expand to ``size`` bytes (a ratio of about 1000)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("炸弹.txt", "w", force_zip64=True) as fh:
            chunk = b"0" * (1 << 20)
            for _ in range(size >> 20):
                fh.write(chunk)
    return buf.getvalue()
