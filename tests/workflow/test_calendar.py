from datetime import date

from review.calendar import add_working_days, parse_dates, working_days_between


def test_weekends_are_skipped():
    friday = date(2026, 11, 20)
    assert add_working_days(friday, 1) == date(2026, 11, 23)
    assert add_working_days(friday, 5) == date(2026, 11, 27)


def test_holidays_and_makeup_workdays():
    holidays = parse_dates("2026-10-01,2026-10-02,2026-10-05")
    extra = parse_dates(["2026-10-10"])  # a Saturday worked in exchange (调休)
    start = date(2026, 9, 30)  # Wednesday
    # 10-01, 10-02 holidays; 10-03/04 weekend; 10-05 holiday; 10-06 is the first working day
    assert add_working_days(start, 1, holidays, extra) == date(2026, 10, 6)
    assert add_working_days(date(2026, 10, 9), 1, holidays, extra) == date(2026, 10, 10)


def test_working_days_between_is_signed():
    monday, friday = date(2026, 11, 23), date(2026, 11, 27)
    assert working_days_between(monday, friday) == 4
    assert working_days_between(friday, monday) == -4
    assert working_days_between(monday, monday) == 0
