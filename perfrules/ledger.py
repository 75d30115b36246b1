"""Check incoming events against a rulebook and aggregate the accepted ones.

Every record becomes either a counted event or a rejection with a reason. Occurrences are
aggregated per (subject, period, item, tier) so that scoring depends only on counts and
amounts; the events themselves are kept per subject for explanations.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from operator import itemgetter
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo
from decimal import Decimal
from typing import NamedTuple, Optional, Union

from . import model as m
from .errors import did_you_mean, message
from pydantic import ValidationError

from .events import ROW_DEFAULTS, WHEN_ADAPTER, Ballot, Batch, Event, Fact, Malformed, Measure, Occurrence, Origin
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
_ZERO = Decimal(0)
_ID = itemgetter("id")
# An occurrence row with only these fields may take the bulk path (staff and evidence only show in explanations).
_FAST_KEYS = frozenset({"id", "kind", "subject", "item", "date", "count", "amount", "status", "staff", "evidence"})


def _compare(op: str, left: Decimal, right: Decimal) -> bool:
    return {">=": left >= right, "<=": left <= right, ">": left > right, "<": left < right, "==": left == right}[op]
_CLAUSE_DOC = re.compile(r"^\S+\s+")


def _clause_key(text: str) -> str:
    """Clauses match whatever their width or spacing: 附件1（一）1 == 附件1 (一)1."""
    return "".join(fold(text).split())


def slot_counts(slot) -> Union[list, tuple]:
    """A slot of ``Ledger.fired`` as [count, amount sum, overturned, condition not met]."""
    return (slot, _ZERO, 0, 0) if type(slot) is int else slot


class Ledger:
    """Accepted events, aggregated; the in-memory backend (a bulk backend can replace it)."""

    def __init__(self, rulebook: m.Rulebook, subjects: dict[str, m.Subject], scope: Optional[Period] = None,
                 calendar: Optional[Calendar] = None):
        self.rulebook, self.subjects, self.scope = rulebook, subjects, scope
        self.calendar = calendar or NATIONAL
        self.accounting = Accounting()
        self.rejections: list[Rejection] = []
        self.seen_ids: set[str] = set()
        # subject -> period key -> {(item, tier, share): slot}, a slot as ``fired`` describes it. share is None
        # for the subject's own occurrences, the joint share for postings from a subordinate.
        self._index: dict[str, dict[str, dict[tuple, Union[int, list]]]] = {}
        self.warnings: list[str] = []
        # Every batch taken, and the number of records before it: record ``gi`` of the run is record
        # ``gi - bases[k]`` of batch ``k``. A subject's accepted occurrences are kept as such numbers
        # (or (number, item, via) for a joint posting) and turned into EventRefs when explained.
        self._batches: list[Batch] = []
        self._bases: list[int] = []
        self._total = 0
        self._store: dict[str, list] = defaultdict(list)
        self._refs: dict[str, tuple[int, list[EventRef]]] = {}
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
        # What the bulk path needs of a subject id and of an item reference, cached on first sight:
        # subject id -> (id, category, may take the bulk path, its event store, its pending codes);
        # item name or clause -> (item name, categories, day -> code, may take the bulk path, item,
        #                         its amount range if discretionary).
        # A code numbers an (untiered item, period key) pair; the bulk path appends a single
        # occurrence's code to its subject's pending list, and _seal counts them all at once.
        self._subject_refs: dict[str, tuple] = {}
        self._item_refs: dict[str, tuple] = {}
        self._bulk_subjects: dict[str, tuple] = {}  # the refs of subjects and items the bulk path may count
        self._bulk_items: dict[str, tuple] = {}
        self._code_ids: dict[tuple[str, str], int] = {}
        self._code_keys: list[tuple[tuple, str]] = []
        self._pending = False
        # item -> date text -> code, for plain dates (2022-03-15) the general path accepted for the item
        self._day_codes: dict[str, dict[str, int]] = {}
        self._handlers = {Measure: self._measure, Ballot: self._ballot, Fact: self._fact}  # occurrences: _occurrence
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
        """Take one record (an event model, or Malformed) with where it came from."""
        if origin is None and isinstance(record, Malformed):
            origin = record.origin
        self.add_batch(Batch.of(record, origin))

    def add_batch(self, batch: Batch) -> None:
        """Take a batch of records: the bulk path.

        The ids of a batch's occurrence rows are checked for duplicates all at once. The common
        occurrence (a known subject and item, a plain date inside the accepted range, no tier or due,
        an item counted per occurrence) then costs a few dict lookups; every other record takes the
        general path, ``_record``, with every check and every rejection reason.
        """
        records = batch.records
        base = self._total
        self._batches.append(batch)
        self._bases.append(base)
        self._total += len(records)
        self.accounting.received += len(records)
        seen = self.seen_ids
        try:
            ids = list(map(_ID, records))  # every record an occurrence row, as in a feed of occurrences
        except TypeError:
            ids = [rec["id"] for rec in records if type(rec) is dict]
        fresh = set(ids)
        if not (len(fresh) == len(ids) and seen.isdisjoint(fresh)
                and (len(ids) == len(records) or not any(getattr(r, "id", None) in fresh for r in records if type(r) is not dict))):
            for i, rec in enumerate(records):  # a duplicate among them: one by one, in order
                self._record(batch, i, base + i, rec)
            batch.release()
            return
        seen.update(fresh)
        fast_keys, subjects, items = _FAST_KEYS, self._bulk_subjects, self._bulk_items
        fast = 0
        for i, rec in enumerate(records):
            if type(rec) is dict:
                plain = len(rec) == 5  # id, kind, subject, item, date: nothing else
                if plain or rec.keys() <= fast_keys:
                    sub = subjects.get(rec["subject"])
                    it = items.get(rec["item"])
                    if sub is not None and it is not None and sub[1] in it[1]:
                        code = it[2].get(rec["date"])
                        if code is not None:
                            if plain and it[5] is None:
                                sub[4].append(code)  # counted in bulk when scoring starts (see _seal)
                            elif not self._bulk_extra(rec, sub[0], it[5], code):
                                self._record(batch, i, base + i, rec, checked=True)
                                continue
                            sub[3].append(base + i)
                            fast += 1
                            continue
                self._record(batch, i, base + i, rec, checked=True)
            else:
                self._record(batch, i, base + i, rec)
        if fast:
            self.accounting.by_kind["occurrence"] += fast
            self._pending = True
        batch.release()

    def _bulk_extra(self, rec: dict, sid: str, amount: Optional[m.Amount], code: int) -> bool:
        """The bulk path for a row with a count, a status or an amount; False to leave it to the general path."""
        given = rec.get("amount")
        if amount is None:  # counted per occurrence: an amount would have to be checked against it
            if given is not None:
                return False
        elif given is None or not amount.low <= given <= amount.high:  # discretionary
            return False
        n = rec.get("count", 1)
        ikey, pkey = self._code_keys[code]
        overturned = rec.get("status", "upheld") == "overturned"
        if given is None and not overturned:  # a count: kept as a plain int where it can be
            slots = self._index.setdefault(sid, {}).setdefault(pkey, {})
            slot = slots.get(ikey)
            if type(slot) is list:
                slot[0] += n
            else:
                slots[ikey] = (slot or 0) + n
            return True
        slot = self._slot(sid, pkey, ikey[0], None, None)
        if overturned:
            self.accounting.overturned += 1
            slot[2] += n
        else:
            slot[0] += n
            if given is not None:
                slot[1] += given * n
        return True

    def _record(self, batch: Batch, i: int, gi: int, record, checked: bool = False) -> None:
        """The general path for one record: every check, every rejection reason. ``checked``: its id
        is already known not to be a duplicate, and recorded."""
        origin = batch.origin(i)
        if isinstance(record, Malformed):
            return self._reject(record.id, record.origin or origin, "malformed", record.message)
        if isinstance(record, Occurrence):
            record = dict(record)
        if type(record) is dict:
            row = {**ROW_DEFAULTS, **record}
            when, due = self._when(row["date"]), self._when(row["due"])
            if when is None or (due is None and row["due"] is not None):
                # A date that only looked like one: the record is malformed, exactly as if it had been
                # read as an event model (its id is not taken, it is no occurrence).
                if checked:
                    self.seen_ids.discard(row["id"])
                bad = batch.strict(i)
                return self._reject(bad.id if isinstance(bad, Malformed) else row["id"], origin, "malformed",
                                    bad.message if isinstance(bad, Malformed) else "date")
            self.accounting.by_kind["occurrence"] += 1
            if not checked:
                if row["id"] in self.seen_ids:
                    return self._reject(row["id"], origin, "duplicate_id", row["id"])
                self.seen_ids.add(row["id"])
            return self._occurrence(row, when, due, batch, i, gi, origin)
        handler = self._handlers.get(type(record))
        self.accounting.by_kind[record.kind] += 1
        if record.id in self.seen_ids:
            return self._reject(record.id, origin, "duplicate_id", record.id)
        self.seen_ids.add(record.id)
        handler(record, origin)

    def _reject(self, event_id: Optional[str], origin: Optional[Origin], reason: str, detail: str = "") -> None:
        self.accounting.rejected += 1
        self.rejections.append(Rejection(event_id, origin, reason, detail))

    def _unknown(self, ev_id: Optional[str], origin, reason: str, name: str, known) -> None:
        """Reject the record ``ev_id`` for naming something unknown, suggesting the nearest known names."""
        hint = did_you_mean(name, known)
        self._reject(ev_id, origin, reason, name + (("；" + message(hint[0][0], **hint[0][1])) if hint else ""))

    def _subject(self, sid: str, ev_id: Optional[str], origin) -> Optional[m.Subject]:
        subject = self.subjects.get(sid)
        if subject is None:
            self._unknown(ev_id, origin, "unknown_subject", sid, self.subjects)
        return subject

    def _in_scope(self, start: date, end: date, ev_id: Optional[str], origin, what: str) -> bool:
        rb = self.rulebook
        if start < rb.effective_from or end > rb.effective_to:
            self._reject(ev_id, origin, "outside_effective", f"{what}（{rb.effective_from} 至 {rb.effective_to}）")
            return False
        if self.scope is not None and not (self.scope.start <= start and end <= self.scope.end):
            self._reject(ev_id, origin, "outside_period", f"{what}（{self.scope.key}）")
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

    def _when(self, value) -> Optional[Union[date, datetime]]:
        """A date field's value: row text parsed with the event model's own validator; None if invalid."""
        if not isinstance(value, str):
            return value
        try:
            return WHEN_ADAPTER.validate_python(value)
        except ValidationError:
            return None

    def _local_day(self, value) -> date:
        return value if type(value) is date else local_date(value, self.rulebook.timezone)

    def _occurrence(self, ev: dict, when, due, batch: Batch, i: int, gi: int, origin) -> None:
        """Check an occurrence row (defaults filled in, dates parsed) and count it, or reject it with the reason."""
        eid = ev["id"]
        subject, item = self._resolve(ev, origin)
        if item is None:
            return
        _, kind, period_keys, amounts = self._item_info[item.name]
        store = self._subject_refs[subject.id][3]
        day = self._local_day(when)
        if not (self._first_day <= day <= self._last_day):
            self._in_scope(day, day, eid, origin, str(day))  # rejects with the reason and the range
            return
        if not subject.active_during(day, day):
            return self._reject(eid, origin, "subject_inactive", f"{subject.id} {day}")
        tier, amount_given, count = ev["tier"], ev["amount"], ev["count"]
        amount = amounts.get(tier)
        if amount is None:
            return self._reject(eid, origin, "unknown_tier", f"{item.name}：{tier}")
        discretionary = amount.high is not None
        if discretionary:
            if amount_given is None:
                return self._reject(eid, origin, "amount_required", f"{item.name}（{amount.low}–{amount.high}）")
            if not amount.low <= amount_given <= amount.high:
                return self._reject(eid, origin, "amount_out_of_range", f"{amount_given}，允许 {amount.low}–{amount.high}")
        elif amount_given is not None and amount_given != amount.low:
            return self._reject(eid, origin, "amount_mismatch", f"{amount_given}，规则为 {amount.low}")
        met = True
        if item.lateness is not None:
            if due is None:
                return self._reject(eid, origin, "due_required", f"{item.name}（{item.lateness.text}）")
            met = _compare(item.lateness.op, self.lateness(when, due, item.lateness.unit), item.lateness.amount)
        pkey = self._period_key(period_keys, kind, day)
        if tier is None and type(ev["date"]) is str and len(ev["date"]) == 10:  # a plain date, accepted
            self._day_codes[item.name].setdefault(ev["date"], self._code(item.name, pkey))  # the bulk path takes the next ones
        slot = self._slot(subject.id, pkey, item.name, tier, None)
        if not met:  # counted and kept for the explanation, never deducted
            slot[3] += count
        elif ev["status"] == "overturned":
            self.accounting.overturned += 1
            slot[2] += count
        else:
            slot[0] += count
            if discretionary:
                slot[1] += amount_given * count
            if item.disqualify:
                self.disqualifying[subject.id].append((day, item.name, eid))
            if item.joint is not None:
                self._joint(ev, gi, subject, item, day)
        store.append(gi)

    def _period_key(self, period_keys: dict[date, str], kind: m.PeriodKind, day: date) -> str:
        pkey = period_keys.get(day)
        if pkey is None:
            pkey = period_keys[day] = period_of(day, kind).key
        return pkey

    def _code(self, item: str, pkey: str) -> int:
        code = self._code_ids.get((item, pkey))
        if code is None:
            code = self._code_ids[(item, pkey)] = len(self._code_keys)
            self._code_keys.append(((item, None, None), pkey))
        return code

    def _seal(self) -> None:
        """Count the bulk path's pending codes into the slots: one C-speed Counter per subject."""
        keys, index = self._code_keys, self._index
        for ref in self._subject_refs.values():
            sid, codes = ref[0], ref[4]
            if not codes:
                continue
            periods = index.setdefault(sid, {})
            for code, n in Counter(codes).items():
                ikey, pkey = keys[code]
                slots = periods.get(pkey)
                if slots is None:
                    slots = periods[pkey] = {}
                slot = slots.get(ikey)
                if slot is None:
                    slots[ikey] = n
                elif type(slot) is int:
                    slots[ikey] = slot + n
                else:
                    slot[0] += n
            codes.clear()
        self._pending = False

    def _slot(self, sid: str, pkey: str, item: str, tier: Optional[str], share: Optional[Decimal]) -> list:
        """The running [count, amount sum, overturned, condition not met] of one (subject, period, item, tier, share),
        as a list to add to."""
        slots = self._index.setdefault(sid, {}).setdefault(pkey, {})
        slot = slots.get((item, tier, share))
        if type(slot) is not list:
            slot = slots[(item, tier, share)] = [slot or 0, _ZERO, 0, 0]
        return slot

    def _resolve(self, ev: dict, origin) -> tuple[Optional[m.Subject], Optional[m.Item]]:
        """The occurrence's subject and item, cached by id and reference; (…, None) after rejecting it
        for an unknown subject or item, or for an item whose assessment does not cover the subject."""
        eid, sid, ref = ev["id"], ev["subject"], ev["item"]
        subject = self._subject(sid, eid, origin)
        if subject is None:
            return None, None
        if sid not in self._subject_refs:
            sref = self._subject_refs[sid] = (sid, subject.category, subject.active_from is None and subject.active_to is None, self._store[sid], [])
            if sref[2]:
                self._bulk_subjects[sid] = sref
        known = self._item_refs.get(ref)
        item = known[4] if known is not None else self._items.get(ref)
        if item is None:
            item, why = self.find_item(ref)
            if item is None:
                if why == "ambiguous":
                    names = "、".join(i.name for i in self._clauses[_clause_key(ref)])
                    self._reject(eid, origin, "ambiguous_item", f"{ref} → {names}")
                else:
                    self._unknown(eid, origin, "unknown_item", ref, self._items)
                return subject, None
        categories, kind, period_keys, amounts = self._item_info[item.name]
        if known is None:
            bulk = item.lateness is None and item.joint is None and not item.disqualify
            known = self._item_refs[ref] = (item.name, categories, self._day_codes.setdefault(item.name, {}), bulk, item,
                                            amounts[None] if amounts[None].high is not None else None)
            if bulk:
                self._bulk_items[ref] = known
        if subject.category not in categories:
            self._reject(eid, origin, "not_assessed", f"{subject.id}（{subject.category}）/ {item.assessment}")
            return subject, None
        return subject, item

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

    def _joint(self, ev: dict, gi: int, subject: m.Subject, item: m.Item, day: date) -> None:
        """Post an upheld occurrence to the subject's parent too, under the joint item, at its share."""
        joint = item.joint
        parent = self.subjects.get(subject.parent) if subject.parent else None
        categories, kind, period_keys, _ = self._item_info[joint.item]
        if parent is None or parent.category not in categories or not parent.active_during(day, day):
            self.warnings.append(f"{ev['id']}：{subject.id} 的「{item.name}」应连带计入上级的「{joint.item}」，但"
                                 + ("它没有上级" if parent is None else f"上级 {parent.id} 不在该项目的考核范围或当时不在考") + "，未连带")
            return
        pkey = self._period_key(period_keys, kind, day)
        self._slot(parent.id, pkey, joint.item, None, joint.share)[0] += ev["count"]
        self._store[parent.id].append((gi, joint.item, f"{subject.name} {item.name} × {fmt(joint.share * 100)}%"))

    def _period(self, text: str, kind: m.PeriodKind, ev, origin) -> Optional[Period]:
        p = parse_period(text)
        if p is None or p.kind is not kind:
            self._reject(ev.id, origin, "bad_period", f"{text}（应按{kind.zh}）")
            return None
        return p if self._in_scope(p.start, p.end, ev.id, origin, p.key) else None

    def _measure(self, ev: Measure, origin) -> None:
        metric = self._metrics.get(ev.metric)
        if metric is None:
            return self._unknown(ev.id, origin, "unknown_metric", ev.metric, self._metrics)
        subject = self._subject(ev.subject, ev.id, origin)
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
            return self._unknown(ev.id, origin, "unknown_group", ev.group, self._groups)
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
            return self._unknown(ev.id, origin, "unknown_fact", ev.name, self._facts)
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
        """{(item, tier, share): slot} for one subject and period. A slot is [count, amount sum, overturned,
        condition not met], or just the count when the rest are zero (an int: no object for the collector
        to visit, a million of them cost nothing); ``slot_counts`` reads either."""
        if self._pending:
            self._seal()
        return self._index.get(subject, _EMPTY).get(period.key, _EMPTY)

    def subject_events(self, subject: str) -> list[EventRef]:
        """Every accepted occurrence of ``subject`` (and joint postings to it), in the order received."""
        store = self._store.get(subject, ())
        hit = self._refs.get(subject)
        if hit is None or hit[0] != len(store):
            hit = self._refs[subject] = (len(store), [self._ref(entry) for entry in store])
        return hit[1]

    def events_of(self, subject: str, item: str, period: Period) -> list[EventRef]:
        return [e for e in self.subject_events(subject) if e.item == item and period.start <= e.date <= period.end]

    def _ref(self, entry) -> EventRef:
        """Rebuild what an explanation shows of one accepted occurrence from its record."""
        gi, joint_item, via = (entry, None, None) if type(entry) is int else entry
        k = bisect_right(self._bases, gi) - 1
        batch, i = self._batches[k], gi - self._bases[k]
        rec = batch.record(i)
        ev = {**ROW_DEFAULTS, **(rec if type(rec) is dict else dict(rec))}
        when, due = self._when(ev["date"]), self._when(ev["due"])
        day = self._local_day(when)
        item = self._item_refs[ev["item"]][4]
        origin = batch.origin(i)
        if joint_item is not None:
            return EventRef(ev["id"], day, joint_item, None, ev["count"], None, ev["status"], ev["staff"], ev["evidence"], origin, via)
        note = None
        if item.lateness is not None:
            late = self.lateness(when, due, item.lateness.unit)
            met = _compare(item.lateness.op, late, item.lateness.amount)
            note = f"超时时长 {shorten(fmt(late), 2)} {m.Lateness.UNIT_ZH[item.lateness.unit]}" + ("" if met else f"，未达「{item.lateness.text}」，不扣分")
        return EventRef(ev["id"], day, item.name, ev["tier"], ev["count"], ev["amount"], ev["status"], ev["staff"], ev["evidence"], origin, None, note)
