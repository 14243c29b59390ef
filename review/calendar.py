"""Working days: deadlines are counted in working days with a configurable holiday list."""
from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo


def parse_dates(raw: str | list | None) -> set[date]:
    if not raw:
        return set()
    items = raw.split(",") if isinstance(raw, str) else raw
    return {date.fromisoformat(str(x).strip()) for x in items if str(x).strip()}


def is_working_day(day: date, holidays: set[date], extra_workdays: set[date]) -> bool:
    if day in extra_workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: set[date] = frozenset(),
                     extra_workdays: set[date] = frozenset()) -> date:
    """The date ``days`` working days after ``start`` (start itself is not counted)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, holidays, extra_workdays):
            left -= 1
    return day


def working_days_between(start: date, end: date, holidays: set[date] = frozenset(),
                         extra_workdays: set[date] = frozenset()) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when end is earlier)."""
    if end < start:
        return -working_days_between(end, start, holidays, extra_workdays)
    return sum(1 for n in range(1, (end - start).days + 1)
               if is_working_day(start + timedelta(days=n), holidays, extra_workdays))


def app_calendar(config) -> tuple[set[date], set[date]]:
    return parse_dates(config.get("HOLIDAYS")), parse_dates(config.get("EXTRA_WORKDAYS"))


def local_now() -> datetime:
    """Now in the committee's time zone (REVIEW_TIMEZONE): dates on sheets and deadlines are local."""
    from flask import current_app, has_app_context

    tz = current_app.config.get("TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    return datetime.now(ZoneInfo(tz))


def local_today() -> date:
    return local_now().date()


def to_local(moment: datetime | None) -> datetime | None:
    """A stored instant in the committee's time zone; naive values (SQLite drops the offset) are UTC."""
    from flask import current_app, has_app_context

    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    tz = current_app.config.get("TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    return moment.astimezone(ZoneInfo(tz))


def format_local(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Template filter ``localtime``: an instant shown in local time, '' when unset."""
    local = to_local(moment)
    return local.strftime(fmt) if local else ""


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter: 31 Jan + 1 = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))
