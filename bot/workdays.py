"""Working days and working hours, for handoff SLAs. Pure functions over dates and a calendar.

China's public holidays and make-up working days come from ``chinesecalendar`` for the years it
knows (2004–2026 in version 1.11); for other years the calendar falls back to Monday–Friday plus
holidays and make-up days an operator lists in a file (``CHUNFENG_HOLIDAYS_FILE``), one per line:
``2027-01-01`` (a holiday) or ``2027-02-07 workday`` (a make-up working day).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from chunfeng.errors import ConfigError


@dataclass(frozen=True)
class WorkingHours:
    spans: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))

    @classmethod
    def parse(cls, text: str) -> "WorkingHours":
        """'09:00-12:00,13:30-17:30' → spans; errors name the value and the expected form."""
        spans = []
        for part in text.split(","):
            m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", part)
            if not m:
                raise ConfigError(
                    f"CHUNFENG_WORKING_HOURS 的值 {text!r} 无法识别：应为“09:00-12:00,13:30-17:30”这样的时间段，用逗号分隔。"
                )
            a, b = time(int(m[1]), int(m[2])), time(int(m[3]), int(m[4]))
            if a >= b:
                raise ConfigError(f"CHUNFENG_WORKING_HOURS 中的时间段 {part.strip()!r} 开始时间不早于结束时间，请改正。")
            spans.append((a, b))
        return cls(tuple(sorted(spans)))

    def describe(self) -> str:
        return "、".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in self.spans)


@dataclass
class Calendar:
    holidays: set[date] = field(default_factory=set)  # extra holidays (file), any year
    workdays: set[date] = field(default_factory=set)  # extra make-up working days (file)

    @classmethod
    def load(cls, path: Path | None) -> "Calendar":
        cal = cls()
        if path is None:
            return cal
        if not path.is_file():
            raise ConfigError(f"节假日文件 {path}（CHUNFENG_HOLIDAYS_FILE）不存在。请检查路径，或删除该设置。")
        for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:\s+(workday|holiday|补班|假日))?", line)
            if not m:
                raise ConfigError(f"节假日文件 {path} 第 {n} 行“{line}”格式不对：应为“2027-01-01”或“2027-02-07 workday”。")
            d = date(int(m[1]), int(m[2]), int(m[3]))
            (cal.workdays if m[4] in ("workday", "补班") else cal.holidays).add(d)
        return cal

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        try:
            import chinese_calendar

            return bool(chinese_calendar.is_workday(d))
        except (NotImplementedError, ImportError):
            return d.weekday() < 5  # the package does not know this year: Monday–Friday


def next_working_time(at: datetime, hours: WorkingHours, cal: Calendar) -> datetime:
    """`at` itself when it falls in working hours, else the start of the next working span."""
    day = at.date()
    for _ in range(400):
        if cal.is_working_day(day):
            for start, end in hours.spans:
                s = datetime.combine(day, start, at.tzinfo)
                e = datetime.combine(day, end, at.tzinfo)
                if at < e:
                    return max(at, s)
        day += timedelta(days=1)
        at = datetime.combine(day, time(0, 0), at.tzinfo)
    raise ConfigError("在接下来的 400 天里找不到工作日，请检查节假日文件。")


def in_working_hours(at: datetime, hours: WorkingHours, cal: Calendar) -> bool:
    return next_working_time(at, hours, cal) == at


def add_working_days(at: datetime, days: int, hours: WorkingHours, cal: Calendar) -> datetime:
    """The deadline `days` working days after `at`, counted from the next working time:
    the same clock time on the n-th following working day (clamped to that day's hours)."""
    start = next_working_time(at, hours, cal)
    day = start.date()
    left = days
    while left > 0:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            left -= 1
    last_end = hours.spans[-1][1]
    clock = min(start.time(), last_end)
    return datetime.combine(day, clock, start.tzinfo)


def describe(at: datetime) -> str:
    """'11月26日（周四）10:30' for a user-facing message."""
    weekday = "一二三四五六日"[at.weekday()]
    return f"{at.month}月{at.day}日（周{weekday}）{at:%H:%M}"
