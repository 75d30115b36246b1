"""Evaluate a compiled rulebook over a ledger: exact scores, ranks and bands, each with its explanation tree."""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from . import model as m
from .ledger import Ledger
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
    event_key: Optional[tuple[str, str, Period]] = None  # (subject, item, period): events fetched on demand


def _cite(x) -> Optional[str]:
    return x.citation.text if getattr(x, "citation", None) else None


@dataclass(slots=True)
class Score:
    subject: m.Subject
    assessment: m.Assessment
    period: Period
    exact: Decimal
    published: Decimal
    node: Node
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
        self._scores: dict[tuple[str, str, str], Score] = {}
        self._components: dict[tuple[str, str, str, str], tuple[Optional[Decimal], Node]] = {}
        self._ranks: dict[tuple[str, str, int], dict[str, tuple]] = {}
        self._sections: dict[tuple[str, str, str, str], tuple[Decimal, Node]] = {}
        self._populations: dict[tuple[str, str], list[m.Subject]] = {}
        self.warnings: list[Warning] = []
        self._warned: set[Warning] = set()
        self._top_level = {
            a.name: [c for c in a.components if not any(_refers(o.expr, c.name) for o in a.components if o is not c)]
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
    def score(self, a: m.Assessment, period: Period, subject: m.Subject) -> Score:
        key = (a.name, period.key, subject.id)
        cached = self._scores.get(key)
        if cached is None:
            with decimal.localcontext(CONTEXT):
                cached = self._scores[key] = self._score(a, period, subject)
        return cached

    def _score(self, a: m.Assessment, period: Period, s: m.Subject) -> Score:
        lines: list[Node] = []
        inputs: list[Node] = []
        detail: dict = {"period": period.key}
        if a.total is not None:
            value, text, parts = self.expr(a.total, a, period, s)
            value = ZERO if value is None else value
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
                lines.append(Node("base", "基础分", a.base))
                value += a.base
            for sec in a.sections:
                sv, node = self.section(a, sec, period, s)
                lines.append(node)
                value += sv
            for c in self._top_level[a.name]:
                cv, node = self.component(a, c, period, s)
                lines.append(node)
                value += cv if cv is not None else ZERO
        if a.total_cap is not None and value > a.total_cap:
            lines.append(Node("cap", "总分上限", a.total_cap - value, detail={"limit": fmt(a.total_cap), "absorbed": fmt(value - a.total_cap)}))
            value = a.total_cap
        if a.total_floor is not None and value < a.total_floor:
            lines.append(Node("floor", "总分下限", a.total_floor - value, detail={"limit": fmt(a.total_floor), "absorbed": fmt(a.total_floor - value)}))
            value = a.total_floor
        vetoes = [it for sec in a.sections for it in sec.items if it.veto and self._fired(s, period, it)]
        if vetoes:
            lines.append(Node("veto", "一票否决", -value, citation=_cite(vetoes[0]), detail={"items": [it.name for it in vetoes]}))
            value = ZERO
        exact = value
        published = value
        if a.rounding is not None:
            published = value.quantize(Decimal(1).scaleb(-a.rounding.digits), rounding=a.rounding.mode)
            if published != value:
                lines.append(Node("rounding", "舍入", published - value, detail={"digits": a.rounding.digits, "mode": m.MODE_ZH.get(a.rounding.mode, a.rounding.mode), "exact": fmt(value)}))
        detail["exact"] = fmt(exact)
        node = Node("total", a.label or a.name, published, _cite(a), None, detail, lines, inputs, a.assumptions)
        return Score(s, a, period, exact, published, node, bool(vetoes))

    def _fired(self, s: m.Subject, period: Period, item: m.Item) -> bool:
        fired = self.ledger.fired(s.id, period)
        return any(v[0] > 0 for (name, _), v in fired.items() if name == item.name)

    # ---- sections and items ----
    def section(self, a: m.Assessment, sec: m.Section, period: Period, s: m.Subject) -> tuple[Decimal, Node]:
        key = (a.name, period.key, s.id, sec.name)
        hit = self._sections.get(key)
        if hit is not None:
            return hit
        fired = self.ledger.fired(s.id, period)
        lines: list[Node] = []
        start = sec.max if sec.max is not None else ZERO
        if sec.max is not None:
            lines.append(Node("max", "满分", sec.max))
        deductions = bonuses = ZERO
        for it in sec.items:
            node = self.item(it, fired, period, s)
            if node is None:
                continue
            lines.append(node)
            if it.amount.sign < 0:
                deductions -= node.amount
            else:
                bonuses += node.amount
        value = start - deductions + bonuses
        if sec.deduction_cap is not None and deductions > sec.deduction_cap:
            absorbed = deductions - sec.deduction_cap
            lines.append(Node("cap", "扣分上限", absorbed, detail={"limit": fmt(sec.deduction_cap), "absorbed": fmt(absorbed)}))
            value += absorbed
        if sec.bonus_cap is not None and bonuses > sec.bonus_cap:
            absorbed = bonuses - sec.bonus_cap
            lines.append(Node("cap", "加分上限", -absorbed, detail={"limit": fmt(sec.bonus_cap), "absorbed": fmt(absorbed)}))
            value -= absorbed
        if sec.max is not None and value > sec.max:
            lines.append(Node("cap", "满分封顶", sec.max - value, detail={"limit": fmt(sec.max), "absorbed": fmt(value - sec.max)}))
            value = sec.max
        if sec.floor is not None and value < sec.floor:
            lines.append(Node("floor", "下限", sec.floor - value, detail={"limit": fmt(sec.floor), "absorbed": fmt(sec.floor - value)}))
            value = sec.floor
        detail = {"max": fmt(sec.max) if sec.max is not None else None, "floor": fmt(sec.floor) if sec.floor is not None else None,
                  "deducted": fmt(deductions), "added": fmt(bonuses)}
        node = Node("section", sec.name, value, _cite(sec), sec.label, detail, lines, [], sec.assumptions)
        self._sections[key] = (value, node)
        return value, node

    def item(self, it: m.Item, fired: dict, period: Period, s: m.Subject) -> Optional[Node]:
        groups = [(None, it.amount)] + [(t.name, t.amount) for t in it.tiers]
        lines: list[Node] = []
        total = ZERO
        overturned = 0
        for tier, amount in groups:
            slot = fired.get((it.name, tier))
            if slot is None:
                continue
            count, amount_sum, over = slot
            overturned += over
            if count == 0:
                continue
            if amount.discretionary:
                value = amount_sum
                det = {"count": count, "unit": amount.per_unit, "range": [fmt(amount.low), fmt(amount.high)], "amounts": fmt(amount_sum)}
            elif amount.per_unit is None:
                value = amount.low
                det = {"count": count, "once": True, "per": fmt(amount.low)}
            else:
                value = amount.low * count
                det = {"count": count, "unit": amount.per_unit, "per": fmt(amount.low)}
            lines.append(Node("occurrences", tier or "一般", amount.sign * value, detail=det))
            total += value
        if not lines and not overturned:
            return None
        if it.cap is not None and total > it.cap:
            absorbed = total - it.cap
            lines.append(Node("cap", "本项上限", -it.amount.sign * absorbed, detail={"limit": fmt(it.cap), "absorbed": fmt(absorbed)}))
            total = it.cap
        detail = {"count": sum(n.detail["count"] for n in lines if n.kind == "occurrences"), "overturned": overturned}
        if it.disqualify:
            detail["disqualify"] = True
        if it.veto:
            detail["veto"] = True
        return Node("item", it.name, it.amount.sign * total, _cite(it), it.label, detail, lines, [], it.assumptions,
                    event_key=(s.id, it.name, period))

    # ---- components and expressions ----
    def component(self, a: m.Assessment, c: m.Component, period: Period, s: m.Subject) -> tuple[Optional[Decimal], Node]:
        key = (a.name, period.key, s.id, c.name)
        hit = self._components.get(key)
        if hit is not None:
            return hit
        with decimal.localcontext(CONTEXT):
            value, text, parts = self.expr(c.expr, a, period, s)
            detail: dict = {"formula": c.formula, "computation": f"{text} = {fmt(value)}"}
            lines: list[Node] = []
            inputs: list[Node] = []
            if value is None:
                self.warn(a, period, s, f"分项「{c.name}」缺少数据，按 0 分计")
                detail["missing"] = True
                value = ZERO
                inputs = self._provenance(c.expr, a, period, s)
            elif parts is not None:
                lines = parts
            else:
                inputs = self._provenance(c.expr, a, period, s)
                if c.max is not None and value > c.max:
                    lines.append(Node("formula", c.formula, value))
            if c.max is not None and value > c.max:
                if not lines:
                    lines.append(Node("formula", c.formula, value))
                lines.append(Node("cap", "满分封顶", c.max - value, detail={"limit": fmt(c.max), "absorbed": fmt(value - c.max)}))
                value = c.max
            if c.max is not None:
                detail["max"] = fmt(c.max)
            node = Node("component", c.name, value, _cite(c), c.label, detail, lines, inputs, c.assumptions)
        self._components[key] = (value, node)
        return value, node

    def expr(self, e: m.Expr, a: m.Assessment, period: Period, s: m.Subject) -> tuple[Optional[Decimal], str, Optional[list[Node]]]:
        """Value, the formula with values substituted, and additive parts when ``e`` is a plain sum of named parts."""
        if isinstance(e, m.Num):
            return e.value, (fmt(e.value * 100) + "%") if e.percent else fmt(e.value), None
        if isinstance(e, m.Neg):
            v, t, _ = self.expr(e.operand, a, period, s)
            return (None if v is None else -v), f"−{t}", None
        if isinstance(e, m.BinOp):
            lv, lt, lp = self.expr(e.left, a, period, s)
            rv, rt, rp = self.expr(e.right, a, period, s)
            if isinstance(e.left, m.BinOp) and e.op in "*/" and e.left.op in "+-":
                lt = f"({lt})"
            if isinstance(e.right, m.BinOp) and (e.op in "*/" or e.op == "-"):
                rt = f"({rt})"
            text = f"{lt} {OPS[e.op]} {rt}"
            if lv is None or rv is None:
                return None, text, None
            if e.op == "+":
                parts = lp + rp if lp is not None and rp is not None else None
                return lv + rv, text, parts
            if e.op == "-":
                if lp is not None and rp is not None and len(rp) == 1:
                    neg = rp[0]
                    parts = lp + [Node(neg.kind, neg.name, -neg.amount, neg.citation, neg.label, dict(neg.detail, subtracted=True), [], [neg])]
                    return lv - rv, text, parts
                return lv - rv, text, None
            if e.op == "*":
                return lv * rv, text, None
            if rv == 0:
                self.warn(a, period, s, f"公式「{text}」除数为 0")
                return None, text, None
            return lv / rv, text, None
        value, node = self.term(e, a, period, s)
        return value, fmt(value), ([node] if node is not None and value is not None else None)

    def term(self, e: m.Expr, a: m.Assessment, period: Period, s: m.Subject) -> tuple[Optional[Decimal], Optional[Node]]:
        """A named term of a formula and the explanation node behind it."""
        if isinstance(e, m.Ref):
            if e.target == "component":
                return self.component(a, next(c for c in a.components if c.name == e.name), period, s)
            if e.target == "section":
                return self.section(a, next(x for x in a.sections if x.name == e.name), period, s)
            if e.target == "metric":
                return self.metric(a, e.name, period, s)
            if e.target == "assessment":
                other = self.rulebook.assessment(e.name)
                sc = self.score(other, period, s)
                return sc.published, sc.node
        if isinstance(e, m.Aggregate):
            return self.aggregate(a, e, period, s)
        if isinstance(e, m.BallotValue):
            return self.ballot(a, e.group, period, s)
        if isinstance(e, m.RankDecay):
            return self.rank_decay(a, e, period, s)
        raise TypeError(f"cannot evaluate {e!r}")  # the compiler only lets the nodes above through

    def _provenance(self, e: m.Expr, a: m.Assessment, period: Period, s: m.Subject) -> list[Node]:
        if isinstance(e, (m.Ref, m.Aggregate, m.BallotValue, m.RankDecay)):
            return [self.term(e, a, period, s)[1]]
        if isinstance(e, m.Neg):
            return self._provenance(e.operand, a, period, s)
        if isinstance(e, m.BinOp):
            return self._provenance(e.left, a, period, s) + self._provenance(e.right, a, period, s)
        return []

    def metric(self, a: m.Assessment, name: str, period: Period, s: m.Subject) -> tuple[Optional[Decimal], Node]:
        metric = next(x for x in self.rulebook.metrics if x.name == name)
        hit = self.ledger.measures.get((name, s.id, period.key))
        if hit is None:
            self.warn(a, period, s, f"缺少度量「{name}」（{period.key}）")
            return None, Node("metric", name, None, _cite(metric), metric.label, {"period": period.key, "missing": True}, assumptions=metric.assumptions)
        value, event_id = hit
        return value, Node("metric", name, value, _cite(metric), metric.label, {"period": period.key, "event": event_id}, assumptions=metric.assumptions)

    def aggregate(self, a: m.Assessment, e: m.Aggregate, period: Period, s: m.Subject) -> tuple[Optional[Decimal], Node]:
        inputs: list[Node] = []
        values: list[Decimal] = []
        missing: list[str] = []
        if e.target == "assessment":
            inner = self.rulebook.assessment(e.name)
            for sub in period.subperiods(inner.period):
                if not (self.rulebook.effective_from <= sub.start and sub.end <= self.rulebook.effective_to):
                    continue
                if s.category in inner.categories and s.active_during(sub.start, sub.end):
                    sc = self.score(inner, sub, s)
                    values.append(sc.published)
                    inputs.append(sc.node)
        else:
            metric = next(x for x in self.rulebook.metrics if x.name == e.name)
            for sub in period.subperiods(metric.period):
                if not s.active_during(sub.start, sub.end):
                    continue
                v, node = self.metric(a, e.name, sub, s)
                inputs.append(node)
                if v is None:
                    missing.append(sub.key)
                else:
                    values.append(v)
        fn = "平均" if e.fn == "avg" else "合计"
        detail: dict = {"function": e.fn, "of": e.name, "periods": len(values)}
        if missing:
            detail["missing"] = missing
        if not values:
            self.warn(a, period, s, f"{fn}({e.name}) 没有可用的数据")
            return None, Node("aggregate", f"{fn}({e.name})", None, detail=dict(detail, missing_all=True), inputs=inputs)
        total = sum(values, ZERO)
        value = total / len(values) if e.fn == "avg" else total
        detail["computation"] = (f"({' + '.join(fmt(v) for v in values)}) ÷ {len(values)} = {fmt(value)}" if e.fn == "avg"
                                 else f"{' + '.join(fmt(v) for v in values)} = {fmt(value)}")
        return value, Node("aggregate", f"{fn}({e.name})", value, detail=detail, inputs=inputs)

    def ballot(self, a: m.Assessment, group_name: str, period: Period, s: m.Subject) -> tuple[Optional[Decimal], Node]:
        group = next(g for g in self.rulebook.ballots if g.name == group_name)
        counts = {g: 0 for g, _ in group.scheme.grades}
        for b in self.ledger.ballots.get((group.name, period.key), ()):
            grade = b.ratings.get(s.id)
            if grade is not None:
                counts[grade] += 1
        invalid = [
            {"id": b.id, "voter": b.voter, "top": b.top_count, "limit": fmt(b.limit), "rated": len(b.ratings)}
            for b in self.ledger.invalid_ballots.get((group.name, period.key), ()) if s.id in b.ratings
        ]
        votes = sum(counts.values())
        detail: dict = {"period": period.key, "grades": {g: {"votes": counts[g], "weight": fmt(w)} for g, w in group.scheme.grades},
                        "valid_votes": votes, "invalid_ballots": invalid}
        if group.top_grade is not None:
            detail["top_limit"] = f"{group.top_grade} ≤ {fmt(group.top_limit * 100)}%"
        if votes == 0:
            self.warn(a, period, s, f"评议「{group.name}」没有有效票")
            return None, Node("ballot", group.name, None, _cite(group), group.label, dict(detail, missing=True), assumptions=group.assumptions)
        weighted = sum((w * counts[g] for g, w in group.scheme.grades), ZERO)
        value = weighted / votes
        terms = " + ".join(f"{counts[g]}×{fmt(w)}" for g, w in group.scheme.grades)
        detail["computation"] = f"({terms}) ÷ {votes} = {fmt(value)}"
        return value, Node("ballot", group.name, value, _cite(group), group.label, detail, assumptions=group.assumptions)

    def rank_decay(self, a: m.Assessment, e: m.RankDecay, period: Period, s: m.Subject) -> tuple[Decimal, Node]:
        key = (a.name, period.key, id(e))
        table = self._ranks.get(key)
        if table is None:
            table = self._ranks[key] = self._rank_table(a, e, period)
        value, place, tied, first, n, inner = table[s.id]
        if place is None:
            score = ZERO
            computation = "缺少数据，按 0 分计"
        else:
            score = max(ZERO, e.full - (place - 1) * e.step)
            computation = f"{fmt(e.full)} − ({place} − 1) × {fmt(e.step)} = {fmt(e.full - (place - 1) * e.step)}"
            if score == 0 and e.full - (place - 1) * e.step < 0:
                computation += "，不低于 0，计 0"
        detail = {
            "value": fmt(value), "place": place, "population": n, "tied_with": tied, "first": first,
            "full": fmt(e.full), "step": fmt(e.step), "ties": "竞争排名" if e.ties == "competition" else "密集排名",
            "order": "低者优先" if e.lower_first else "高者优先", "computation": computation,
        }
        return score, Node("rank_decay", "排名递减", score, detail=detail, inputs=[inner] if inner is not None else [])

    def _rank_table(self, a: m.Assessment, e: m.RankDecay, period: Period) -> dict[str, tuple]:
        pop = self.population(a, period)
        raw: dict[str, tuple[Optional[Decimal], Optional[Node]]] = {}
        for subj in pop:
            v, _, _ = self.expr(e.value, a, period, subj)
            nodes = self._provenance(e.value, a, period, subj)
            raw[subj.id] = (v, nodes[0] if len(nodes) == 1 else None)
        present = sorted({v for v, _ in raw.values() if v is not None}, reverse=not e.lower_first)
        if e.ties == "dense":
            place_of = {v: i + 1 for i, v in enumerate(present)}
        else:
            place_of = {}
            seen = 0
            for v in present:
                place_of[v] = seen + 1
                seen += sum(1 for x, _ in raw.values() if x == v)
        ranked = sum(1 for v, _ in raw.values() if v is not None)
        first = None
        if present:
            leaders = [sid for sid, (v, _) in raw.items() if v == present[0]]
            first = {"subjects": leaders, "value": fmt(present[0])}
        table = {}
        for sid, (v, node) in raw.items():
            tied = [o for o, (x, _) in raw.items() if x is not None and x == v and o != sid]
            table[sid] = (v, place_of.get(v) if v is not None else None, tied, first, ranked, node)
        return table

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
                    keys.append(self.section(a, sec, period, s)[0])
                else:
                    c = next(x for x in a.components if x.name == name)
                    keys.append(self.component(a, c, period, s)[0] or ZERO)
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
        for band in b.bands:
            if band.quota is not None:
                eligible = []
                for s in remaining:
                    if band.only and s.category not in band.only:
                        why[s.id]["ineligible"].append({"band": band.name, "reason": f"类别「{s.category}」不在「仅限 {'、'.join(band.only)}」内"})
                    elif band.award and disq[s.id]:
                        why[s.id]["ineligible"].append({"band": band.name, "reason": "已取消评先资格：" + "；".join(disq[s.id])})
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
        first_score = first[1] if first else ZERO
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
        for place, s in enumerate(order, start=1):
            band_name = assigned.get(s.id)
            band = next((x for x in b.bands if x.name == band_name), None)
            detail = dict(why[s.id], place=place, population=n, score=fmt(scores[s.id].published),
                          first={"subject": first[0], "score": fmt(first[1])} if first else None, quotas=quotas,
                          tiebreak=list(b.tiebreak), keys=[fmt(k) for k in keys[s.id]])
            tie = [t for t in ties if s.id in t["subjects"]]
            if tie:
                detail["tie"] = tie[0]
            node = Node("band", band_name or "—", None, _cite(band) if band else _cite(b), band.label if band else None, detail,
                        assumptions=band.assumptions if band else ())
            outcomes[s.id] = BandOutcome(band_name or "", node)
        return BandingOutcome(b, period, outcomes, first, quotas, ties, adjustments, moves)


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


def _compare(op: str, left: Decimal, right: Decimal) -> bool:
    return {">=": left >= right, "<=": left <= right, ">": left > right, "<": left < right, "==": left == right}[op]


def _refers(e: m.Expr, name: str) -> bool:
    if isinstance(e, m.Ref):
        return e.name == name and e.target == "component"
    if isinstance(e, m.Neg):
        return _refers(e.operand, name)
    if isinstance(e, m.BinOp):
        return _refers(e.left, name) or _refers(e.right, name)
    if isinstance(e, m.RankDecay):
        return _refers(e.value, name)
    return False
