"""Service level for handoffs: when a person will reply, in working days and working hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from bot.workdays import Calendar, WorkingHours, add_working_days, describe, in_working_hours, next_working_time

CHINA = timezone(timedelta(hours=8))


@dataclass
class SlaPolicy:
    hours: WorkingHours = field(default_factory=WorkingHours)
    calendar: Calendar = field(default_factory=Calendar)
    days: int = 1
    tz: timezone = CHINA

    def due(self, now: datetime) -> datetime:
        return add_working_days(now.astimezone(self.tz), self.days, self.hours, self.calendar)

    def notice(self, now: datetime, ticket_id: str) -> str:
        """What the user is told when a person takes over."""
        local = now.astimezone(self.tz)
        due = describe(self.due(now))
        hours = f"工作时间：工作日 {self.hours.describe()}，法定节假日除外"
        if in_working_hours(local, self.hours, self.calendar):
            return f"已为您转接人工客服（工单号 {ticket_id}）。工作人员会尽快回复，最迟在 {due} 前答复（{hours}）。"
        start = describe(next_working_time(local, self.hours, self.calendar))
        return (f"已为您转接人工客服（工单号 {ticket_id}）。现在是非工作时间，工作人员将于 {start} 开始处理，"
                f"最迟在 {due} 前答复（{hours}）。")
