"""Check incoming events against a rulebook and aggregate the accepted ones.

Every record becomes either a counted event or a rejection with a reason. Occurrences are
aggregated per (subject, period, item, tier) so that scoring depends only on counts and
amounts; the events themselves are kept per subject for explanations.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo
from decimal import Decimal
from typing import Iterable, NamedTuple, Optional, Union

from . import model as m
from .errors import did_you_mean, message
from .events import Ballot, Event, Fact, Malformed, Measure, Occurrence, Origin
from .calendar import NATIONAL, Calendar
from .numbers import fmt, shorten
from .parser import fold
from .periods import Period, local_date, parse_period, period_of

REASONS: dict[str, tuple[str, str]] = {
    "malformed": ("格式错误", "malformed record"),
    "duplicate_id": ("重复的事件编号", "duplicate id"),
    "unknown_subject": ("未知对象", "unknown subject"),
    "unknown_item": ("未知项目", "unknown item"),
    "ambiguous_item": ("条款对应多个项目", "clause matches several items"),
    "not_assessed": ("该对象不在此项目所属考核的范围内", "subject not covered by the item's assessment"),
    "outside_effective": ("不在规则集生效期内", "outside the rulebook's effective dates"),
    "outside_period": ("不在本次计算的周期内", "outside the period being scored"),
    "subject_inactive": ("该对象在该日期或周期不在考核范围内（未在考）", "subject not active on that date or in that period"),
    "unknown_tier": ("该项目没有这个分档", "the item has no such tier"),
    "amount_required": ("酌情扣分项目必须填写金额", "a discretionary item needs an amount"),
    "amount_out_of_range": ("金额超出允许范围", "amount outside the allowed range"),
    "amount_mismatch": ("金额与规则不符", "amount differs from the rulebook's"),
    "unknown_metric": ("未知度量", "unknown metric"),
    "bad_period": ("周期写法错误或与定义不符", "period malformed or of the wrong kind"),
    "value_out_of_range": ("数值超出允许范围", "value outside the allowed range"),
    "duplicate_measure": ("同一对象、同一周期的度量重复", "duplicate measure for subject and period"),
    "unknown_group": ("未知评议组", "unknown ballot group"),
    "duplicate_voter": ("同一评议人在同一周期重复投票", "voter already voted in this group and period"),
    "ballot_subject": ("评议票评价了不属于该评议组的对象", "ballot rates a subject outside the group"),
    "unknown_grade": ("未知评议等级", "unknown grade"),
    "ballot_invalid": ("评议票无效：最高等级票数超过比例上限", "invalid ballot: too many top grades"),
    "unknown_fact": ("未知事实", "unknown fact"),
    "duplicate_fact": ("同一周期的事实重复", "duplicate fact for the period"),
    "fact_value": ("事实的值类型不对", "fact value of the wrong type"),
    "due_required": ("该项目按超时计，事件须写明应完成时间 due", "the item counts lateness: the event needs its due time"),
}


@dataclass(frozen=True, slots=True)
class Rejection:
    event_id: Optional[str]
    origin: Optional[Origin]
    reason: str
    detail: str = ""

    def message(self, lang: str = "zh") -> str:
        zh, en = REASONS[self.reason]
        head = en if lang == "en" else zh
        return f"{head}：{self.detail}" if self.detail and lang != "en" else (f"{head}: {self.detail}" if self.detail else head)


class EventRef(NamedTuple):
    """What an explanation shows of an accepted occurrence (a tuple: a large feed holds millions)."""

    id: str
    date: date
    item: str
    tier: Optional[str]
    count: int
    amount: Optional[Decimal]  # per occurrence, for discretionary items
    status: str
    staff: Optional[str]
    evidence: Optional[str]
    origin: Optional[Origin]
    via: Optional[str] = None  # for a joint posting: whose occurrence, of which item, at what share
    note: Optional[str] = None  # e.g. how late it was, and whether that meets the item's condition


@dataclass
class BallotRecord:
    id: str
    voter: str
    ratings: dict[str, str]
    origin: Optional[Origin]
    top_count: int = 0
    limit: Optional[Decimal] = None


@dataclass
class Accounting:
    received: int = 0
    rejected: int = 0
    overturned: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def counted(self) -> int:
        return self.received - self.rejected


_EMPTY: dict = {}


def _compare(op: str, left: Decimal, right: Decimal) -> bool:
    return {">=": left >= right, "<=": left <= right, ">": left > right, "<": left < right, "==": left == right}[op]
_CLAUSE_DOC = re.compile(r"^\S+\s+")


def _clause_key(text: str) -> str:
    """Clauses match whatever their width or spacing: 附件1（一）1 == 附件1 (一)1."""
    return "".join(fold(text).split())


class Ledger:
    """Accepted events, aggregated; the in-memory backend (a bulk backend can replace it)."""

    def __init__(self, rulebook: m.Rulebook, subjects: dict[str, m.Subject], scope: Optional[Period] = None,
                 calendar: Optional[Calendar] = None):
        self.rulebook, self.subjects, self.scope = rulebook, subjects, scope
        self.calendar = calendar or NATIONAL
        self.accounting = Accounting()
        self.rejections: list[Rejection] = []
        self.seen_ids: set[str] = set()
        # (subject, period key, item, tier, share) -> [count, amount sum, overturned count]; one lookup per event.
        # share is None for the subject's own occurrences, the joint share for postings from a subordinate.
        self.counts: dict[tuple, list] = {}
        self.warnings: list[str] = []
        self._by_subject_period: Optional[dict[tuple[str, str], dict[tuple[str, Optional[str]], list]]] = None
        self.events: dict[str, list[EventRef]] = defaultdict(list)
        self.measures: dict[tuple[str, str, str], tuple[Decimal, str]] = {}
        self.ballots: dict[tuple[str, str], list[BallotRecord]] = defaultdict(list)
        self.invalid_ballots: dict[tuple[str, str], list[BallotRecord]] = defaultdict(list)
        self.voters: set[tuple[str, str, str]] = set()
        self.facts: dict[tuple[str, str], tuple[Union[bool, Decimal], str]] = {}
        self.disqualifying: dict[str, list[tuple[date, str, str]]] = defaultdict(list)
        self._items = {it.name: it for it in rulebook.items()}
        self._clauses: dict[str, list[m.Item]] = defaultdict(list)
        for it in rulebook.items():
            if it.citation:
                keys = {it.citation.text, _CLAUSE_DOC.sub("", it.citation.text)}
                for k in keys:
                    self._clauses[_clause_key(k)].append(it)
        self._assessments = {a.name: a for a in rulebook.assessments}
        # day -> period key, one table per period kind
        self._period_keys: dict[m.PeriodKind, dict[date, str]] = {kind: {} for kind in m.PeriodKind}
        self._pairs: dict[tuple[str, str], tuple] = {}
        self._handlers = {Occurrence: self._occurrence, Measure: self._measure, Ballot: self._ballot, Fact: self._fact}
        # item -> (categories it applies to, its period kind, that kind's day -> key table, tier -> amount)
        self._item_info = {
            it.name: (frozenset(self._assessments[it.assessment].categories), self._assessments[it.assessment].period,
                      self._period_keys[self._assessments[it.assessment].period],
                      {None: it.amount, **{t.name: t.amount for t in it.tiers}})
            for it in rulebook.items()
        }
        # occurrences are accepted on these days: the effective dates, narrowed to the scope
        self._first_day = max(rulebook.effective_from, scope.start) if scope else rulebook.effective_from
        self._last_day = min(rulebook.effective_to, scope.end) if scope else rulebook.effective_to
        self._metrics = {x.name: x for x in rulebook.metrics}
        self._groups = {g.name: g for g in rulebook.ballots}
        self._facts = {f.name: f for f in rulebook.facts}

    # ---- intake ----
    def add(self, record: Union[Event, Malformed], origin: Optional[Origin] = None) -> None:
        self.accounting.received += 1
        handler = self._handlers.get(type(record))
        if handler is None:
            return self._reject(record.id, record.origin, "malformed", record.message)
        self.accounting.by_kind[record.kind] += 1
        seen = len(self.seen_ids)
        self.seen_ids.add(record.id)
        if len(self.seen_ids) == seen:
            return self._reject(record.id, origin, "duplicate_id", record.id)
        handler(record, origin)

    def _reject(self, event_id: Optional[str], origin: Optional[Origin], reason: str, detail: str = "") -> None:
        self.accounting.rejected += 1
        self.rejections.append(Rejection(event_id, origin, reason, detail))

    def _unknown(self, ev, origin, reason: str, name: str, known) -> None:
        """Reject ``ev`` for naming something unknown, suggesting the nearest known names."""
        hint = did_you_mean(name, known)
        self._reject(ev.id, origin, reason, name + (("；" + message(hint[0][0], **hint[0][1])) if hint else ""))

    def _subject(self, sid: str, ev, origin) -> Optional[m.Subject]:
        subject = self.subjects.get(sid)
        if subject is None:
            self._unknown(ev, origin, "unknown_subject", sid, self.subjects)
        return subject

    def _in_scope(self, start: date, end: date, ev, origin, what: str) -> bool:
        rb = self.rulebook
        if start < rb.effective_from or end > rb.effective_to:
            self._reject(ev.id, origin, "outside_effective", f"{what}（{rb.effective_from} 至 {rb.effective_to}）")
            return False
        if self.scope is not None and not (self.scope.start <= start and end <= self.scope.end):
            self._reject(ev.id, origin, "outside_period", f"{what}（{self.scope.key}）")
            return False
        return True

    def find_item(self, ref: str) -> tuple[Optional[m.Item], str]:
        item = self._items.get(ref)
        if item is not None:
            return item, ""
        matches = self._clauses.get(_clause_key(ref), [])
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return None, "ambiguous"
        return None, "unknown"

    def _occurrence(self, ev: Occurrence, origin) -> None:
        # The hot path of a large feed: what depends only on (subject, item) is checked once per pair
        # and cached; messages are built only on rejection.
        pair = self._pairs.get((ev.subject, ev.item))
        if pair is None:
            pair = self._pair(ev, origin)
            if pair is None:
                return
        subject, item, kind, period_keys, amounts = pair
        day = ev.date if type(ev.date) is date else local_date(ev.date, self.rulebook.timezone)
        if not (self._first_day <= day <= self._last_day):
            self._in_scope(day, day, ev, origin, str(day))  # rejects with the reason and the range
            return
        if not subject.active_during(day, day):
            return self._reject(ev.id, origin, "subject_inactive", f"{subject.id} {day}")
        amount = amounts.get(ev.tier)
        if amount is None:
            return self._reject(ev.id, origin, "unknown_tier", f"{item.name}：{ev.tier}")
        discretionary = amount.high is not None
        if discretionary:
            if ev.amount is None:
                return self._reject(ev.id, origin, "amount_required", f"{item.name}（{amount.low}–{amount.high}）")
            if not amount.low <= ev.amount <= amount.high:
                return self._reject(ev.id, origin, "amount_out_of_range", f"{ev.amount}，允许 {amount.low}–{amount.high}")
        elif ev.amount is not None and ev.amount != amount.low:
            return self._reject(ev.id, origin, "amount_mismatch", f"{ev.amount}，规则为 {amount.low}")
        note = None
        met = True
        if item.lateness is not None:
            if ev.due is None:
                return self._reject(ev.id, origin, "due_required", f"{item.name}（{item.lateness.text}）")
            late = self.lateness(ev.date, ev.due, item.lateness.unit)
            met = _compare(item.lateness.op, late, item.lateness.amount)
            note = f"超时时长 {shorten(fmt(late), 2)} {m.Lateness.UNIT_ZH[item.lateness.unit]}" + ("" if met else f"，未达「{item.lateness.text}」，不扣分")
        pkey = period_keys.get(day)
        if pkey is None:
            pkey = period_keys[day] = period_of(day, kind).key
        key = (subject.id, pkey, item.name, ev.tier, None)
        slot = self.counts.get(key)
        if slot is None:
            slot = self.counts[key] = [0, Decimal(0), 0, 0]
            self._by_subject_period = None
        if not met:  # counted and kept for the explanation, never deducted
            slot[3] += ev.count
        elif ev.status == "overturned":
            self.accounting.overturned += 1
            slot[2] += ev.count
        else:
            slot[0] += ev.count
            if discretionary:
                slot[1] += ev.amount * ev.count
            if item.disqualify:
                self.disqualifying[subject.id].append((day, item.name, ev.id))
            if item.joint is not None:
                self._joint(ev, subject, item, day, origin)
        self.events[subject.id].append(
            EventRef(ev.id, day, item.name, ev.tier, ev.count, ev.amount, ev.status, ev.staff, ev.evidence, origin, None, note)
        )

    def _pair(self, ev: Occurrence, origin) -> Optional[tuple]:
        """Check a (subject, item) pair; cache it when valid, reject ``ev`` with the reason when not."""
        subject = self.subjects.get(ev.subject)
        if subject is None:
            self._subject(ev.subject, ev, origin)
            return None
        item = self._items.get(ev.item)
        if item is None:
            item, why = self.find_item(ev.item)
            if item is None:
                if why == "ambiguous":
                    names = "、".join(i.name for i in self._clauses[_clause_key(ev.item)])
                    self._reject(ev.id, origin, "ambiguous_item", f"{ev.item} → {names}")
                else:
                    self._unknown(ev, origin, "unknown_item", ev.item, self._items)
                return None
        categories, kind, period_keys, amounts = self._item_info[item.name]
        if subject.category not in categories:
            self._reject(ev.id, origin, "not_assessed", f"{subject.id}（{subject.category}）/ {item.assessment}")
            return None
        pair = self._pairs[(ev.subject, ev.item)] = (subject, item, kind, period_keys, amounts)
        return pair

    def lateness(self, when, due, unit: str) -> Decimal:
        """How late ``when`` is after ``due``, in ``unit``; dates count from midnight in the rulebook's time zone."""
        tz = ZoneInfo(self.rulebook.timezone)

        def aware(v):
            if isinstance(v, datetime):
                return v if v.tzinfo is not None else v.replace(tzinfo=tz)
            return datetime(v.year, v.month, v.day, tzinfo=tz)

        if unit in ("minute", "hour"):
            seconds = int((aware(when) - aware(due)).total_seconds())
            return Decimal(seconds) / (60 if unit == "minute" else 3600)
        end, start = local_date(when, self.rulebook.timezone), local_date(due, self.rulebook.timezone)
        if unit == "workday":
            return Decimal(self.calendar.workdays_after(start, end))
        days = Decimal((end - start).days)
        return days / 7 if unit == "week" else days

    def _joint(self, ev: Occurrence, subject: m.Subject, item: m.Item, day: date, origin) -> None:
        """Post an upheld occurrence to the subject's parent too, under the joint item, at its share."""
        joint = item.joint
        parent = self.subjects.get(subject.parent) if subject.parent else None
        categories, kind, period_keys, _ = self._item_info[joint.item]
        if parent is None or parent.category not in categories or not parent.active_during(day, day):
            self.warnings.append(f"{ev.id}：{subject.id} 的「{item.name}」应连带计入上级的「{joint.item}」，但"
                                 + ("它没有上级" if parent is None else f"上级 {parent.id} 不在该项目的考核范围或当时不在考") + "，未连带")
            return
        pkey = period_keys.get(day)
        if pkey is None:
            pkey = period_keys[day] = period_of(day, kind).key
        key = (parent.id, pkey, joint.item, None, joint.share)
        slot = self.counts.get(key)
        if slot is None:
            slot = self.counts[key] = [0, Decimal(0), 0, 0]
            self._by_subject_period = None
        slot[0] += ev.count
        via = f"{subject.name} {item.name} × {fmt(joint.share * 100)}%"
        self.events[parent.id].append(
            EventRef(ev.id, day, joint.item, None, ev.count, None, ev.status, ev.staff, ev.evidence, origin, via)
        )

    def _period(self, text: str, kind: m.PeriodKind, ev, origin) -> Optional[Period]:
        p = parse_period(text)
        if p is None or p.kind is not kind:
            self._reject(ev.id, origin, "bad_period", f"{text}（应按{kind.zh}）")
            return None
        return p if self._in_scope(p.start, p.end, ev, origin, p.key) else None

    def _measure(self, ev: Measure, origin) -> None:
        metric = self._metrics.get(ev.metric)
        if metric is None:
            return self._unknown(ev, origin, "unknown_metric", ev.metric, self._metrics)
        subject = self._subject(ev.subject, ev, origin)
        if subject is None:
            return
        if subject.category not in metric.categories:
            return self._reject(ev.id, origin, "not_assessed", f"{subject.id}（{subject.category}）/ {metric.name}")
        p = self._period(ev.period, metric.period, ev, origin)
        if p is None:
            return
        if not subject.active_during(p.start, p.end):
            return self._reject(ev.id, origin, "subject_inactive", f"{subject.id} {p.key}")
        if (metric.low is not None and ev.value < metric.low) or (metric.high is not None and ev.value > metric.high):
            return self._reject(ev.id, origin, "value_out_of_range", f"{ev.value}，允许 {metric.low}–{metric.high}")
        key = (metric.name, subject.id, p.key)
        if key in self.measures:
            return self._reject(ev.id, origin, "duplicate_measure", f"{metric.name} {subject.id} {p.key}（已有 {self.measures[key][1]}）")
        self.measures[key] = (ev.value, ev.id)

    def _ballot(self, ev: Ballot, origin) -> None:
        group = self._groups.get(ev.group)
        if group is None:
            return self._unknown(ev, origin, "unknown_group", ev.group, self._groups)
        p = self._period(ev.period, group.period, ev, origin)
        if p is None:
            return
        for sid, grade in sorted(ev.ratings.items()):
            subject = self.subjects.get(sid)
            if subject is None or subject.category not in group.categories:
                return self._reject(ev.id, origin, "ballot_subject", sid)
            if group.scheme.weight(grade) is None:
                return self._reject(ev.id, origin, "unknown_grade", f"{sid}：{grade}")
        voter_key = (group.name, p.key, ev.voter)
        if voter_key in self.voters:
            return self._reject(ev.id, origin, "duplicate_voter", ev.voter)
        self.voters.add(voter_key)
        record = BallotRecord(ev.id, ev.voter, dict(ev.ratings), origin)
        if group.top_grade is not None:
            record.top_count = sum(1 for g in ev.ratings.values() if g == group.top_grade)
            record.limit = group.top_limit * len(ev.ratings)
            if record.top_count > record.limit:
                self.invalid_ballots[(group.name, p.key)].append(record)
                return self._reject(
                    ev.id, origin, "ballot_invalid",
                    f"{ev.voter}：{group.top_grade} {record.top_count} 票，超过所评 {len(ev.ratings)} 个对象的 {fmt(group.top_limit * 100)}%",
                )
        self.ballots[(group.name, p.key)].append(record)

    def _fact(self, ev: Fact, origin) -> None:
        fact = self._facts.get(ev.name)
        if fact is None:
            return self._unknown(ev, origin, "unknown_fact", ev.name, self._facts)
        p = self._period(ev.period, fact.period, ev, origin)
        if p is None:
            return
        if not isinstance(ev.value, bool):
            return self._reject(ev.id, origin, "fact_value", f"{ev.name} 应为 true/false")
        if (fact.name, p.key) in self.facts:
            return self._reject(ev.id, origin, "duplicate_fact", f"{fact.name} {p.key}")
        self.facts[(fact.name, p.key)] = (ev.value, ev.id)

    # ---- queries used by the evaluator and explanations ----
    def fired(self, subject: str, period: Period) -> dict[tuple, list]:
        """{(item, tier, share): [count, amount sum, overturned]} for one subject and period."""
        index = self._by_subject_period
        if index is None:
            index = self._by_subject_period = defaultdict(dict)
            for (sid, pkey, item, tier, share), slot in self.counts.items():
                index[(sid, pkey)][(item, tier, share)] = slot
        return index.get((subject, period.key), _EMPTY)

    def events_of(self, subject: str, item: str, period: Period) -> list[EventRef]:
        return [e for e in self.events.get(subject, ()) if e.item == item and period.start <= e.date <= period.end]
