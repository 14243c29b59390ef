"""Documents the tests write themselves (no dependence on ../shared)."""
from __future__ import annotations

import io

DRAFT_TITLE = "关于开展校园健康促进行动的实施方案"
DRAFT_LINES = [
    DRAFT_TITLE,
    "各学校、各有关单位：",
    "为落实健康中国行动，保障学生身心健康，制定本方案。",
    "一、总体要求",
    "（一）指导思想。坚持健康第一的教育理念，将健康融入学校各项政策。",
    "（二）工作目标。到2026年，学生体质健康达标率达到92%以上，儿童青少年近视率每年下降1个百分点。",
    "二、重点任务",
    "（一）加强学校食堂食品安全管理。严格落实校长陪餐制度，减少高盐高糖高脂食品供应，保障学生营养。",
    "（二）开展近视防控。保证学生每天校内外户外活动时间不少于2小时，控制电子产品使用时间。",
    "（三）推进控烟工作。校园内全面禁止吸烟，禁止在学校周边100米内销售烟草制品和电子烟。",
    "（四）加强心理健康教育。配备专职心理健康教师，建立学生心理危机干预机制。",
    "三、保障措施",
    "（一）加强组织领导。各学校要成立工作专班，明确责任分工。",
    "（二）强化经费保障。将所需经费纳入年度预算。",
    "滨海新区教育局",
    "2026年3月1日",
]
REVISED_LINES = [line.replace("减少高盐高糖高脂食品供应", "禁止供应含糖饮料，减少高盐高糖高脂食品供应")
                 for line in DRAFT_LINES] + []


def docx_bytes(lines: list[str] = DRAFT_LINES) -> bytes:
    from docx import Document

    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def txt_bytes(lines: list[str] = DRAFT_LINES) -> bytes:
    return "\n".join(lines).encode("utf-8")


LETTER = "关于提请对《校园健康促进行动实施方案》进行健康审查的函".encode("utf-8")
