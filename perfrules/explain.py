"""Explanation and result models (pydantic, JSON with decimals as strings), built from evaluator nodes."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Optional

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_serializer

from .evaluator import Node
from .numbers import fmt
from .ledger import Ledger

_CONFIG = ConfigDict(frozen=True)

# What perfrules writes for every decimal: a string of digits, exact (the schema says so, whatever
# the pydantic version).
Dec = Annotated[Decimal, WithJsonSchema({"type": "string", "pattern": r"^[+-]?\d+(\.\d+)?$"})]


def _dec(v: Optional[Dec]) -> Optional[str]:
    return None if v is None else fmt(v)


class EventLine(BaseModel):
    """An occurrence behind an item line."""

    model_config = _CONFIG
    id: str
    date: str
    count: int
    tier: Optional[str] = None
    amount: Optional[Dec] = None
    status: str
    staff: Optional[str] = None
    evidence: Optional[str] = None
    source: Optional[str] = Field(None, description="file:line the event was read from")
    via: Optional[str] = Field(None, description="for a joint posting (连带): whose occurrence of which item, at what share")
    note: Optional[str] = Field(None, description="e.g. how late it was and whether that meets the item's condition")

    @field_serializer("amount")
    def _amount(self, v):
        return _dec(v)


class Line(BaseModel):
    """One line of an explanation: what, how much, from which clause. ``lines`` sum exactly to ``amount``."""

    model_config = _CONFIG
    kind: str = Field(description="total, section, max, item, occurrences, cap, floor, component, formula, aggregate, metric, ballot, rank_decay, count, streak, rounding, veto, base, band")
    name: str
    amount: Optional[Dec] = None
    citation: Optional[str] = None
    label: Optional[str] = None
    assumptions: list[str] = []
    detail: dict[str, Any] = {}
    events: list[EventLine] = []
    lines: list["Line"] = []
    inputs: list["Line"] = []

    @field_serializer("amount")
    def _amount(self, v):
        return _dec(v)


def to_line(node: Node, ledger: Optional[Ledger], events: bool = True, _seen: Optional[dict] = None) -> Line:
    """Convert an evaluator node (and everything under it) into a Line; fetch item events from the ledger."""
    seen = {} if _seen is None else _seen
    hit = seen.get(id(node))
    if hit is not None:
        return hit
    evs: list[EventLine] = []
    if events and ledger is not None and node.event_key is not None:
        subject, item, period = node.event_key[:3]
        direct_only = node.event_key[3:] == ("direct",)  # 次数 counts the subject's own occurrences only
        for e in sorted(ledger.events_of(subject, item, period), key=lambda e: (e.date, e.id)):
            if direct_only and e.via is not None:
                continue
            evs.append(EventLine(
                id=e.id, date=e.date.isoformat(), count=e.count, tier=e.tier, amount=e.amount, status=e.status,
                staff=e.staff, evidence=e.evidence, source=str(e.origin) if e.origin else None, via=e.via, note=e.note,
            ))
    line = Line(
        kind=node.kind, name=node.name, amount=node.amount, citation=node.citation, label=node.label,
        assumptions=list(node.assumptions), detail=node.detail, events=evs,
        lines=[to_line(n, ledger, events, seen) for n in node.lines],
        inputs=[to_line(n, ledger, events, seen) for n in node.inputs],
    )
    seen[id(node)] = line
    return line


class SubjectResult(BaseModel):
    model_config = _CONFIG
    subject: str
    name: str
    category: str
    score: Dec = Field(description="the published score (rounded where the rulebook says)")
    exact_score: Dec
    rank: int
    band: Optional[str] = None
    disqualified: list[str] = []
    explanation: Optional[Line] = None
    band_explanation: Optional[Line] = None

    @field_serializer("score", "exact_score")
    def _score(self, v):
        return format(v, "f")  # keeps the published digits: 89.480, as a notice prints it


class Statistics(BaseModel):
    """Figures a notice prints: highest, lowest, average, spread."""

    model_config = _CONFIG
    count: int
    highest: Optional[Dec] = None
    highest_subjects: list[str] = []
    lowest: Optional[Dec] = None
    lowest_subjects: list[str] = []
    mean: Optional[Dec] = None
    spread: Optional[Dec] = None
    above_base: Optional[int] = Field(None, description="subjects scoring above the base score (基础分), when there is one")
    base: Optional[Dec] = None
    top_n: int = 3
    bottom_n: int = 3
    top: list[dict[str, str]] = Field([], description="the first N as a notice prints them (通报 前 N), ties at the cut included")
    bottom: list[dict[str, str]] = Field([], description="the last N (通报 后 N)")
    summaries: list[dict[str, Any]] = Field([], description="hall-wide figures (汇总), e.g. an overall rate")

    @field_serializer("highest", "lowest", "mean", "spread", "base")
    def _d(self, v):
        return None if v is None else format(v, "f")


class BandingResult(BaseModel):
    model_config = _CONFIG
    banding: str
    citation: Optional[str] = None
    first_place: Optional[dict[str, str]] = None
    quotas: list[dict[str, Any]] = []
    adjustments: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    ties: list[dict[str, Any]] = Field([], description="ties still straddling a quota boundary after the tie-break keys")
    bands: dict[str, list[str]] = {}


class AssessmentResult(BaseModel):
    model_config = _CONFIG
    assessment: str
    label: Optional[str] = None
    period: str
    citation: Optional[str] = None
    statistics: Statistics
    bandings: list[BandingResult] = []
    subjects: list[SubjectResult] = []


class RejectionLine(BaseModel):
    model_config = _CONFIG
    id: Optional[str] = None
    source: Optional[str] = None
    line: Optional[int] = None
    reason: str
    message: str


class AccountingLine(BaseModel):
    """received = counted + rejected, always."""

    model_config = _CONFIG
    received: int
    counted: int
    rejected: int
    overturned: int = Field(description="counted, kept on record, never deducted")
    by_kind: dict[str, int] = {}
    by_reason: dict[str, int] = {}


class WarningLine(BaseModel):
    model_config = _CONFIG
    assessment: Optional[str] = Field(None, description="None for a warning about the data itself")
    period: Optional[str] = None
    subject: Optional[str] = None
    message: str


class RulebookRef(BaseModel):
    model_config = _CONFIG
    title: str
    path: str
    sha256: str
    jurisdiction: Optional[str] = None


class Result(BaseModel):
    """Everything a scoring run produced, and what produced it."""

    model_config = _CONFIG
    engine: str
    rulebook: RulebookRef
    inputs_sha256: str
    period: Optional[str] = None
    accounting: AccountingLine
    rejections: list[RejectionLine] = []
    warnings: list[WarningLine] = []
    assessments: list[AssessmentResult] = []


class Explanation(BaseModel):
    """Why one subject has its score and band in one assessment and period."""

    model_config = _CONFIG
    engine: str
    rulebook: RulebookRef
    inputs_sha256: str
    assessment: str
    assessment_label: Optional[str] = None
    period: str
    subject: SubjectResult
    warnings: list[WarningLine] = []
