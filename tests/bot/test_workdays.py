from datetime import date, datetime, timedelta, timezone

import pytest

from bot.sla import SlaPolicy
from bot.workdays import Calendar, WorkingHours, add_working_days, in_working_hours, next_working_time
from chunfeng.errors import ConfigError

CN = timezone(timedelta(hours=8))
HOURS = WorkingHours.parse("09:00-12:00,13:30-17:30")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=CN)


def test_official_holidays_and_make_up_days_from_chinesecalendar():
    cal = Calendar()
    assert not cal.is_working_day(date(2026, 10, 1))  # National Day
    assert cal.is_working_day(date(2026, 11, 25))  # an ordinary Wednesday
    assert not cal.is_working_day(date(2026, 11, 28))  # Saturday


def test_years_the_package_lacks_fall_back_to_monday_friday_plus_the_file(tmp_path):
    f = tmp_path / "holidays.txt"
    f.write_text("# 2027\n2027-01-01\n2027-02-07 workday\n", encoding="utf-8")
    cal = Calendar.load(f)
    assert not cal.is_working_day(date(2027, 1, 1))  # listed holiday (a Friday)
    assert cal.is_working_day(date(2027, 2, 7))  # listed make-up Sunday
    assert cal.is_working_day(date(2027, 3, 3)) and not cal.is_working_day(date(2027, 3, 6))
    bad = tmp_path / "bad.txt"
    bad.write_text("2027/1/1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        Calendar.load(bad)
    assert "第 1 行" in exc.value.message


def test_next_working_time_and_deadlines():
    cal = Calendar()
    assert next_working_time(at(2026, 11, 25, 10, 0), HOURS, cal) == at(2026, 11, 25, 10, 0)
    assert next_working_time(at(2026, 11, 25, 12, 30), HOURS, cal) == at(2026, 11, 25, 13, 30)
    assert next_working_time(at(2026, 11, 27, 20, 0), HOURS, cal) == at(2026, 11, 30, 9, 0)  # Friday night → Monday
    assert next_working_time(at(2026, 9, 30, 18, 0), HOURS, cal) == at(2026, 10, 8, 9, 0)  # after the National Day holiday
    assert add_working_days(at(2026, 11, 25, 10, 0), 1, HOURS, cal) == at(2026, 11, 26, 10, 0)
    assert add_working_days(at(2026, 11, 27, 16, 0), 1, HOURS, cal) == at(2026, 11, 30, 16, 0)
    assert in_working_hours(at(2026, 11, 25, 9, 0), HOURS, cal) and not in_working_hours(at(2026, 11, 25, 8, 59), HOURS, cal)


def test_working_hours_parsing_errors_name_the_setting():
    with pytest.raises(ConfigError) as exc:
        WorkingHours.parse("9点到5点")
    assert "CHUNFENG_WORKING_HOURS" in exc.value.message


def test_sla_notice_in_and_out_of_hours():
    sla = SlaPolicy(HOURS, Calendar(), 1)
    inside = sla.notice(at(2026, 11, 25, 10, 0), "T1")
    assert "T1" in inside and "11月26日（周四）10:00" in inside and "非工作时间" not in inside
    outside = sla.notice(at(2026, 11, 27, 20, 0), "T2")
    assert "非工作时间" in outside and "11月30日（周一）09:00 开始处理" in outside
