"""The committee's annual work report (年度工作报告) as DOCX: the year's figures, the charts as
images and the list of reviewed policies, laid out like the opinion sheet (GB/T 9704 faces, red
版头, 一、 headings, 署名 and Chinese date, page numbers). The report is a Chinese document whatever
the reader's interface language.

``render_annual_report(job, progress)`` is the background job's body: matplotlib's first chart
alone takes seconds."""
from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import date

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt
from sqlalchemy import select

from ..accounts.models import Department
from ..calendar import local_today
from ..extensions import db
from ..reviews.models import Decision
from ..sheets.content import cn_number, zh_date
from ..sheets.models import OpinionSheet, SheetStatus
from ..sheets.render_docx import RED, _font, _para, _red_rule, official_document
from ..submissions.models import Submission
from .charts import chart_specs, days, percent
from .filters import StatsFilter
from .images import is_empty, render_png

CONCLUSION_ZH = {"approve": "审查同意", "modify": "修改", "redraft": "重新起草", "reject": "建议不予发布"}


def reviewed_policies(year: int, tz: str) -> list[dict]:
    """The sheets issued in the year (not revoked), oldest first: one statement."""
    f = StatsFilter(year=year, tz=tz)
    rows = db.session.execute(
        select(OpinionSheet.serial, OpinionSheet.issued_at, Submission.title, Department.name, Decision.round,
               Decision.conclusion)
        .join(Decision, Decision.id == OpinionSheet.decision_id)
        .join(Submission, Submission.id == OpinionSheet.submission_id)
        .join(Department, Department.id == Submission.department_id)
        .where(f.in_window(OpinionSheet.issued_at), OpinionSheet.status != SheetStatus.revoked)
        .order_by(OpinionSheet.issued_at, OpinionSheet.id))
    return [{"serial": serial, "issued_on": f.local(issued).date(), "title": title, "department": dept,
             "round": rnd, "conclusion": CONCLUSION_ZH[conclusion.value]}
            for serial, issued, title, dept, rnd, conclusion in rows]


def _table(doc, head: list[str], rows: list[list]) -> None:
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, head):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(cell.paragraphs[0].add_run(str(text)), "heading", 10.5)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            _font(cell.paragraphs[0].add_run(str(text)), "body", 10.5)
    _para(doc, "", indent=False, size=10.5)


def _chart(doc, spec: dict, config, n: int) -> None:
    if is_empty(spec):
        return
    doc.add_picture(io.BytesIO(render_png(spec, config)), width=Mm(150))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, f"图{n}  {spec['title']}", "kai", 12, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)


def build_report(stats: dict, specs: list[dict], policies: list[dict], year: int, config, progress=None,
                 today: date | None = None) -> bytes:
    """The DOCX bytes. ``specs`` are the Chinese chart specs; ``progress(done, total, note)`` is
    called after each chart."""
    committee = config.get("COMMITTEE_NAME") or "健康专家委员会"
    doc = official_document()
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, committee, "title", 30, align=center, indent=False, color=RED)
    _red_rule(doc)
    _para(doc, "", indent=False)
    _para(doc, f"{committee}{year}年度", "title", 22, align=center, indent=False)
    _para(doc, "公共政策健康审查工作报告", "title", 22, align=center, indent=False)
    _para(doc, "", indent=False)
    by = {s["id"]: s for s in specs}
    wd, op, ev, ad = stats["working_days"], stats["opinions"], stats["evaluation_rate"], stats["adoption"]
    c = stats["by_conclusion"]
    st = wd["stages"]
    sections = [
        ("总体情况", [f"{year}年，委员会共收到公共政策健康审查申请{stats['submissions']}件，作出审查决定{stats['decisions']}项，"
                   f"其中审查同意{c['approve']}项、修改{c['modify']}项、重新起草{c['redraft']}项、建议不予发布{c['reject']}项。"],
         ["monthly", "conclusions"]),
        ("审查时效", [f"从收到审查稿到出具审查意见书，中位数为{days(wd['median'])}个工作日，第90百分位数为{days(wd['p90'])}个工作日"
                   f"（共{wd['count']}轮审查）。其中受理环节中位数{days(st['intake']['median'])}个工作日，专家审查"
                   f"{days(st['expert_review']['median'])}个工作日，合议与决定{days(st['deliberation']['median'])}个工作日，"
                   f"部门修改{days(st['revision']['median'])}个工作日。"], ["stages"]),
        ("专家工作", [f"全年专家共提交审查意见{op['submitted']}份，其中按期提交{op['on_time']}份，按期率{percent(op['rate'])}。"],
         ["on_time", "experts"]),
        ("意见采纳情况", [f"起草部门对审查意见逐条作出回应{ad['total']}条，其中采纳{ad['adopted']}条、部分采纳{ad['partly']}条、"
                     f"不采纳{ad['rejected']}条。"], ["adoption"]),
        ("健康相关政策评估率", [f"台账中健康相关政策{ev['health_related']}件，经健康审查{ev['reviewed']}件，"
                        f"评估率{percent(ev['rate'])}。"], ["evaluation"]),
    ]
    charts = [cid for _h, _t, ids in sections for cid in ids if not is_empty(by[cid])]
    done, figure = 0, 0
    for n, (heading, texts, ids) in enumerate(sections, 1):
        _para(doc, f"{cn_number(n)}、{heading}", "heading", keep_next=True)
        for text in texts:
            _para(doc, text)
        for cid in ids:
            spec = by[cid]
            if cid in ("experts", "evaluation") and spec["table"]["rows"]:
                _table(doc, spec["table"]["head"], spec["table"]["rows"])
            if not is_empty(spec):
                figure += 1
                _chart(doc, spec, config, figure)
                done += 1
                if progress:
                    progress(done, len(charts) + 1, note=spec["title"])
    _para(doc, f"{cn_number(len(sections) + 1)}、审查政策清单", "heading", keep_next=True)
    if policies:
        _table(doc, ["序号", "意见书编号", "政策名称", "起草部门", "轮次", "审查结论", "出具日期"],
               [[i, p["serial"], p["title"], p["department"], p["round"], p["conclusion"], zh_date(p["issued_on"])]
                for i, p in enumerate(policies, 1)])
    else:
        _para(doc, "本年度未出具审查意见书。")
    _para(doc, "", indent=False)
    _para(doc, committee, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, right_chars=2, keep_next=True)
    _para(doc, zh_date(today or local_today()), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, right_chars=4)
    doc.core_properties.title = f"{committee}{year}年度公共政策健康审查工作报告"
    doc.core_properties.author = committee
    buf = io.BytesIO()
    doc.save(buf)
    if progress:
        progress(len(charts) + 1, len(charts) + 1, note="docx")
    return buf.getvalue()


@contextmanager
def _in_chinese():
    """Labels in Chinese inside a request in English too (i18n caches the catalogue on g)."""
    from flask import g
    from flask_babel import force_locale

    saved = {k: g.pop(k) for k in ("_translations", "_language") if k in g}
    try:
        with force_locale("zh_CN"):
            yield
    finally:
        g.pop("_translations", None)
        g.pop("_language", None)
        for k, v in saved.items():
            setattr(g, k, v)


def annual_report(year: int, config, progress=None) -> bytes:
    """Collect the year's figures and build the report (in Chinese)."""
    from .operations import collect_stats

    stats = collect_stats(StatsFilter(year=year, tz=config["TIMEZONE"]), config)
    with _in_chinese():
        specs = chart_specs(stats)
    return build_report(stats, specs, reviewed_policies(year, config["TIMEZONE"]), year, config, progress)
