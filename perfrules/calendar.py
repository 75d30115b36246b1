"""Working days: China's public holidays and adjusted working days, with a hall's own overrides.

The national calendar comes from the ``chinesecalendar`` package; a hall can add its own days
(a local holiday, an extra working Saturday) and fully specify a year the package does not
cover yet. A working-day question about a year nobody covers is an error, never a guess.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Optional

import chinese_calendar

from .errors import DataError


@dataclass
class Calendar:
    """``overrides`` win over the national calendar; ``years`` are years the overrides fully specify
    (weekdays work, weekends rest, except the listed days)."""

    overrides: dict[date, bool] = field(default_factory=dict)
    years: frozenset[int] = frozenset()
    source: Optional[str] = None

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in self.years:
            return day.weekday() < 5
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            raise DataError(
                f"节假日日历不覆盖 {day.year} 年（chinesecalendar {chinese_calendar.__version__}）；"
                f"请升级该包，或用 --calendar 文件写明 {day.year} 年的调休与假日并列入 years / "
                f"the holiday calendar does not cover {day.year}: upgrade chinesecalendar or give a calendar file that covers it"
            ) from None

    def workdays_after(self, start: date, end: date) -> int:
        """Working days d with start < d <= end (negative when end is before start)."""
        if end < start:
            return -self.workdays_after(end, start)
        n, d = 0, start + timedelta(days=1)
        while d <= end:
            n += self.is_workday(d)
            d += timedelta(days=1)
        return n

    @classmethod
    def load(cls, path: str | Path) -> "Calendar":
        """A JSON file: {"workdays": [dates], "holidays": [dates], "years": [years fully specified]}."""
        p = Path(path)
        try:
            raw = json.loads(p.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise DataError(f"{p}: 无法读取日历文件 / cannot read the calendar file: {err}") from None
        unknown = set(raw) - {"workdays", "holidays", "years", "note"} if isinstance(raw, dict) else {"?"}
        if unknown:
            raise DataError(f"{p}: 日历文件只能有 workdays、holidays、years、note / unexpected keys: {', '.join(sorted(unknown))}")
        overrides: dict[date, bool] = {}
        try:
            for key, workday in (("holidays", False), ("workdays", True)):
                for text in raw.get(key, []):
                    day = date.fromisoformat(text)
                    if overrides.get(day, workday) != workday:
                        raise DataError(f"{p}: {text} 同时列为工作日和休息日 / listed as both a workday and a holiday")
                    overrides[day] = workday
            years = frozenset(int(y) for y in raw.get("years", []))
        except (TypeError, ValueError) as err:
            raise DataError(f"{p}: 日历文件中的日期或年份有误 / a bad date or year: {err}") from None
        return cls(overrides, years, str(p))


NATIONAL = Calendar()
