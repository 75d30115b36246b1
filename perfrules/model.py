"""The compiled rule model: frozen, typed nodes, each with the source span it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from enum import Enum
from typing import Optional, Union

from .errors import Span


class PeriodKind(Enum):
    """Period kinds, finest first; the value is the number of months a period spans."""

    MONTH = 1
    QUARTER = 3
    HALF = 6
    YEAR = 12

    @property
    def zh(self) -> str:
        return {1: "月", 3: "季", 6: "半年", 12: "年"}[self.value]


ROUNDING_MODES = {
    "MODE_HALF_UP": ROUND_HALF_UP,
    "MODE_HALF_EVEN": ROUND_HALF_EVEN,
    "MODE_DOWN": ROUND_DOWN,
    "MODE_UP": ROUND_UP,
}
MODE_ZH = {ROUND_HALF_UP: "四舍五入", ROUND_HALF_EVEN: "四舍六入五成双", ROUND_DOWN: "去尾", ROUND_UP: "进一"}


@dataclass(frozen=True)
class Name:
    text: str
    span: Span


@dataclass(frozen=True)
class Citation:
    """A reference into the regulation, e.g. ``附件1 (二)11``."""

    text: str
    span: Span


# ---- expressions ----


@dataclass(frozen=True)
class Num:
    value: Decimal
    span: Span
    percent: bool = False


@dataclass(frozen=True)
class Ref:
    """A name in a formula; ``target`` is filled by the compiler: component, section, metric, assessment or base."""

    name: str
    span: Span
    target: Optional[str] = None


@dataclass(frozen=True)
class Neg:
    operand: "Expr"
    span: Span


@dataclass(frozen=True)
class BinOp:
    op: str  # one of + - * /
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True)
class Aggregate:
    """avg/sum of an assessment's scores or a metric's values over the sub-periods of the period."""

    fn: str  # "avg" or "sum"
    name: str
    span: Span
    target: Optional[str] = None  # "assessment" or "metric"


@dataclass(frozen=True)
class BallotValue:
    group: str
    span: Span


@dataclass(frozen=True)
class RankDecay:
    """Rank the population on ``value``; first place gets ``full``, each place below loses ``step``."""

    value: "Expr"
    full: Decimal
    step: Decimal
    ties: str  # "competition" or "dense"
    lower_first: bool
    span: Span


@dataclass(frozen=True)
class Piece:
    """One row of a threshold table: ``op bound`` (None for 其余) gives ``value``."""

    op: Optional[str]
    bound: Optional["Expr"]
    value: "Expr"
    span: Span


@dataclass(frozen=True)
class Piecewise:
    value: "Expr"
    pieces: tuple[Piece, ...]
    span: Span


@dataclass(frozen=True)
class CountOf:
    """The number of upheld occurrences of an item for the subject within the period."""

    item: str
    span: Span


@dataclass(frozen=True)
class CountIf:
    """In a summary: the number of assessed subjects for which the condition holds."""

    condition: "Condition"
    span: Span


@dataclass(frozen=True)
class LastStreak:
    """The longest run of consecutive sub-periods in which the subject ranked last in an assessment."""

    assessment: str
    span: Span


@dataclass(frozen=True)
class ChildAggregate:
    """avg/sum of the scores of the subject's subordinates (subjects whose parent it is) in an assessment."""

    fn: str  # "avg" or "sum"
    assessment: str
    span: Span


@dataclass(frozen=True)
class ScoreRef:
    span: Span


@dataclass(frozen=True)
class FirstRef:
    span: Span


Expr = Union[Num, Ref, Neg, BinOp, Aggregate, BallotValue, RankDecay, Piecewise, CountOf, CountIf, LastStreak, ChildAggregate, ScoreRef, FirstRef]


# ---- declarations ----


@dataclass(frozen=True)
class Assumption:
    id: str
    text: str
    citation: Optional[Citation]
    span: Span


@dataclass(frozen=True)
class Category:
    name: str
    label: Optional[str]
    span: Span


@dataclass(frozen=True)
class Subject:
    id: str
    name: str
    category: str
    parent: Optional[str] = None
    active_from: Optional[date] = None
    active_to: Optional[date] = None
    span: Optional[Span] = None  # None when supplied with the data

    def active_during(self, start: date, end: date) -> bool:
        return (self.active_from is None or self.active_from <= end) and (self.active_to is None or self.active_to >= start)


@dataclass(frozen=True)
class Metric:
    name: str
    low: Optional[Decimal]
    high: Optional[Decimal]
    period: PeriodKind
    categories: tuple[str, ...]
    citation: Optional[Citation]
    label: Optional[str]
    assumptions: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class Fact:
    name: str
    period: PeriodKind
    citation: Optional[Citation]
    label: Optional[str]
    assumptions: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class GradeScheme:
    name: str
    grades: tuple[tuple[str, Decimal], ...]
    span: Span

    def weight(self, grade: str) -> Optional[Decimal]:
        return dict(self.grades).get(grade)


@dataclass(frozen=True)
class BallotGroup:
    name: str
    scheme: GradeScheme
    top_grade: Optional[str]
    top_limit: Optional[Decimal]  # share of the rated subjects, e.g. 0.30
    period: PeriodKind
    categories: tuple[str, ...]
    citation: Optional[Citation]
    label: Optional[str]
    assumptions: tuple[str, ...]
    span: Span


# ---- assessments ----


@dataclass(frozen=True)
class Amount:
    """Points per unit (``per_unit`` set) or once per period; a range makes it discretionary."""

    sign: int  # -1 deduction, +1 bonus
    low: Decimal
    high: Optional[Decimal]
    per_unit: Optional[str]  # 次/件/起/项, None for a one-off
    span: Span
    # what the text said, for the compiler's checks only (not part of the meaning)
    marked: bool = field(default=False, compare=False)
    bad_range: bool = field(default=False, compare=False)
    unit_twice: bool = field(default=False, compare=False)

    @property
    def discretionary(self) -> bool:
        return self.high is not None


@dataclass(frozen=True)
class Tier:
    name: str
    amount: Amount
    span: Span


@dataclass(frozen=True)
class Escalation:
    """From the ``start``-th occurrence on, each occurrence counts at ``amount`` (per period, or over the year)."""

    start: int
    amount: "Amount"
    over_year: bool
    span: Span


@dataclass(frozen=True)
class Lateness:
    """The item counts only occurrences at least this late: ``op`` against ``amount`` ``unit``s after ``due``."""

    op: str
    amount: Decimal
    unit: str  # minute, hour, day, week, workday
    span: Span

    UNIT_ZH = {"minute": "分钟", "hour": "小时", "day": "天", "week": "周", "workday": "个工作日"}

    @property
    def text(self) -> str:
        return f"超时时长 {({'>=': '≥', '<=': '≤'}).get(self.op, self.op)} {self.amount} {self.UNIT_ZH[self.unit]}"


@dataclass(frozen=True)
class Joint:
    """An upheld occurrence also counts against the subject's parent, under ``item``, at ``share``."""

    item: str
    share: Decimal
    span: Span


@dataclass(frozen=True)
class Item:
    name: str
    assessment: str
    section: str
    amount: Amount
    tiers: tuple[Tier, ...]
    disqualify: bool
    veto: bool
    cap: Optional[Decimal]
    citation: Optional[Citation]
    label: Optional[str]
    assumptions: tuple[str, ...]
    span: Span
    escalation: Optional[Escalation] = None
    joint: Optional[Joint] = None
    lateness: Optional[Lateness] = None

    def amount_for(self, tier: Optional[str]) -> Optional[Amount]:
        if tier is None:
            return self.amount
        for t in self.tiers:
            if t.name == tier:
                return t.amount
        return None


@dataclass(frozen=True)
class Section:
    name: str
    max: Optional[Decimal]
    floor: Optional[Decimal]  # None: no floor
    bonus_cap: Optional[Decimal]
    deduction_cap: Optional[Decimal]
    items: tuple[Item, ...]
    citation: Optional[Citation]
    label: Optional[str]
    assumptions: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class Component:
    name: str
    max: Optional[Decimal]
    floor: Optional[Decimal]
    expr: Expr
    formula: str  # the formula as written, for explanations
    citation: Optional[Citation]
    label: Optional[str]
    assumptions: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class Rounding:
    digits: int
    mode: str  # a decimal rounding constant
    citation: Optional[Citation]
    span: Span


@dataclass(frozen=True)
class Summary:
    """A hall-wide figure: metric names and 次数(项目) stand for their sums over the assessed subjects."""

    name: str
    expr: Expr
    formula: str
    citation: Optional[Citation]
    label: Optional[str]
    span: Span


@dataclass(frozen=True)
class Assessment:
    name: str
    label: Optional[str]
    period: PeriodKind
    categories: tuple[str, ...]
    sections: tuple[Section, ...]
    components: tuple[Component, ...]  # in dependency order
    total: Optional[Expr]
    total_formula: Optional[str]
    total_citation: Optional[Citation]
    base: Optional[Decimal]
    base_citation: Optional[Citation]
    total_cap: Optional[Decimal]
    total_floor: Optional[Decimal]
    rounding: Optional[Rounding]
    citation: Optional[Citation]
    assumptions: tuple[str, ...]
    span: Span
    notice_top: int = 3
    notice_bottom: int = 3
    summaries: tuple[Summary, ...] = ()


# ---- banding ----


@dataclass(frozen=True)
class Band:
    name: str
    quota: Optional[Decimal]  # share, e.g. 0.40
    count: Optional[int]  # or a number of places, e.g. 5 (前 5 名)
    condition: Optional["Condition"]  # only subjects meeting it, e.g. 得分 ≥ 100
    rest: bool
    only: tuple[str, ...]  # eligible categories; empty = all
    award: bool
    citation: Optional[Citation]
    label: Optional[str]
    assumptions: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class Condition:
    op: str  # >= <= > < ==
    left: Expr
    right: Expr
    text: str
    span: Span


@dataclass(frozen=True)
class Move:
    kind: str  # "promote" or "demote"
    from_band: str
    to_band: str
    condition: Condition
    citation: Optional[Citation]
    label: Optional[str]
    assumptions: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class QuotaAdjust:
    fact: str
    band: str
    delta: Decimal  # share added (negative: removed)
    citation: Optional[Citation]
    label: Optional[str]
    assumptions: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class Banding:
    name: str
    assessment: str
    bands: tuple[Band, ...]
    moves: tuple[Move, ...]
    adjusts: tuple[QuotaAdjust, ...]
    quota_rounding: str
    tiebreak: tuple[str, ...]
    citation: Optional[Citation]
    label: Optional[str]
    span: Span


@dataclass(frozen=True)
class Rulebook:
    """A compiled rulebook: everything the evaluator needs, nothing of the parse tree."""

    title: str
    source: Optional[str]
    jurisdiction: Optional[str]
    effective_from: date
    effective_to: date
    timezone: str
    rounding_mode: str
    assumptions: tuple[Assumption, ...]
    categories: tuple[Category, ...]
    subjects: tuple[Subject, ...]
    metrics: tuple[Metric, ...]
    facts: tuple[Fact, ...]
    grade_schemes: tuple[GradeScheme, ...]
    ballots: tuple[BallotGroup, ...]
    assessments: tuple[Assessment, ...]
    bandings: tuple[Banding, ...]
    path: str = field(default="<string>", compare=False)
    sha256: str = field(default="", compare=False)

    def assessment(self, name: str) -> Assessment:
        for a in self.assessments:
            if a.name == name:
                return a
        raise KeyError(name)

    def items(self) -> list[Item]:
        return [it for a in self.assessments for s in a.sections for it in s.items]
