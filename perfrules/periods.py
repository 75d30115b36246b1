"""Calendar periods (month, quarter, half-year, year): keys like 2022-03, 2022-Q3, 2022-H1, 2022."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Iterator, Optional
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from .model import PeriodKind

_KEY = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])|H([12])))?$")


@dataclass(frozen=True, order=True)
class Period:
    """One calendar period: its first month and its kind (start, end and key computed once, on creation)."""

    year: int
    month: int  # first month of the period
    kind: PeriodKind
    start: date = field(init=False, compare=False, repr=False)
    end: date = field(init=False, compare=False, repr=False)
    key: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        last = self.month + self.kind.value - 1
        if self.kind is PeriodKind.YEAR:
            key = f"{self.year}"
        elif self.kind is PeriodKind.HALF:
            key = f"{self.year}-H{(self.month - 1) // 6 + 1}"
        elif self.kind is PeriodKind.QUARTER:
            key = f"{self.year}-Q{(self.month - 1) // 3 + 1}"
        else:
            key = f"{self.year}-{self.month:02d}"
        object.__setattr__(self, "start", date(self.year, self.month, 1))
        object.__setattr__(self, "end", date(self.year, last, calendar.monthrange(self.year, last)[1]))
        object.__setattr__(self, "key", key)

    def __str__(self) -> str:
        return self.key

    def contains(self, other: "Period") -> bool:
        return self.start <= other.start and other.end <= self.end

    def subperiods(self, kind: PeriodKind) -> tuple["Period", ...]:
        return _subperiods(self, kind)


@cache
def _subperiods(period: Period, kind: PeriodKind) -> tuple[Period, ...]:
    return tuple(Period(period.year, mo, kind) for mo in range(period.month, period.month + period.kind.value, kind.value))


def parse_period(text: str) -> Optional[Period]:
    """``2022`` / ``2022-H1`` / ``2022-Q3`` / ``2022-03``; None if malformed."""
    match = _KEY.match(text.strip())
    if not match:
        return None
    year, month, quarter, half = match.groups()
    y = int(year)
    if month:
        mo = int(month)
        return Period(y, mo, PeriodKind.MONTH) if 1 <= mo <= 12 else None
    if quarter:
        return Period(y, (int(quarter) - 1) * 3 + 1, PeriodKind.QUARTER)
    if half:
        return Period(y, (int(half) - 1) * 6 + 1, PeriodKind.HALF)
    return Period(y, 1, PeriodKind.YEAR)


@cache
def period_of(day: date, kind: PeriodKind) -> Period:
    """The period of ``kind`` containing ``day``."""
    first = (day.month - 1) // kind.value * kind.value + 1
    return Period(day.year, first, kind)


def periods_between(start: date, end: date, kind: PeriodKind) -> Iterator[Period]:
    """Every period of ``kind`` that overlaps [start, end]."""
    p = period_of(start, kind)
    while p.start <= end:
        yield p
        nxt = p.start + relativedelta(months=kind.value)
        p = Period(nxt.year, nxt.month, kind)


def local_date(value: date | datetime, tz: str) -> date:
    """The calendar date of an event in the rulebook's time zone (naive datetimes are taken as local)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(ZoneInfo(tz))
        return value.date()
    return value
