"""Working days between many pairs of dates, fast: the same count as calendar.working_days_between
(weekdays, minus holidays, plus weekend working days) without walking day by day."""
from __future__ import annotations

import math
from bisect import bisect_right
from datetime import date

from ..calendar import working_days_between


class WorkdayCounter:
    def __init__(self, holidays=frozenset(), extra_workdays=frozenset()):
        self.holidays = sorted(d.toordinal() for d in holidays if d.weekday() < 5 and d not in extra_workdays)
        self.extra = sorted(d.toordinal() for d in extra_workdays if d.weekday() >= 5)

    @staticmethod
    def _weekdays(n: int) -> int:
        """Weekdays among ordinals 1..n (ordinal 1, 1 January of year 1, is a Monday)."""
        weeks, rest = divmod(n, 7)
        return weeks * 5 + min(rest, 5)

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when end is earlier)."""
        a, b = start.toordinal(), end.toordinal()
        if b < a:
            return -self.between(end, start)
        count = self._weekdays(b) - self._weekdays(a)
        count -= bisect_right(self.holidays, b) - bisect_right(self.holidays, a)
        count += bisect_right(self.extra, b) - bisect_right(self.extra, a)
        return count

    check = staticmethod(working_days_between)  # the reference the tests compare against


def median(values: list[float]) -> float | None:
    if not values:
        return None
    v = sorted(values)
    mid = len(v) // 2
    return float(v[mid]) if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or below it."""
    if not values:
        return None
    v = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(v)))
    return float(v[rank - 1])


def summary(values: list[float]) -> dict:
    return {"count": len(values), "median": median(values), "p90": percentile(values, 90)}
