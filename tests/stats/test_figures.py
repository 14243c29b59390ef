"""Every statistics figure against the hand-built year of tests/stats/dataset.py."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from review.stats import durations, operations as ops
from review.stats.filters import FilterError, StatsFilter, parse_filters
from review.stats.workdays import WorkdayCounter, median, percentile

from .dataset import HOLIDAYS, build_year

CONFIG = {"HOLIDAYS": HOLIDAYS, "EXTRA_WORKDAYS": ""}


@pytest.fixture
def year(app):
    return build_year()


def counter():
    return WorkdayCounter({date(2025, 1, 1)}, set())


def test_workday_counter_matches_the_calendar():
    rnd = random.Random(7)
    holidays = {date(2025, 1, 1), date(2025, 5, 1), date(2025, 5, 5), date(2025, 5, 3)}
    extra = {date(2025, 4, 27), date(2025, 9, 28)}
    wd = WorkdayCounter(holidays, extra)
    for _ in range(500):
        a = date(2024, 12, 1) + timedelta(days=rnd.randrange(400))
        b = a + timedelta(days=rnd.randrange(-60, 120))
        assert wd.between(a, b) == WorkdayCounter.check(a, b, holidays, extra), (a, b)


def test_median_and_nearest_rank_percentile():
    assert median([1, 2, 2, 1]) == 1.5 and median([3, 11, 5]) == 5
    assert percentile([1, 1, 2, 2], 90) == 2 and percentile([5, 10, 17], 90) == 17
    assert percentile(list(range(1, 11)), 90) == 9
    assert median([]) is None and percentile([], 90) is None


def test_submissions_per_month_by_status(year):
    rows = ops.submissions_by_month(StatsFilter(year=2025))
    assert [r["month"] for r in rows] == [f"2025-{m:02d}" for m in range(1, 13)]
    totals = {r["month"]: r["total"] for r in rows if r["total"]}
    # S6 arrived at 01:00 local on 1 January (still 2024 in UTC): January 2025.
    assert totals == {"2025-01": 1, "2025-03": 1, "2025-04": 1, "2025-05": 1, "2025-06": 1}
    by = {r["month"]: {k: v for k, v in r["by_status"].items() if v} for r in rows if r["total"]}
    assert by["2025-01"] == {"withdrawn": 1} and by["2025-05"] == {"under_review": 1}
    assert by["2025-03"] == {"concluded": 1} and by["2025-06"] == {"submitted": 1}
    # Without a year: the months the submissions span, December 2024 to June 2025.
    all_rows = ops.submissions_by_month(StatsFilter())
    assert [r["month"] for r in all_rows][0] == "2024-12" and all_rows[-1]["month"] == "2025-06"
    assert len(all_rows) == 7 and all_rows[0]["by_status"]["accepted"] == 1 and all_rows[0]["total"] == 1


def test_conclusions_by_department(year):
    d = year["depts"]
    got = ops.conclusions_by_department(StatsFilter(year=2025))
    assert got[d["教育局"]] == {"approve": 1, "modify": 1, "redraft": 0, "reject": 0}
    assert got[d["卫健委"]] == {"approve": 0, "modify": 0, "redraft": 0, "reject": 1}
    assert ops.conclusions_by_department(StatsFilter(year=2024)) == {}


def test_stage_durations_in_working_days(year):
    got = durations.stage_durations(StatsFilter(year=2025), counter())
    assert got["total"] == {"count": 3, "median": 10, "p90": 17}  # [5, 10, 17]
    st = got["stages"]
    assert st["intake"] == {"count": 4, "median": 1.5, "p90": 2}  # [1, 1, 2, 2]
    assert st["expert_review"] == {"count": 3, "median": 5, "p90": 11}  # [3, 5, 11]
    assert st["deliberation"] == {"count": 3, "median": 2, "p90": 4}  # [2, 2, 4]
    assert st["revision"] == {"count": 1, "median": 5, "p90": 5}
    # 2024: nothing ended then (S5's intake ended in January 2025).
    assert durations.stage_durations(StatsFilter(year=2024), counter())["stages"]["intake"]["count"] == 0


def test_stage_durations_of_one_department(year):
    got = durations.stage_durations(StatsFilter(year=2025, department_id=year["depts"]["卫健委"]), counter())
    assert got["total"]["median"] == 17 and got["stages"]["intake"]["median"] == 1
    assert got["stages"]["expert_review"]["median"] == 11 and got["stages"]["revision"]["count"] == 0


def test_expert_load_and_timeliness(year):
    experts, totals = durations.expert_timeliness(StatsFilter(year=2025), counter())
    by = {e["name"]: e for e in experts}
    assert {k: by["甲专家"][k] for k in ("seats", "declined", "submitted", "on_time", "late", "median_days")} == \
        {"seats": 3, "declined": 1, "submitted": 2, "on_time": 1, "late": 1, "median_days": 3}
    assert {k: by["乙专家"][k] for k in ("seats", "declined", "submitted", "on_time", "late", "median_days")} == \
        {"seats": 3, "declined": 0, "submitted": 2, "on_time": 1, "late": 1, "median_days": 7}  # [5, 9]
    assert totals == {"submitted": 4, "with_due": 4, "on_time": 2, "rate": 0.5}
    _experts, d2 = durations.expert_timeliness(StatsFilter(year=2025, department_id=year["depts"]["卫健委"]),
                                               counter())
    assert d2 == {"submitted": 1, "with_due": 1, "on_time": 1, "rate": 1.0}


def test_adoption_of_opinions(year):
    got = ops.adoption_by_department(StatsFilter(year=2025))
    assert got == {year["depts"]["教育局"]: {"adopted": 1, "partly": 1, "rejected": 1}}


def test_filters_are_validated(app, year):
    f = parse_filters({"year": "2025", "department": "卫健委"}, "Asia/Shanghai")
    assert f == StatsFilter(2025, year["depts"]["卫健委"], "Asia/Shanghai")
    assert parse_filters({"department": str(year["depts"]["教育局"])}, "UTC").department_id == year["depts"]["教育局"]
    for bad, code in (({"year": "20x5"}, "stats_bad_year"), ({"year": "1850"}, "stats_bad_year"),
                      ({"department": "无此局"}, "stats_unknown_department"), ({"department": "999"},
                                                                                "stats_unknown_department")):
        with pytest.raises(FilterError) as exc:
            parse_filters(bad, "UTC")
        assert exc.value.code == code


def test_evaluation_rate_per_department_and_year(year):
    d = year["depts"]
    got = ops.evaluation_by_department(StatsFilter(year=2025))
    assert {k: (v["health_related"], v["reviewed"]) for k, v in got.items()} == {d["教育局"]: (3, 1), d["卫健委"]: (1, 1)}
    all_years = ops.evaluation_by_department(StatsFilter())
    assert (all_years[d["卫健委"]]["health_related"], all_years[d["卫健委"]]["reviewed"]) == (2, 1)


def test_collect_stats_holds_every_figure(year):
    d = year["depts"]
    s = ops.collect_stats(StatsFilter(year=2025), CONFIG)
    assert s["submissions"] == 5 and s["decisions"] == 3
    assert {k: v for k, v in s["by_status"].items() if v} == {"concluded": 2, "under_review": 1, "submitted": 1,
                                                               "withdrawn": 1}
    assert s["by_conclusion"] == {"approve": 1, "modify": 1, "redraft": 0, "reject": 1}
    assert (s["working_days"]["median"], s["working_days"]["p90"]) == (10, 17)
    assert s["working_days"]["stages"]["intake"]["median"] == 1.5  # the holiday of CONFIG counted
    assert s["on_time_rate"] == 0.5
    assert s["adoption"] == {"adopted": 1, "partly": 1, "rejected": 1, "total": 3}
    assert s["evaluation_rate"] == {"health_related": 4, "reviewed": 2, "rate": 0.5}
    rows = {r["department_id"]: r for r in s["by_department"]}
    assert rows[d["教育局"]]["submissions"] == 3 and rows[d["卫健委"]]["submissions"] == 2
    assert rows[d["教育局"]]["evaluation_rate"] == 1 / 3 and rows[d["卫健委"]]["evaluation_rate"] == 1.0
    assert [e["name"] for e in s["experts"]] == ["乙专家", "甲专家"]  # 3 seats each, then by name (code point)
    one = ops.collect_stats(StatsFilter(year=2025, department_id=d["卫健委"]), CONFIG)
    assert one["submissions"] == 2 and one["evaluation_rate"]["rate"] == 1.0
    assert [r["department_id"] for r in one["by_department"]] == [d["卫健委"]]
    y2024 = ops.collect_stats(StatsFilter(year=2024), CONFIG)
    assert y2024["submissions"] == 1 and y2024["decisions"] == 0 and y2024["on_time_rate"] is None
