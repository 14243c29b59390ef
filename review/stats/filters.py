"""The statistics' filters (year, department) and the time window they stand for."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from ..accounts.models import Department
from ..extensions import db

MIN_YEAR, MAX_YEAR = 2000, 2100


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class FilterError(ValueError):
    """A filter value the user can correct; ``code`` is a key of review/messages.py ERRORS."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(code)


@dataclass(frozen=True)
class StatsFilter:
    year: int | None = None
    department_id: int | None = None
    tz: str = "Asia/Shanghai"

    def bounds(self) -> tuple[datetime, datetime] | None:
        """The year as UTC instants [start, end): years begin at local midnight."""
        if self.year is None:
            return None
        zone = ZoneInfo(self.tz)
        start = datetime(self.year, 1, 1, tzinfo=zone).astimezone(timezone.utc)
        end = datetime(self.year + 1, 1, 1, tzinfo=zone).astimezone(timezone.utc)
        return start, end

    def in_window(self, column):
        """A SQL condition: ``column`` falls in the year (true when no year is set)."""
        b = self.bounds()
        if b is None:
            return db.true()
        return (column >= b[0]) & (column < b[1])

    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:  # SQLite gives naive UTC back
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(_zone(self.tz))

    def local_date(self, moment: datetime):
        return self.local(moment).date()

    def as_dict(self) -> dict:
        return {"year": self.year, "department_id": self.department_id}


def parse_filters(args, tz: str) -> StatsFilter:
    """``?year=&department=`` (a department id or its name). Raises FilterError."""
    raw_year = (args.get("year") or "").strip()
    year = None
    if raw_year:
        if not raw_year.isdigit() or not MIN_YEAR <= int(raw_year) <= MAX_YEAR:
            raise FilterError("stats_bad_year", value=raw_year[:20], low=MIN_YEAR, high=MAX_YEAR)
        year = int(raw_year)
    raw_dept = (args.get("department") or "").strip()
    department_id = None
    if raw_dept:
        if raw_dept.isdigit():
            department_id = db.session.scalar(db.select(Department.id).where(Department.id == int(raw_dept)))
        else:
            department_id = db.session.scalar(db.select(Department.id).where(
                (Department.name == raw_dept) | (Department.full_name == raw_dept)))
        if department_id is None:
            raise FilterError("stats_unknown_department", value=raw_dept[:100])
    return StatsFilter(year=year, department_id=department_id, tz=tz)
