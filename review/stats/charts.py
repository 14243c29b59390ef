"""The statistics as chart specifications: one structure drawn by ECharts on the page (static/stats.js),
by matplotlib in the annual report (images.py), and printed as the accessible table under each chart.

A spec: {id, title, kind: "bar" | "stacked" | "pie", unit, categories, series: [{name, values}],
table: {head: [...], rows: [[...]]}}. Labels are in the reader's language."""
from __future__ import annotations

from flask_babel import gettext as _

from ..i18n import label
from ..reviews.models import ResponseKind
from ..submissions.models import Conclusion, Status
from .durations import STAGES

EXPERTS_SHOWN = 15


def _stage_label(stage: str) -> str:
    return {"intake": _("Intake"), "expert_review": _("Expert review"),
            "deliberation": _("Deliberation and decision"), "revision": _("Department revision"),
            "total": _("Submission to sheet")}[stage]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def days(value: float | None) -> str:
    return "—" if value is None else (f"{value:g}")


def _table(first: str, categories: list[str], series: list[dict], fmt=str) -> dict:
    return {"head": [first, *(s["name"] for s in series)],
            "rows": [[c, *(fmt(s["values"][i]) for s in series)] for i, c in enumerate(categories)]}


def _bars(id_, title, kind, first, categories, series, unit="", fmt=str) -> dict:
    return {"id": id_, "title": title, "kind": kind, "unit": unit, "categories": categories, "series": series,
            "table": _table(first, categories, series, fmt)}


def _pie(id_, title, slices: list[tuple[str, int]]) -> dict:
    total = sum(v for _n, v in slices)
    return {"id": id_, "title": title, "kind": "pie", "unit": "", "categories": [n for n, _v in slices],
            "series": [{"name": title, "values": [v for _n, v in slices]}],
            "table": {"head": [_("Category"), _("Number"), _("Share")],
                      "rows": [[n, str(v), percent(v / total if total else None)] for n, v in slices]}}


def chart_specs(stats: dict) -> list[dict]:
    months = stats["by_month"]
    statuses = [s.value for s in Status]
    present = [s for s in statuses if any(m["by_status"][s] for m in months)] or statuses[:1]
    monthly = _bars("monthly", _("Submissions per month by status"), "stacked", _("Month"),
                    [m["month"] for m in months],
                    [{"name": label("status", s), "values": [m["by_status"][s] for m in months]} for s in present])
    depts = stats["by_department"]
    conclusions = [c.value for c in Conclusion]
    by_conclusion = _bars("conclusions", _("Conclusions by department"), "stacked", _("Department"),
                          [d["department"] for d in depts],
                          [{"name": label("conclusion", c), "values": [d["by_conclusion"][c] for d in depts]}
                           for c in conclusions])
    stages = stats["working_days"]["stages"]
    keys = [*STAGES, "total"]
    rows = {**stages, "total": stats["working_days"]}
    durations = _bars("stages", _("Working days per stage"), "bar", _("Review stage"), [_stage_label(k) for k in keys],
                      [{"name": _("Median"), "values": [rows[k]["median"] for k in keys]},
                       {"name": _("90th percentile"), "values": [rows[k]["p90"] for k in keys]}],
                      unit=_("working days"), fmt=days)
    durations["table"]["head"].append(_("Rounds counted"))
    for row, k in zip(durations["table"]["rows"], keys):
        row.append(str(rows[k]["count"]))
    op = stats["opinions"]
    on_time = _pie("on_time", _("Expert opinions on time"),
                   [(_("On time"), op["on_time"]), (_("Late"), op["with_due"] - op["on_time"])])
    experts = stats["experts"][:EXPERTS_SHOWN]
    load = _bars("experts", _("Expert load and timeliness"), "bar", _("Expert"), [e["name"] for e in experts],
                 [{"name": _("Seats"), "values": [e["seats"] for e in experts]},
                  {"name": _("Opinions submitted"), "values": [e["submitted"] for e in experts]},
                  {"name": _("On time"), "values": [e["on_time"] for e in experts]}])
    load["table"]["head"].append(_("Median working days"))
    for row, e in zip(load["table"]["rows"], experts):
        row.append(days(e["median_days"]))
    adoption = _pie("adoption", _("Adoption of opinions by the departments"),
                    [(label("response", k.value), stats["adoption"][k.value]) for k in ResponseKind])
    evaluated = [d for d in depts if d["health_related"]]
    evaluation = _bars("evaluation", _("Evaluation rate by department"), "bar", _("Department"),
                       [d["department"] for d in evaluated],
                       [{"name": _("Health-related policies"), "values": [d["health_related"] for d in evaluated]},
                        {"name": _("Reviewed"), "values": [d["reviewed"] for d in evaluated]}])
    evaluation["table"]["head"].append(_("Evaluation rate"))
    for row, d in zip(evaluation["table"]["rows"], evaluated):
        row.append(percent(d["evaluation_rate"]))
    return [monthly, by_conclusion, durations, on_time, load, adoption, evaluation]
