"""Evaluate a compiled rulebook over a ledger: exact scores, ranks and bands, each with its explanation tree."""

from __future__ import annotations

import decimal
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from . import model as m
from .ledger import Ledger, slot_counts
from .numbers import fmt
from .periods import Period, periods_between

# Exact decimal arithmetic: additions and multiplications of the amounts a regulation uses are
# exact at this precision; a division (an average) is carried to 40 significant digits. Any
# mixing with binary floats raises.
CONTEXT = decimal.Context(
    prec=40, rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.FloatOperation],
)
ZERO = Decimal(0)
OPS = {"+": "+", "-": "−", "*": "×", "/": "÷"}
OPS_CMP = {">=": "≥", "<=": "≤"}


@dataclass(slots=True, eq=False)
class Node:
    """One line of an explanation. When ``lines`` is not empty, their amounts sum exactly to ``amount``."""

    kind: str
    name: str
    amount: Optional[Decimal] = None
    citation: Optional[str] = None
    label: Optional[str] = None
    detail: dict = field(default_factory=dict)
    lines: list["Node"] = field(default_factory=list)
    inputs: list["Node"] = field(default_factory=list)
    assumptions: tuple[str, ...] = ()
    event_key: Optional[tuple] = None  # (subject, item, period[, "direct"]): events fetched on demand


def _cite(x) -> Optional[str]:
    return x.citation.text if getattr(x, "citation", None) else None


@dataclass(slots=True)
class Score:
    subject: m.Subject
    assessment: m.Assessment
    period: Period
    exact: Decimal
    published: Decimal
    node: Optional[Node]  # built only when an explanation is asked for
    vetoed: bool


@dataclass(slots=True)
class BandOutcome:
    band: str
    node: Node


@dataclass
class BandingOutcome:
    banding: m.Banding
    period: Period
    bands: dict[str, BandOutcome]
    first: Optional[tuple[str, Decimal]]
    quotas: list[dict]
    ties: list[dict]
    adjustments: list[dict]
    moves: list[dict]


@dataclass(frozen=True, slots=True)
class Warning:
    assessment: str
    period: str
    subject: Optional[str]
    message: str


class Evaluator:
    """Scores on demand, memoised; the order of evaluation never changes a result."""

    def __init__(self, rulebook: m.Rulebook, subjects: list[m.Subject], ledger: Ledger):
        self.rulebook, self.subjects, self.ledger = rulebook, subjects, ledger
        self._scores: dict[tuple, Score] = {}
        self._components: dict[tuple, tuple[Optional[Decimal], Optional[Node]]] = {}
        self._ranks: dict[tuple[str, str, int], dict[str, tuple]] = {}
        self._sections: dict[tuple, tuple[Decimal, Optional[Node]]] = {}
        self._populations: dict[tuple[str, str], list[m.Subject]] = {}
        self._untouched_sections: dict[tuple[str, str], tuple[Decimal, Node]] = {}
        self._section_items = {(a.name, sec.name): {it.name for it in sec.items} for a in rulebook.assessments for sec in a.sections}
        self._vetoes = {a.name: [it for sec in a.sections for it in sec.items if it.veto] for a in rulebook.assessments}
        self._item_groups = {it.name: [(None, it.amount)] + [(t.name, t.amount) for t in it.tiers] for it in rulebook.items()}
        self._item_groups3 = {name: [(tier, amount, None) for tier, amount in groups] for name, groups in self._item_groups.items()}
        self._joint_targets = {it.joint.item for it in rulebook.items() if it.joint is not None}
        # Items whose score is count × amount (capped): summed without building nodes by _sums().
        # The property tests check that every score equals its explanation's total.
        # Per assessment: the distinct (section, amount, deducts?) of those items, and for each item its
        # group's number and its cap.
        self._plain_groups: dict[str, list[tuple[str, Decimal, bool]]] = {}
        self._plain_items: dict[str, dict[tuple, tuple[int, Optional[Decimal]]]] = {}
        for a in rulebook.assessments:
            groups: list[tuple[str, Decimal, bool]] = []
            items: dict[tuple, tuple[int, Optional[Decimal]]] = {}
            for sec in a.sections:
                for it in sec.items:
                    if it.tiers or it.amount.discretionary or it.amount.per_unit is None or it.escalation is not None or it.name in self._joint_targets:
                        continue
                    group = (sec.name, it.amount.low, it.amount.sign < 0)
                    # grouped by the amount as written (0.5 and 0.50 apart), so the sums keep their digits
                    same = [g for g, (sn, per, neg) in enumerate(groups) if (sn, str(per), neg) == (sec.name, str(it.amount.low), group[2])]
                    if not same:
                        groups.append(group)
                    items[(it.name, None, None)] = (same[0] if same else len(groups) - 1, it.cap)
            self._plain_groups[a.name], self._plain_items[a.name] = groups, items
        self._item_section = {a.name: {it.name: sec.name for sec in a.sections for it in sec.items} for a in rulebook.assessments}
        self._last_sums: tuple = (None, {})
        self._items = {it.name: it for it in rulebook.items()}
        self._item_period = {it.name: rulebook.assessment(it.assessment).period for it in rulebook.items()}
        self._component_by_name = {(a.name, c.name): c for a in rulebook.assessments for c in a.components}
        self._metrics = {x.name: x for x in rulebook.metrics}
        self._groups = {g.name: g for g in rulebook.ballots}
        self._tallies: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
        self.warnings: list[Warning] = []
        self._warned: set[Warning] = set()
        # Without a 总分 formula the total adds the parts no formula uses: a section or component that a
        # component refers to is an intermediate value, counted once through that component.
        self._top_level = {
            a.name: [c for c in a.components if not any(_refers(o.expr, c.name) for o in a.components if o is not c)]
            for a in rulebook.assessments
        }
        self._shared_sections = {
            (a.name, sec.name) for a in rulebook.assessments for sec in a.sections
            if any(_refers(o.expr, sec.name, "section") for o in a.components) or (a.total is not None and _refers(a.total, sec.name, "section"))
        }
        self._top_sections = {
            a.name: [sec for sec in a.sections if not any(_refers(o.expr, sec.name, "section") for o in a.components)]
            for a in rulebook.assessments
        }

    def warn(self, a: m.Assessment, period: Period, subject: Optional[m.Subject], text: str) -> None:
        w = Warning(a.name, period.key, subject.id if subject else None, text)
        if w not in self._warned:
            self._warned.add(w)
            self.warnings.append(w)

    # ---- populations and periods ----
    def periods(self, a: m.Assessment, scope: Optional[Period]) -> list[Period]:
        rb = self.rulebook
        return [p for p in periods_between(rb.effective_from, rb.effective_to, a.period) if scope is None or scope.contains(p)]

    def population(self, a: m.Assessment, period: Period) -> list[m.Subject]:
        key = (a.name, period.key)
        if key not in self._populations:
            self._populations[key] = [
                s for s in self.subjects if s.category in a.categories and s.active_during(period.start, period.end)
            ]
        return self._populations[key]

    # ---- scores ----
    # Every function below computes the numbers; with ``x`` (explain) it also builds the nodes that
    # say how. One code path, so an explanation can never disagree with the score it explains.
    def score(self, a: m.Assessment, period: Period, subject: m.Subject, explain: bool = False) -> Score:
        key = (a.name, period.key, subject.id, explain)
        cached = self._scores.get(key)
        if cached is None:
            with decimal.localcontext(CONTEXT):
                cached = self._scores[key] = self._score(a, period, subject, explain)
        return cached

    def _score(self, a: m.Assessment, period: Period, s: m.Subject, x: bool) -> Score:
        lines: list[Node] = []
        inputs: list[Node] = []
        detail: dict = {"period": period.key, "subject": s.id}
        if a.total is not None:
            value, text, parts = self.expr(a.total, a, period, s, x)
            value = ZERO if value is None else value
            if x:
                detail["formula"] = a.total_formula
                detail["computation"] = f"{text} = {fmt(value)}"
                if parts is not None:
                    lines.extend(parts)
                else:
                    inputs.extend(self._provenance(a.total, a, period, s))
                    lines.append(Node("formula", a.total_formula or "总分", value))
        else:
            value = ZERO
            if a.base is not None:
                value += a.base
                if x:
                    lines.append(Node("base", "基础分", a.base, a.base_citation.text if a.base_citation else None))
            for sec in self._top_sections[a.name]:
                sv, node = self.section(a, sec, period, s, x)
                value += sv
                if x:
                    lines.append(node)
            for c in self._top_level[a.name]:
                cv, node = self.component(a, c, period, s, x)
                value += cv if cv is not None else ZERO
                if x:
                    lines.append(node)
        value = _bound(value, a.total_cap, True, "总分上限", lines if x else None)
        value = _bound(value, a.total_floor, False, "总分下限", lines if x else None)
        vetoes = [it for it in self._vetoes[a.name] if self._fired(s, period, it)]
        if vetoes:
            if x:
                lines.append(Node("veto", "一票否决", -value, citation=_cite(vetoes[0]), detail={"items": [it.name for it in vetoes]}))
            value = ZERO
        exact = published = value = _plain(value)
        if a.rounding is not None:
            published = value.quantize(Decimal(1).scaleb(-a.rounding.digits), rounding=a.rounding.mode)
            if x and published != value:
                lines.append(Node("rounding", "舍入", published - value, _cite(a.rounding), detail={"digits": a.rounding.digits, "mode": m.MODE_ZH.get(a.rounding.mode, a.rounding.mode), "exact": fmt(value)}))
        node = None
        if x:
            detail["exact"] = fmt(exact)
            citation = a.total_citation.text if a.total_citation else _cite(a)
            node = Node("total", a.label or a.name, published, citation, None, detail, lines, inputs, a.assumptions)
        return Score(s, a, period, exact, published, node, bool(vetoes))

    def _fired(self, s: m.Subject, period: Period, item: m.Item) -> bool:
        fired = self.ledger.fired(s.id, period)
        return any(slot_counts(v)[0] > 0 for k, v in fired.items() if k[0] == item.name and k[2] is None)

    # ---- sections and items ----
    def section(self, a: m.Assessment, sec: m.Section, period: Period, s: m.Subject, x: bool) -> tuple[Decimal, Optional[Node]]:
        # Memoised when explained, or when a formula uses the section (it may be asked for again).
        key = (a.name, period.key, s.id, sec.name, x) if x or (a.name, sec.name) in self._shared_sections else None
        hit = self._sections.get(key) if key is not None else None
        if hit is not None:
            return hit
        fired = self.ledger.fired(s.id, period)
        if x:
            names = {k[0] for k in fired}
            if self._section_items[(a.name, sec.name)].isdisjoint(names):
                return self._untouched(a, sec)
            items = [it for it in sec.items if it.name in names]
            deductions = bonuses = ZERO
        else:
            # Scored only: the fixed-amount items of every section were summed in one pass (_sums);
            # the others are scored by item(), in any order (decimal sums are exact under CONTEXT).
            sums = self._sums(a, period, s, fired).get(sec.name)
            if sums is None:
                return self._untouched(a, sec)
            deductions, bonuses, items = sums
        lines: list[Node] = []
        start = sec.max if sec.max is not None else ZERO
        if x and sec.max is not None:
            lines.append(Node("max", "满分", sec.max))
        for it in items:
            got = self.item(it, fired, period, s, x)
            if got is None:
                continue
            amount, node = got
            if x:
                lines.append(node)
            if it.amount.sign < 0:
                deductions += amount
            else:
                bonuses += amount
        value = start - deductions + bonuses
        if sec.deduction_cap is not None and deductions > sec.deduction_cap:
            absorbed = deductions - sec.deduction_cap
            if x:
                lines.append(Node("cap", "扣分上限", absorbed, detail={"limit": fmt(sec.deduction_cap), "absorbed": fmt(absorbed)}))
            value += absorbed
        if sec.bonus_cap is not None and bonuses > sec.bonus_cap:
            absorbed = bonuses - sec.bonus_cap
            if x:
                lines.append(Node("cap", "加分上限", -absorbed, detail={"limit": fmt(sec.bonus_cap), "absorbed": fmt(absorbed)}))
            value -= absorbed
        value = _bound(value, sec.max, True, "满分封顶", lines if x else None)
        value = _bound(value, sec.floor, False, "下限", lines if x else None)
        node = None
        if x:
            detail = {"max": fmt(sec.max) if sec.max is not None else None, "floor": fmt(sec.floor) if sec.floor is not None else None,
                      "deducted": fmt(deductions), "added": fmt(bonuses)}
            node = Node("section", sec.name, value, _cite(sec), sec.label, detail, lines, [], sec.assumptions)
        if key is not None:
            self._sections[key] = (value, node)
        return value, node

    def _sums(self, a: m.Assessment, period: Period, s: m.Subject, fired: dict) -> dict[str, tuple]:
        """{section: (deductions, bonuses, other items that fired)} for the sections an occurrence touched.

        One pass over what fired: the fixed-amount untiered items without a cap add their counts per
        (section, amount, sign), multiplied once at the end; capped ones are priced one by one; the
        other items are left to item(). Sections with nothing here score as untouched."""
        key = (a.name, period.key, s.id)
        if self._last_sums[0] == key:
            return self._last_sums[1]
        groups, plain, home = self._plain_groups[a.name], self._plain_items[a.name], self._item_section[a.name]
        tally = [0] * len(groups)
        sums: dict[str, list] = defaultdict(lambda: [ZERO, ZERO, set()])  # deductions, bonuses, other items
        for k, slot in fired.items():
            entry = plain.get(k)
            if entry is None:
                sec = home.get(k[0])
                if sec is not None:
                    sums[sec][2].add(k[0])
                continue
            count = slot if type(slot) is int else slot[0]
            g, cap = entry
            if cap is None:
                tally[g] += count
            elif count:
                sec, per, negative = groups[g]
                sums[sec][0 if negative else 1] += min(per * count, cap)
        for g, count in enumerate(tally):
            if count:
                sec, per, negative = groups[g]
                sums[sec][0 if negative else 1] += per * count
        result = {sec: (acc[0], acc[1], [self._items[name] for name in acc[2]]) for sec, acc in sums.items()}
        self._last_sums = (key, result)
        return result

    def _untouched(self, a: m.Assessment, sec: m.Section) -> tuple[Decimal, Node]:
        """A section no occurrence touched: the same value and node for every subject and period."""
        key = (a.name, sec.name)
        hit = self._untouched_sections.get(key)
        if hit is None:
            start = sec.max if sec.max is not None else ZERO
            value = start if sec.floor is None else max(start, sec.floor)
            lines = [Node("max", "满分", sec.max)] if sec.max is not None else []
            if value != start:
                lines.append(Node("floor", "下限", value - start, detail={"limit": fmt(sec.floor), "absorbed": fmt(value - start)}))
            detail = {"max": fmt(sec.max) if sec.max is not None else None, "floor": fmt(sec.floor) if sec.floor is not None else None,
                      "deducted": "0", "added": "0"}
            hit = self._untouched_sections[key] = (value, Node("section", sec.name, value, _cite(sec), sec.label, detail, lines, [], sec.assumptions))
        return hit

    def item(self, it: m.Item, fired: dict, period: Period, s: m.Subject, x: bool) -> Optional[tuple[Decimal, Optional[Node]]]:
        """The item's unsigned total in the period (after its cap) and, with ``x``, its node; None if it never fired."""
        lines: list[Node] = []
        total = ZERO
        overturned = not_met = 0
        count_all = 0
        groups = self._item_groups3[it.name]
        if it.name in self._joint_targets:  # postings from subordinates, at their shares
            groups = groups + [(None, it.amount, k[2]) for k in fired if k[0] == it.name and k[2] is not None]
        for tier, amount, share in groups:
            slot = fired.get((it.name, tier, share))
            if slot is None:
                continue
            count, amount_sum, over, missed = slot_counts(slot)
            overturned += over
            not_met += missed
            if count == 0:
                continue
            count_all += count
            if share is not None:
                value = amount.low * count * share
                if x:
                    lines.append(Node("occurrences", f"连带 {fmt(share * 100)}%", amount.sign * value,
                                      detail={"count": count, "unit": amount.per_unit, "per": fmt(amount.low), "share": fmt(share * 100) + "%"}))
            elif amount.discretionary:
                value = amount_sum
                if x:
                    lines.append(Node("occurrences", tier or "一般", amount.sign * value,
                                      detail={"count": count, "unit": amount.per_unit, "range": [fmt(amount.low), fmt(amount.high)], "amounts": fmt(amount_sum)}))
            elif amount.per_unit is None:
                value = amount.low
                if x:
                    lines.append(Node("occurrences", tier or "一般", amount.sign * value, detail={"count": count, "once": True, "per": fmt(amount.low)}))
            elif it.escalation is not None and tier is None:
                value = self._escalated(it, count, period, s, lines if x else None)
            else:
                value = amount.low * count
                if x:
                    lines.append(Node("occurrences", tier or "一般", amount.sign * value, detail={"count": count, "unit": amount.per_unit, "per": fmt(amount.low)}))
            total += value
        if not count_all and not overturned and not not_met:
            return None
        if it.cap is not None and total > it.cap:
            absorbed = total - it.cap
            if x:
                lines.append(Node("cap", "本项上限", -it.amount.sign * absorbed, detail={"limit": fmt(it.cap), "absorbed": fmt(absorbed)}))
            total = it.cap
        if not x:
            return total, None
        detail = {"count": count_all, "overturned": overturned}
        if not_met:
            detail["not_met"] = not_met
            detail["condition"] = it.lateness.text
        if it.disqualify:
            detail["disqualify"] = True
        if it.veto:
            detail["veto"] = True
        return total, Node("item", it.name, it.amount.sign * total, _cite(it), it.label, detail, lines, [], it.assumptions,
                           event_key=(s.id, it.name, period))

    def _escalated(self, it: m.Item, count: int, period: Period, s: m.Subject, lines: Optional[list]) -> Decimal:
        """Occurrences before the escalation's start at the item's amount, the rest at the escalated one."""
        esc = it.escalation
        prior = 0
        if esc.over_year:
            for earlier in Period(period.year, 1, m.PeriodKind.YEAR).subperiods(period.kind):
                if earlier.start >= period.start:
                    break
                slot = self.ledger.fired(s.id, earlier).get((it.name, None, None))
                prior += slot_counts(slot)[0] if slot else 0
        threshold = esc.start - 1
        escalated = max(0, prior + count - threshold) - max(0, prior - threshold)
        normal = count - escalated
        value = it.amount.low * normal + esc.amount.low * escalated
        if lines is not None:
            scope = "全年累计" if esc.over_year else "本期"
            if normal:
                span = f"第 {prior + 1} 次" if normal == 1 else f"第 {prior + 1}–{prior + normal} 次"
                lines.append(Node("occurrences", f"{span}（{scope}）", it.amount.sign * it.amount.low * normal,
                                  detail={"count": normal, "unit": it.amount.per_unit, "per": fmt(it.amount.low)}))
            if escalated:
                lines.append(Node("occurrences", f"自第 {esc.start} 次起（{scope}）", it.amount.sign * esc.amount.low * escalated,
                                  detail={"count": escalated, "unit": it.amount.per_unit, "per": fmt(esc.amount.low)}))
        return value

    # ---- components and expressions ----
    def component(self, a: m.Assessment, c: m.Component, period: Period, s: m.Subject, x: bool) -> tuple[Optional[Decimal], Optional[Node]]:
        key = (a.name, period.key, s.id, c.name, x)
        hit = self._components.get(key)
        if hit is not None:
            return hit
        with decimal.localcontext(CONTEXT):
            value, text, parts = self.expr(c.expr, a, period, s, x)
            missing = value is None
            if missing:
                self.warn(a, period, s, f"分项「{c.name}」缺少数据，按 0 分计")
                value = ZERO
            raw = value
            bounds: list[Node] = []
            value = _bound(value, c.max, True, "满分封顶", bounds)
            value = _bound(value, c.floor, False, "下限", bounds)
            node = None
            if x:
                detail: dict = {"formula": c.formula, "computation": f"{text} = {fmt(None if missing else raw)}"}
                lines: list[Node] = []
                inputs: list[Node] = []
                if missing:
                    detail["missing"] = True
                    inputs = self._provenance(c.expr, a, period, s)
                elif parts is not None:
                    lines = parts
                else:
                    inputs = self._provenance(c.expr, a, period, s)
                if bounds:
                    if not lines:
                        lines.append(Node("formula", c.formula, raw))
                    lines.extend(bounds)
                if c.max is not None:
                    detail["max"] = fmt(c.max)
                if c.floor is not None:
                    detail["floor"] = fmt(c.floor)
                node = Node("component", c.name, value, _cite(c), c.label, detail, lines, inputs, c.assumptions)
        self._components[key] = (value, node)
        return value, node

    def expr(self, e: m.Expr, a: m.Assessment, period: Period, s: m.Subject, x: bool = False
             ) -> tuple[Optional[Decimal], Optional[str], Optional[list[Node]]]:
        """Value; with ``x`` also the formula with values substituted and the additive parts when ``e`` is a plain sum."""
        if isinstance(e, m.Num):
            return e.value, ((fmt(e.value * 100) + "%") if e.percent else fmt(e.value)) if x else None, None
        if isinstance(e, m.Neg):
            v, t, _ = self.expr(e.operand, a, period, s, x)
            return (None if v is None else -v), (f"−{t}" if x else None), None
        if isinstance(e, m.BinOp):
            lv, lt, lp = self.expr(e.left, a, period, s, x)
            rv, rt, rp = self.expr(e.right, a, period, s, x)
            text = None
            if x:
                if isinstance(e.left, m.BinOp) and e.op in "*/" and e.left.op in "+-":
                    lt = f"({lt})"
                if isinstance(e.right, m.BinOp) and (e.op in "*/" or e.op == "-"):
                    rt = f"({rt})"
                text = f"{lt} {OPS[e.op]} {rt}"
            if lv is None or rv is None:
                return None, text, None
            if e.op == "+":
                return lv + rv, text, (lp + rp if lp is not None and rp is not None else None)
            if e.op == "-":
                parts = None
                if lp is not None and rp is not None and len(rp) == 1:
                    neg = rp[0]
                    parts = lp + [Node(neg.kind, neg.name, -neg.amount, neg.citation, neg.label, dict(neg.detail, subtracted=True), [], [neg])]
                return lv - rv, text, parts
            if e.op == "*":
                return lv * rv, text, None
            if rv == 0:
                self.warn(a, period, s, f"公式「{text or a.name}」除数为 0")
                return None, text, None
            return lv / rv, text, None
        if isinstance(e, m.Piecewise):
            return self.piecewise(e, a, period, s, x)
        value, node = self.term(e, a, period, s, x)
        if not x:
            return value, None, None
        return value, fmt(value), ([node] if node is not None and value is not None else None)

    def term(self, e: m.Expr, a: m.Assessment, period: Period, s: m.Subject, x: bool = False) -> tuple[Optional[Decimal], Optional[Node]]:
        """A named term of a formula and, with ``x``, the explanation node behind it."""
        if isinstance(e, m.Ref):
            if e.target == "component":
                return self.component(a, self._component_by_name[(a.name, e.name)], period, s, x)
            if e.target == "section":
                return self.section(a, next(sec for sec in a.sections if sec.name == e.name), period, s, x)
            if e.target == "metric":
                return self.metric(a, e.name, period, s, x)
            if e.target == "assessment":
                sc = self.score(self.rulebook.assessment(e.name), period, s, x)
                return sc.published, sc.node
        if isinstance(e, m.Aggregate):
            return self.aggregate(a, e, period, s, x)
        if isinstance(e, m.BallotValue):
            return self.ballot(a, e.group, period, s, x)
        if isinstance(e, m.RankDecay):
            return self.rank_decay(a, e, period, s, x)
        if isinstance(e, m.CountOf):
            return self.count_of(a, e, period, s, x)
        if isinstance(e, m.ChildAggregate):
            return self.child_aggregate(a, e, period, s, x)
        if isinstance(e, m.LastStreak):
            return self.last_streak(a, e, period, s, x)
        raise TypeError(f"cannot evaluate {e!r}")  # the compiler only lets the nodes above through

    def _provenance(self, e: m.Expr, a: m.Assessment, period: Period, s: m.Subject) -> list[Node]:
        if isinstance(e, (m.Ref, m.Aggregate, m.BallotValue, m.RankDecay, m.CountOf, m.ChildAggregate, m.LastStreak)):
            return [self.term(e, a, period, s, True)[1]]
        if isinstance(e, m.Piecewise):
            chosen = self._chosen_piece(e, a, period, s)
            return self._provenance(e.value, a, period, s) + (self._provenance(chosen.value, a, period, s) if chosen else [])
        if isinstance(e, m.Neg):
            return self._provenance(e.operand, a, period, s)
        if isinstance(e, m.BinOp):
            return self._provenance(e.left, a, period, s) + self._provenance(e.right, a, period, s)
        return []

    def _chosen_piece(self, e: m.Piecewise, a: m.Assessment, period: Period, s: m.Subject) -> Optional[m.Piece]:
        v = self.expr(e.value, a, period, s)[0]
        if v is None:
            return None
        for piece in e.pieces:
            if piece.op is None:
                return piece
            bound = self.expr(piece.bound, a, period, s)[0]
            if bound is not None and _compare(piece.op, v, bound):
                return piece
        return None

    def piecewise(self, e: m.Piecewise, a: m.Assessment, period: Period, s: m.Subject, x: bool
                  ) -> tuple[Optional[Decimal], Optional[str], Optional[list[Node]]]:
        v, vt, _ = self.expr(e.value, a, period, s, x)
        if v is None:
            return None, (f"分段({vt})" if x else None), None
        for piece in e.pieces:
            if piece.op is not None:
                bound = self.expr(piece.bound, a, period, s)[0]
                if bound is None or not _compare(piece.op, v, bound):
                    continue
            value, pt, _ = self.expr(piece.value, a, period, s, x)
            if not x:
                return value, None, None
            row = "其余" if piece.op is None else f"{OPS_CMP.get(piece.op, piece.op)} {self.expr(piece.bound, a, period, s, True)[1]}"
            shown = vt if vt == fmt(v) else f"{vt} = {fmt(v)}"
            then = pt if value is None or pt.replace("−", "-") == fmt(value) else f"{pt} = {fmt(value)}"
            return value, f"分段({shown}：{row} 则 {then})", None
        return None, None, None  # unreachable: the compiler requires 其余 as the last row

    def count_of(self, a: m.Assessment, e: m.CountOf, period: Period, s: m.Subject, x: bool = False) -> tuple[Decimal, Optional[Node]]:
        kind = self._item_period[e.item]
        per_period = []
        for sub in period.subperiods(kind):
            n = sum(slot_counts(slot)[0] for k, slot in self.ledger.fired(s.id, sub).items() if k[0] == e.item and k[2] is None)
            per_period.append((sub.key, n))
        total = Decimal(sum(n for _, n in per_period))
        if not x:
            return total, None
        item = self._items[e.item]
        detail = {"item": e.item, "periods": {k: n for k, n in per_period if n}, "computation": f"{e.item} 共 {fmt(total)} 次"}
        return total, Node("count", f"次数({e.item})", total, _cite(item), item.label, detail, event_key=(s.id, e.item, period, "direct"))

    def last_streak(self, a: m.Assessment, e: m.LastStreak, period: Period, s: m.Subject, x: bool = False) -> tuple[Decimal, Optional[Node]]:
        inner = self.rulebook.assessment(e.assessment)
        best = run = 0
        lasts = []
        for sub in period.subperiods(inner.period):
            pop = self.population(inner, sub) if self.rulebook.effective_from <= sub.start and sub.end <= self.rulebook.effective_to else []
            last = False
            if pop and s in pop:
                scores = {c.id: self.score(inner, sub, c).published for c in pop}
                low = min(scores.values())
                # a sub-period where everyone ties (no data yet, all full marks) has no last place
                last = len(pop) > 1 and scores[s.id] == low and any(v != low for v in scores.values())
            run = run + 1 if last else 0
            best = max(best, run)
            if last:
                lasts.append(sub.key)
        value = Decimal(best)
        if not x:
            return value, None
        detail = {"of": e.assessment, "last_in": lasts, "computation": f"排名末位的周期：{'、'.join(lasts) or '无'}；最长连续 {best} 个"}
        return value, Node("streak", f"连续末位({e.assessment})", value, detail=detail)

    def child_aggregate(self, a: m.Assessment, e: m.ChildAggregate, period: Period, s: m.Subject, x: bool = False
                        ) -> tuple[Optional[Decimal], Optional[Node]]:
        inner = self.rulebook.assessment(e.assessment)
        children = [c for c in self.population(inner, period) if c.parent == s.id]
        scores = [self.score(inner, period, c, x) for c in children]
        fn = "下属平均" if e.fn == "avg" else "下属合计"
        if not scores:
            self.warn(a, period, s, f"{fn}({e.assessment})：没有在考的下属对象")
            return None, (Node("aggregate", f"{fn}({e.assessment})", None, detail={"missing_all": True}) if x else None)
        total = sum((sc.published for sc in scores), ZERO)
        value = total / len(scores) if e.fn == "avg" else total
        if not x:
            return value, None
        parts = " + ".join(f"{sc.subject.name} {fmt(sc.published)}" for sc in scores)
        detail = {"function": e.fn, "of": e.assessment, "subjects": [c.id for c in children],
                  "computation": (f"({parts}) ÷ {len(scores)} = {fmt(value)}" if e.fn == "avg" else f"{parts} = {fmt(value)}")}
        return value, Node("aggregate", f"{fn}({e.assessment})", value, detail=detail, inputs=[sc.node for sc in scores])

    def metric(self, a: m.Assessment, name: str, period: Period, s: m.Subject, x: bool = False) -> tuple[Optional[Decimal], Optional[Node]]:
        metric = self._metrics[name]
        hit = self.ledger.measures.get((name, s.id, period.key))
        if hit is None:
            self.warn(a, period, s, f"缺少度量「{name}」（{period.key}）")
            node = Node("metric", name, None, _cite(metric), metric.label, {"period": period.key, "missing": True}, assumptions=metric.assumptions) if x else None
            return None, node
        value, event_id = hit
        node = Node("metric", name, value, _cite(metric), metric.label, {"period": period.key, "event": event_id}, assumptions=metric.assumptions) if x else None
        return value, node

    def aggregate(self, a: m.Assessment, e: m.Aggregate, period: Period, s: m.Subject, x: bool = False) -> tuple[Optional[Decimal], Optional[Node]]:
        inputs: list[Node] = []
        values: list[Decimal] = []
        missing: list[str] = []
        if e.target == "assessment":
            inner = self.rulebook.assessment(e.name)
            for sub in period.subperiods(inner.period):
                if not (self.rulebook.effective_from <= sub.start and sub.end <= self.rulebook.effective_to):
                    continue
                if s.category in inner.categories and s.active_during(sub.start, sub.end):
                    sc = self.score(inner, sub, s, x)
                    values.append(sc.published)
                    if x:
                        inputs.append(sc.node)
        else:
            for sub in period.subperiods(self._metrics[e.name].period):
                if not s.active_during(sub.start, sub.end):
                    continue
                v, node = self.metric(a, e.name, sub, s, x)
                if x:
                    inputs.append(node)
                if v is None:
                    missing.append(sub.key)
                else:
                    values.append(v)
        fn = "平均" if e.fn == "avg" else "合计"
        if not values:
            self.warn(a, period, s, f"{fn}({e.name}) 没有可用的数据")
            node = Node("aggregate", f"{fn}({e.name})", None, detail={"function": e.fn, "of": e.name, "periods": 0, "missing_all": True}, inputs=inputs) if x else None
            return None, node
        total = sum(values, ZERO)
        value = total / len(values) if e.fn == "avg" else total
        if not x:
            return value, None
        detail: dict = {"function": e.fn, "of": e.name, "periods": len(values)}
        if missing:
            detail["missing"] = missing
        detail["computation"] = (f"({' + '.join(fmt(v) for v in values)}) ÷ {len(values)} = {fmt(value)}" if e.fn == "avg"
                                 else f"{' + '.join(fmt(v) for v in values)} = {fmt(value)}")
        return value, Node("aggregate", f"{fn}({e.name})", value, detail=detail, inputs=inputs)

    def ballot(self, a: m.Assessment, group_name: str, period: Period, s: m.Subject, x: bool = False) -> tuple[Optional[Decimal], Optional[Node]]:
        group = self._groups[group_name]
        tally = self._tallies.get((group.name, period.key))
        if tally is None:
            tally = self._tallies[(group.name, period.key)] = self._tally(group, period)
        counts = tally.get(s.id) or {g: 0 for g, _ in group.scheme.grades}
        votes = sum(counts.values())
        value = None
        if votes == 0:
            self.warn(a, period, s, f"评议「{group.name}」没有有效票")
        else:
            value = sum((w * counts[g] for g, w in group.scheme.grades), ZERO) / votes
        if not x:
            return value, None
        invalid = [
            {"id": b.id, "voter": b.voter, "top": b.top_count, "limit": fmt(b.limit), "rated": len(b.ratings)}
            for b in self.ledger.invalid_ballots.get((group.name, period.key), ()) if s.id in b.ratings
        ]
        detail: dict = {"period": period.key, "grades": {g: {"votes": counts[g], "weight": fmt(w)} for g, w in group.scheme.grades},
                        "valid_votes": votes, "invalid_ballots": invalid}
        if group.top_grade is not None:
            detail["top_limit"] = f"{group.top_grade} ≤ {fmt(group.top_limit * 100)}%"
        if value is None:
            detail["missing"] = True
        else:
            terms = " + ".join(f"{counts[g]}×{fmt(w)}" for g, w in group.scheme.grades)
            detail["computation"] = f"({terms}) ÷ {votes} = {fmt(value)}"
        return value, Node("ballot", group.name, value, _cite(group), group.label, detail, assumptions=group.assumptions)

    def _tally(self, group: m.BallotGroup, period: Period) -> dict[str, dict[str, int]]:
        """Valid votes per subject and grade, counted once per group and period."""
        tally: dict[str, dict[str, int]] = {}
        grades = [g for g, _ in group.scheme.grades]
        for b in self.ledger.ballots.get((group.name, period.key), ()):
            for sid, grade in b.ratings.items():
                counts = tally.get(sid)
                if counts is None:
                    counts = tally[sid] = {g: 0 for g in grades}
                counts[grade] += 1
        return tally

    def rank_decay(self, a: m.Assessment, e: m.RankDecay, period: Period, s: m.Subject, x: bool = False) -> tuple[Decimal, Optional[Node]]:
        key = (a.name, period.key, id(e))
        table = self._ranks.get(key)
        if table is None:
            table = self._ranks[key] = self._rank_table(a, e, period)
        value, place, tied, first, n = table[s.id]
        score = ZERO if place is None else max(ZERO, e.full - (place - 1) * e.step)
        if not x:
            return score, None
        if place is None:
            computation = "缺少数据，按 0 分计"
        else:
            computation = f"{fmt(e.full)} − ({place} − 1) × {fmt(e.step)} = {fmt(e.full - (place - 1) * e.step)}"
            if e.full - (place - 1) * e.step < 0:
                computation += "，不低于 0，计 0"
        detail = {
            "value": fmt(value), "place": place, "population": n, "tied_with": tied, "first": first,
            "full": fmt(e.full), "step": fmt(e.step), "ties": "竞争排名" if e.ties == "competition" else "密集排名",
            "order": "低者优先" if e.lower_first else "高者优先", "computation": computation,
        }
        inner = self._provenance(e.value, a, period, s)
        return score, Node("rank_decay", "排名递减", score, detail=detail, inputs=inner[:1] if len(inner) == 1 else inner)

    def _rank_table(self, a: m.Assessment, e: m.RankDecay, period: Period) -> dict[str, tuple]:
        raw: dict[str, Optional[Decimal]] = {subj.id: self.expr(e.value, a, period, subj)[0] for subj in self.population(a, period)}
        counts: dict[Decimal, int] = {}
        by_value: dict[Decimal, list[str]] = {}
        for sid, v in raw.items():
            if v is not None:
                counts[v] = counts.get(v, 0) + 1
                by_value.setdefault(v, []).append(sid)
        present = sorted(counts, reverse=not e.lower_first)
        place_of: dict[Decimal, int] = {}
        seen = 0
        for i, v in enumerate(present):
            place_of[v] = i + 1 if e.ties == "dense" else seen + 1
            seen += counts[v]
        ranked = sum(counts.values())
        first = {"subjects": by_value[present[0]], "value": fmt(present[0])} if present else None
        return {
            sid: (v, place_of.get(v) if v is not None else None, [o for o in by_value.get(v, ()) if o != sid] if v is not None else [], first, ranked)
            for sid, v in raw.items()
        }

    # ---- notice figures ----
    def summary(self, a: m.Assessment, sm: m.Summary, period: Period) -> dict:
        """A hall-wide figure: each metric and 次数 in the formula is first summed over the population."""
        pop = self.population(a, period)
        sums: dict[str, Decimal] = {}
        missing: dict[str, int] = {}

        def total(e: m.Expr) -> Optional[Decimal]:
            if isinstance(e, m.Num):
                return e.value
            if isinstance(e, m.Neg):
                v = total(e.operand)
                return None if v is None else -v
            if isinstance(e, m.BinOp):
                lv, rv = total(e.left), total(e.right)
                if lv is None or rv is None or (e.op == "/" and rv == 0):
                    return None
                return {"+": lambda: lv + rv, "-": lambda: lv - rv, "*": lambda: lv * rv, "/": lambda: lv / rv}[e.op]()
            if isinstance(e, m.CountIf):
                key = f"个数({e.condition.text[3:-1] if e.condition.text.startswith('个数(') else e.condition.text})"
                if key not in sums:
                    n = 0
                    def side(x: m.Expr, s: m.Subject) -> Optional[Decimal]:
                        return self.score(a, period, s).published if isinstance(x, m.ScoreRef) else self.expr(x, a, period, s)[0]

                    for s in pop:
                        lv, rv = side(e.condition.left, s), side(e.condition.right, s)
                        n += lv is not None and rv is not None and _compare(e.condition.op, lv, rv)
                    sums[key] = Decimal(n)
                return sums[key]
            if isinstance(e, m.CountOf):
                key = f"次数({e.item})"
                if key not in sums:
                    sums[key] = sum((self.count_of(a, e, period, s)[0] for s in pop), ZERO)
                return sums[key]
            if isinstance(e, m.Ref) and e.target == "metric":
                if e.name not in sums:
                    values = [self.ledger.measures.get((e.name, s.id, period.key)) for s in pop]
                    sums[e.name] = sum((v[0] for v in values if v is not None), ZERO)
                    missing[e.name] = sum(1 for v in values if v is None)
                return sums[e.name]
            raise TypeError(f"not a summary term: {e!r}")

        with decimal.localcontext(CONTEXT):
            value = total(sm.expr)
        return {"name": sm.name, "value": value, "formula": sm.formula, "sums": {k: fmt(v) for k, v in sums.items()},
                "missing": {k: n for k, n in missing.items() if n}, "citation": sm.citation.text if sm.citation else None,
                "label": sm.label}

    # ---- banding ----
    def disqualified(self, s: m.Subject, period: Period, a: m.Assessment) -> list[str]:
        reasons = [f"{item}（{event_id}，{day}）" for day, item, event_id in self.ledger.disqualifying.get(s.id, ())
                   if period.start <= day <= period.end]
        if self.score(a, period, s).vetoed:
            reasons.append("一票否决")
        return reasons

    def band(self, b: m.Banding, period: Period) -> BandingOutcome:
        with decimal.localcontext(CONTEXT):
            return self._band(b, period)

    def _band(self, b: m.Banding, period: Period) -> BandingOutcome:
        a = self.rulebook.assessment(b.assessment)
        pop = self.population(a, period)
        scores = {s.id: self.score(a, period, s) for s in pop}

        def key_values(s: m.Subject) -> tuple[Decimal, ...]:
            keys = [scores[s.id].published]
            for name in b.tiebreak:
                sec = next((x for x in a.sections if x.name == name), None)
                if sec is not None:
                    keys.append(self.section(a, sec, period, s, False)[0])
                else:
                    c = next(x for x in a.components if x.name == name)
                    keys.append(self.component(a, c, period, s, False)[0] or ZERO)
            return tuple(keys)

        keys = {s.id: key_values(s) for s in pop}
        order = sorted(pop, key=lambda s: tuple(-k for k in keys[s.id]))  # stable: declaration order last
        n = len(order)
        first = (order[0].id, scores[order[0].id].published) if order else None
        adjustments = []
        shares = {band.name: band.quota for band in b.bands if band.quota is not None}
        for adj in b.adjusts:
            fact = self.ledger.facts.get((adj.fact, period.key))
            applies = bool(fact and fact[0] is True)
            if fact is None:
                self.warn(a, period, None, f"未提供事实「{adj.fact}」（{period.key}），按「否」处理")
            if applies:
                shares[adj.band] = shares[adj.band] + adj.delta
            adjustments.append({"fact": adj.fact, "value": None if fact is None else fact[0], "event": None if fact is None else fact[1],
                                "band": adj.band, "delta": fmt(adj.delta * 100) + "%", "applied": applies, "citation": _cite(adj)})
        quotas = []
        sizes = {}
        for band in b.bands:
            if band.count is not None:
                sizes[band.name] = band.count
                quotas.append({"band": band.name, "places": band.count, "of": n, "size": band.count})
                continue
            if band.quota is None:
                continue
            share = max(ZERO, min(Decimal(1), shares[band.name]))
            raw = share * n
            size = int(raw.quantize(Decimal(1), rounding=b.quota_rounding))
            sizes[band.name] = size
            quotas.append({"band": band.name, "share": fmt(share * 100) + "%", "of": n, "exact": fmt(raw), "size": size,
                           "rounding": m.MODE_ZH.get(b.quota_rounding, b.quota_rounding)})
        assigned: dict[str, str] = {}
        why: dict[str, dict] = {s.id: {"ineligible": []} for s in pop}
        ties: list[dict] = []
        remaining = list(order)
        disq = {s.id: self.disqualified(s, period, a) for s in pop}
        first_score = first[1] if first else ZERO
        for band in b.bands:
            if band.quota is not None or band.count is not None:
                eligible = []
                for s in remaining:
                    if band.only and s.category not in band.only:
                        why[s.id]["ineligible"].append({"band": band.name, "reason": f"类别「{s.category}」不在「仅限 {'、'.join(band.only)}」内"})
                    elif band.award and disq[s.id]:
                        why[s.id]["ineligible"].append({"band": band.name, "reason": "已取消评先资格：" + "；".join(disq[s.id])})
                    elif band.condition is not None and not _holds(band.condition, scores[s.id].published, first_score):
                        why[s.id]["ineligible"].append({"band": band.name, "reason": f"不满足条件 {band.condition.text}"})
                    else:
                        eligible.append(s)
                size = sizes[band.name]
                taken = eligible[:size]
                if 0 < size < len(eligible) and keys[eligible[size - 1].id] == keys[eligible[size].id]:
                    tied_key = keys[eligible[size].id]
                    members = [x.id for x in eligible if keys[x.id] == tied_key]
                    ties.append({"band": band.name, "subjects": members, "score": fmt(tied_key[0]),
                                 "inside": [x.id for x in taken if keys[x.id] == tied_key]})
                for pos, s in enumerate(taken, start=1):
                    assigned[s.id] = band.name
                    why[s.id].update(phase="quota", position=pos, size=size, cutoff=fmt(scores[taken[-1].id].published))
                remaining = [s for s in remaining if s.id not in assigned]
                if size and len(taken) < size:
                    self.warn(a, period, None, f"「{band.name}」名额 {size} 个，符合条件的只有 {len(taken)} 个，其余空缺")
            elif band.rest:
                for s in remaining:
                    assigned[s.id] = band.name
                    why[s.id].update(phase="rest")
                remaining = []
        moves = []
        for mv in b.moves:
            for s in order:
                if assigned.get(s.id) != mv.from_band:
                    continue
                sc = scores[s.id].published
                left = _cond_value(mv.condition.left, sc, first_score)
                right = _cond_value(mv.condition.right, sc, first_score)
                if _compare(mv.condition.op, left, right):
                    assigned[s.id] = mv.to_band
                    info = {"kind": mv.kind, "from": mv.from_band, "to": mv.to_band, "condition": mv.condition.text,
                            "left": fmt(left), "right": fmt(right), "citation": _cite(mv)}
                    why[s.id].setdefault("moves", []).append(info)
                    moves.append(dict(info, subject=s.id))
        outcomes: dict[str, BandOutcome] = {}
        rank_of: dict[str, int] = {}
        for i, s in enumerate(order):  # competition ranking on the published score, as the table shows
            prev = order[i - 1] if i else None
            rank_of[s.id] = rank_of[prev.id] if prev and scores[prev.id].published == scores[s.id].published else i + 1
        for place, s in enumerate(order, start=1):
            band_name = assigned.get(s.id)
            band = next((x for x in b.bands if x.name == band_name), None)
            detail = dict(why[s.id], place=place, rank=rank_of[s.id], population=n, score=format(scores[s.id].published, "f"),
                          first={"subject": first[0], "score": format(first[1], "f")} if first else None, quotas=quotas,
                          tiebreak=list(b.tiebreak), keys=[fmt(k) for k in keys[s.id]])
            tie = [t for t in ties if s.id in t["subjects"]]
            if tie:
                detail["tie"] = tie[0]
            node = Node("band", band_name or "—", None, _cite(band) if band else _cite(b), band.label if band else None, detail,
                        assumptions=band.assumptions if band else ())
            outcomes[s.id] = BandOutcome(band_name or "", node)
        return BandingOutcome(b, period, outcomes, first, quotas, ties, adjustments, moves)


def _plain(value: Decimal) -> Decimal:
    """Without a declared rounding a score keeps no trailing zeros an intermediate product left (1.0 → 1)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize() if value.as_tuple().exponent < 0 else value


def _bound(value: Decimal, limit: Optional[Decimal], upper: bool, name: str, lines: Optional[list[Node]]) -> Decimal:
    """``value`` held at or below (``upper``) or at or above a limit; what the limit absorbed becomes a line."""
    if limit is None or (value <= limit if upper else value >= limit):
        return value
    if lines is not None:
        lines.append(Node("cap" if upper else "floor", name, limit - value, detail={"limit": fmt(limit), "absorbed": fmt(abs(value - limit))}))
    return limit


def _cond_value(e: m.Expr, score: Decimal, first: Decimal) -> Decimal:
    if isinstance(e, m.ScoreRef):
        return score
    if isinstance(e, m.FirstRef):
        return first
    if isinstance(e, m.Num):
        return e.value
    if isinstance(e, m.Neg):
        return -_cond_value(e.operand, score, first)
    if isinstance(e, m.BinOp):
        lv, rv = _cond_value(e.left, score, first), _cond_value(e.right, score, first)
        return {"+": lambda: lv + rv, "-": lambda: lv - rv, "*": lambda: lv * rv, "/": lambda: lv / rv if rv else ZERO}[e.op]()
    raise TypeError(f"not a condition term: {e!r}")


def _holds(c: m.Condition, score: Decimal, first: Decimal) -> bool:
    return _compare(c.op, _cond_value(c.left, score, first), _cond_value(c.right, score, first))


def _compare(op: str, left: Decimal, right: Decimal) -> bool:
    return {">=": left >= right, "<=": left <= right, ">": left > right, "<": left < right, "==": left == right}[op]


def _refers(e: m.Expr, name: str, target: str = "component") -> bool:
    if isinstance(e, m.Ref):
        return e.name == name and e.target == target
    if isinstance(e, m.Neg):
        return _refers(e.operand, name, target)
    if isinstance(e, m.BinOp):
        return _refers(e.left, name, target) or _refers(e.right, name, target)
    if isinstance(e, m.RankDecay):
        return _refers(e.value, name, target)
    if isinstance(e, m.Piecewise):
        return _refers(e.value, name, target) or any(
            (p.bound is not None and _refers(p.bound, name, target)) or _refers(p.value, name, target) for p in e.pieces)
    return False
