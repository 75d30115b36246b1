"""Compile parsed statements into a Rulebook model, reporting every error of the file in one pass."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Iterable, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import model as m
from .errors import Diagnostic, DiagnosticSink, RulebookError, Span, did_you_mean
from .numbers import fmt
from .parser import Statement, parse_rulebook

_HEADER_KEYWORDS = {"KW_TITLE": "title", "KW_EFFECTIVE": "effective"}
OPTION_ZH = {
    "max": "满分", "floor": "下限", "no_floor": "不设下限", "bonus_cap": "加分上限", "deduction_cap": "扣分上限",
    "cap": "上限", "disqualify": "取消评先", "veto": "一票否决", "assumptions": "假设", "period": "周期", "subjects": "对象",
    "range": "范围", "grades": "等级", "top_limit": "上限", "label": "名称", "category": "类别", "parent": "上级",
    "active": "在考", "lateness": "当 超时", "escalate": "自第 N 次起", "joint": "连带", "quota": "名额", "rest": "其余", "only": "仅限", "award": "评先", "step": "每名", "ties": "并列",
    "lower_first": "低者优先",
}
HEADER = {"title": "标题", "source": "来源", "jurisdiction": "辖区", "effective": "生效", "timezone": "时区", "rounding_mode": "舍入方式"}
DECLARATIONS = {"assumption", "category", "subject", "metric", "fact", "grades", "ballot"}
IN_ASSESSMENT = {"section", "component", "total", "total_bounds", "base", "round", "notice", "summary"}
IN_BANDING = {"band", "move", "quota_adjust", "quota_rounding", "tiebreak"}
STMT_ZH = {
    "section": "节", "item": "项", "component": "分项", "total": "总分", "total_bounds": "总分", "base": "基础分",
    "round": "舍入", "notice": "通报", "summary": "汇总", "band": "档", "move": "提档/降档", "quota_adjust": "若…则", "quota_rounding": "名额取整", "tiebreak": "并列比较",
}
WHAT = {
    "category": "类别", "subject": "对象", "metric": "度量", "fact": "事实", "grades": "评议等级", "ballot": "评议",
    "assessment": "考核", "banding": "等次", "assumption": "假设", "item": "项目", "section": "节", "component": "分项",
    "band": "档", "name": "名称",
}

_DATE = re.compile(r"^(\d{4})(?:-|年)(\d{1,2})(?:-|月)(\d{1,2})日?$")


def parse_date(text: str) -> Optional[date]:
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        return None


@dataclass
class _Assessment:
    st: Statement
    sections: list[tuple[Statement, list[Statement]]] = field(default_factory=list)
    components: list[Statement] = field(default_factory=list)
    total: Optional[Statement] = None
    bounds: list[Statement] = field(default_factory=list)
    base: Optional[Statement] = None
    round: Optional[Statement] = None
    notice: Optional[Statement] = None
    summaries: list[Statement] = field(default_factory=list)
    broken: bool = False  # a line of it had a syntax error (already reported)


@dataclass
class _Banding:
    st: Statement
    bands: list[Statement] = field(default_factory=list)
    moves: list[Statement] = field(default_factory=list)
    adjusts: list[Statement] = field(default_factory=list)
    quota_rounding: Optional[Statement] = None
    tiebreak: Optional[Statement] = None


def _opts(st: Statement, sink: DiagnosticSink) -> dict[str, tuple[Any, Span]]:
    seen: dict[str, tuple[Any, Span]] = {}
    for key, value, span in st.opts:
        if key in seen:
            sink.error(span, "dup.option", opt=OPTION_ZH.get(key, key))
        seen[key] = (value, span)
    return seen


def _name(st: Statement, i: int = 0) -> m.Name:
    return st.get("names")[i]


class Compiler:
    """Holds the state of one compilation; ``compile`` returns the model or raises RulebookError."""

    def __init__(self, text: str, file: str):
        self.text, self.file = text, file
        self.sink = DiagnosticSink()
        self.header: dict[str, Statement] = {}
        self.decls: dict[str, dict[str, Statement]] = {k: {} for k in DECLARATIONS}
        self.assessments: dict[str, _Assessment] = {}
        self.bandings: dict[str, _Banding] = {}
        self.item_owner: dict[str, Statement] = {}
        self.broken_headers: set[str] = set()
        self.item_assessment: dict[str, str] = {}
        self.joints: list[tuple[m.Name, m.Joint]] = []

    # ---- pass 1: statements into blocks ----
    def collect(self, statements: Iterable[Statement]) -> None:
        assessment: Optional[_Assessment] = None
        section: Optional[list[Statement]] = None
        banding: Optional[_Banding] = None
        for st in statements:
            k = st.kind
            if k == "broken":  # a line with a syntax error, already reported: keep the block structure quiet
                kw = st.fields["keyword"]
                if kw == "KW_ASSESSMENT":
                    assessment, section, banding = _Assessment(st), None, None
                elif kw == "KW_SECTION" and assessment is not None:
                    section = []
                    assessment.broken = True
                elif kw == "KW_BANDING":
                    assessment, section, banding = None, None, _Banding(st)
                elif kw in _HEADER_KEYWORDS:
                    self.broken_headers.add(_HEADER_KEYWORDS[kw])
                continue
            if k in HEADER:
                self._unique(self.header, k, st, lambda: ("dup.header", {"stmt": HEADER[k]}))
                assessment, section, banding = None, None, None
            elif k in DECLARATIONS:
                name = _name(st)
                self._unique(self.decls[k], name.text, st, lambda: ("dup.name", {"what": WHAT[k], "name": name.text}))
                assessment, section, banding = None, None, None
            elif k == "assessment":
                name = _name(st)
                assessment = _Assessment(st)
                self._unique(self.assessments, name.text, assessment, lambda: ("dup.name", {"what": "考核", "name": name.text}))
                section, banding = None, None
            elif k == "banding":
                name = _name(st)
                banding = _Banding(st)
                self._unique(self.bandings, name.text, banding, lambda: ("dup.name", {"what": "等次", "name": name.text}))
                assessment, section = None, None
            elif k == "item":
                if section is None:
                    self.sink.error(st.span, "block.no_section")
                    continue
                name = _name(st)
                if name.text in self.item_owner:
                    first = self.item_owner[name.text]
                    self.sink.error(name.span, "dup.name", what="项目", name=name.text, line=first.span.line)
                else:
                    self.item_owner[name.text] = st
                    self.item_assessment[name.text] = _name(assessment.st).text if assessment.st.kind == "assessment" else ""
                section.append(st)
            elif k in IN_ASSESSMENT:
                if assessment is None:
                    self.sink.error(st.span, "block.no_assessment", stmt=STMT_ZH[k])
                    continue
                section = None
                if k == "section":
                    section = []
                    assessment.sections.append((st, section))
                elif k == "component":
                    assessment.components.append(st)
                elif k == "summary":
                    assessment.summaries.append(st)
                elif k == "total_bounds":
                    assessment.bounds.append(st)
                else:
                    prior = getattr(assessment, k)
                    if prior is not None:
                        self.sink.error(st.span, "dup.header", stmt=STMT_ZH[k], line=prior.span.line)
                    setattr(assessment, k, st)
            elif k in IN_BANDING:
                if banding is None:
                    self.sink.error(st.span, "block.no_banding", stmt=STMT_ZH[k])
                    continue
                if k == "band":
                    banding.bands.append(st)
                elif k == "move":
                    banding.moves.append(st)
                elif k == "quota_adjust":
                    banding.adjusts.append(st)
                else:
                    prior = getattr(banding, k)
                    if prior is not None:
                        self.sink.error(st.span, "dup.header", stmt=STMT_ZH[k], line=prior.span.line)
                    setattr(banding, k, st)

    def _unique(self, table: dict, key: str, value: Any, dup) -> None:
        if key in table:
            first = table[key]
            first_st = first.st if hasattr(first, "st") else first
            code, fields = dup()
            span = value.st.span if hasattr(value, "st") else value.span
            names = (value.st if hasattr(value, "st") else value).get("names")
            self.sink.error(names[0].span if names else span, code, line=first_st.span.line, **fields)
            return
        table[key] = value

    # ---- helpers ----
    def err(self, span: Span, code: str, hints=(), **fields: object) -> None:
        self.sink.error(span, code, hints, **fields)

    def known(self, name: m.Name, table: dict, what: str) -> bool:
        if name.text in table:
            return True
        self.err(name.span, "unknown.name", did_you_mean(name.text, table), what=what, name=name.text)
        return False

    def date_of(self, text) -> Optional[date]:
        d = parse_date(text.text)
        if d is None:
            self.err(text.span, "value.date", text=text.text)
        return d

    def categories_of(self, opt: Optional[tuple[Any, Span]], default: tuple[str, ...]) -> tuple[str, ...]:
        if opt is None:
            return default
        out = []
        for name in opt[0]:
            if self.known(name, self.decls["category"], "类别"):
                out.append(name.text)
        return tuple(out)

    def assumption_ids(self, opts: dict) -> tuple[str, ...]:
        if "assumptions" not in opts:
            return ()
        return tuple(n.text for n in opts["assumptions"][0] if self.known(n, self.decls["assumption"], "假设"))

    def period(self, opts: dict, default: m.PeriodKind) -> m.PeriodKind:
        value = opts.get("period", (default, None))[0]
        if isinstance(value, m.Name):
            words = ["月", "季", "半年", "年", "月度", "季度", "半年度", "年度"]
            self.err(value.span, "unknown.name", did_you_mean(value.text, words), what="周期", name=value.text)
            return default
        return value

    def positive(self, value: Decimal, span: Span, what: str) -> None:
        if value <= 0:
            self.err(span, "value.positive", what=what)

    # ---- pass 2: build the model ----
    def build(self) -> m.Rulebook:
        h = self.header
        for key in ("title", "effective"):
            if key not in h and key not in self.broken_headers:
                self.err(Span(self.file, 1, 1, 1, 2), "missing.header", stmt=HEADER[key])
        eff_from = eff_to = date(1970, 1, 1)
        if "effective" in h:
            st = h["effective"]
            d1, d2 = (self.date_of(t) for t in st.get("dates"))
            if d1 and d2:
                eff_from, eff_to = d1, d2
                if d2 < d1:
                    self.err(st.span, "value.date_order")
        tz = "Asia/Shanghai"
        if "timezone" in h:
            tz = h["timezone"].get("strings")[0].strip()
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                self.err(h["timezone"].get("string_span"), "value.timezone", tz=tz)
        mode = m.ROUNDING_MODES[h["rounding_mode"].get("values")[0]] if "rounding_mode" in h else ROUND_HALF_UP
        self.default_mode = mode

        assumptions = tuple(
            m.Assumption(_name(st).text, st.get("strings")[0], st.get("citation"), st.span)
            for st in self.decls["assumption"].values()
        )
        categories = tuple(m.Category(_name(st).text, st.get("label"), st.span) for st in self.decls["category"].values())
        subjects = tuple(self.subject(st) for st in self.decls["subject"].values())
        metrics = tuple(self.metric(st) for st in self.decls["metric"].values())
        self.metrics = {x.name: x for x in metrics}
        facts = tuple(self.fact(st) for st in self.decls["fact"].values())
        schemes = tuple(self.grades(st) for st in self.decls["grades"].values())
        self.schemes = {s.name: s for s in schemes}
        ballots = tuple(self.ballot(st) for st in self.decls["ballot"].values())
        self.ballots = {b.name: b for b in ballots}
        self.periods = {}  # each assessment's period kind, for resolving formulas that refer to another
        for name, a in self.assessments.items():
            value = _opts(a.st, DiagnosticSink()).get("period", (m.PeriodKind.MONTH, None))[0]
            self.periods[name] = value if isinstance(value, m.PeriodKind) else m.PeriodKind.MONTH
        self.categories_by_assessment: dict[str, tuple[str, ...]] = {}
        assessments = tuple(self.assessment(a) for a in self.assessments.values())
        self.built = {a.name: a for a in assessments}
        built_items = {it.name: it for a in assessments for sec in a.sections for it in sec.items}
        for source, joint in self.joints:
            target = built_items.get(joint.item)
            if target is None:
                self.err(joint.span, "unknown.name", did_you_mean(joint.item, built_items), what="项目", name=joint.item)
            elif joint.item == source.text:
                self.err(joint.span, "item.joint_self")
            elif target.amount.discretionary or target.amount.per_unit is None:
                self.err(joint.span, "item.joint_target", name=joint.item)
            elif target.amount.sign != built_items[source.text].amount.sign:
                self.err(joint.span, "item.joint_sign", name=joint.item)
        bandings = tuple(self.banding(b) for b in self.bandings.values())
        if self.sink:
            raise RulebookError(self.sink.items, self.text)
        return m.Rulebook(
            title=h["title"].get("strings")[0],
            source=h["source"].get("strings")[0] if "source" in h else None,
            jurisdiction=h["jurisdiction"].get("strings")[0] if "jurisdiction" in h else None,
            effective_from=eff_from, effective_to=eff_to, timezone=tz, rounding_mode=mode,
            assumptions=assumptions, categories=categories, subjects=subjects, metrics=metrics, facts=facts,
            grade_schemes=schemes, ballots=ballots, assessments=assessments, bandings=bandings,
            path=self.file, sha256=hashlib.sha256(self.text.encode("utf-8")).hexdigest(),
        )

    def subject(self, st: Statement) -> m.Subject:
        opts = _opts(st, self.sink)
        name = _name(st)
        category = ""
        if "category" not in opts:
            self.err(name.span, "missing.option", what="对象", name=name.text, opt="类别")
        elif self.known(opts["category"][0], self.decls["category"], "类别"):
            category = opts["category"][0].text
        parent = None
        if "parent" in opts:
            p = opts["parent"][0]
            if p.text == name.text:
                self.err(p.span, "subject.parent_self", name=name.text)
            elif self.known(p, self.decls["subject"], "对象"):
                parent = p.text
        start = end = None
        if "active" in opts:
            t1, t2 = opts["active"][0]
            start = self.date_of(t1)
            end = self.date_of(t2) if t2 is not None else None
            if start and end and end < start:
                self.err(opts["active"][1], "value.date_order")
        label = opts["label"][0] if "label" in opts else (st.get("label") or name.text)
        return m.Subject(name.text, label, category, parent, start, end, st.span)

    def metric(self, st: Statement) -> m.Metric:
        opts = _opts(st, self.sink)
        low = high = None
        if "range" in opts:
            low, high = opts["range"][0]
            if low > high:
                self.err(opts["range"][1], "value.range", low=low, high=high)
        period = self.period(opts, m.PeriodKind.YEAR)
        cats = self.categories_of(opts.get("subjects"), tuple(self.decls["category"]))
        return m.Metric(_name(st).text, low, high, period, cats, st.get("citation"), st.get("label"), self.assumption_ids(opts), st.span)

    def fact(self, st: Statement) -> m.Fact:
        opts = _opts(st, self.sink)
        period = self.period(opts, m.PeriodKind.YEAR)
        return m.Fact(_name(st).text, period, st.get("citation"), st.get("label"), self.assumption_ids(opts), st.span)

    def grades(self, st: Statement) -> m.GradeScheme:
        grades = []
        seen: set[str] = set()
        for gname, weight in st.get("values", []):
            if gname.text in seen:
                self.err(gname.span, "dup.name", what="等级", name=gname.text, line=st.span.line)
            seen.add(gname.text)
            if not 0 <= weight <= 1:
                self.err(gname.span, "grades.weight")
            grades.append((gname.text, weight))
        return m.GradeScheme(_name(st).text, tuple(grades), st.span)

    def ballot(self, st: Statement) -> m.BallotGroup:
        opts = _opts(st, self.sink)
        name = _name(st)
        scheme = m.GradeScheme("", (), st.span)
        if "grades" not in opts:
            self.err(name.span, "missing.option", what="评议", name=name.text, opt="等级")
        elif self.known(opts["grades"][0], self.decls["grades"], "评议等级"):
            scheme = self.schemes[opts["grades"][0].text]
        top_grade = top_limit = None
        if "top_limit" in opts:
            (gname, share), span = opts["top_limit"]
            if scheme.grades and scheme.weight(gname.text) is None:
                self.err(gname.span, "unknown.name", did_you_mean(gname.text, dict(scheme.grades)), what="等级", name=gname.text)
            if not 0 <= share <= 1:
                self.err(span, "value.percent")
            top_grade, top_limit = gname.text, share
        period = self.period(opts, m.PeriodKind.YEAR)
        cats = self.categories_of(opts.get("subjects"), tuple(self.decls["category"]))
        return m.BallotGroup(name.text, scheme, top_grade, top_limit, period, cats, st.get("citation"), st.get("label"), self.assumption_ids(opts), st.span)

    # ---- assessments ----
    def assessment(self, a: _Assessment) -> m.Assessment:
        st = a.st
        name = _name(st)
        opts = _opts(st, self.sink)
        period = self.period(opts, m.PeriodKind.MONTH)
        cats = self.categories_of(opts.get("subjects"), tuple(self.decls["category"]))
        self.categories_by_assessment[name.text] = cats
        sections = tuple(self.section(name.text, sst, items) for sst, items in a.sections)
        first_line: dict[str, int] = {}
        for sec, (sst, _) in zip(sections, a.sections):
            if sec.name in first_line:
                self.err(_name(sst).span, "dup.name", what="节", name=sec.name, line=first_line[sec.name])
            first_line.setdefault(sec.name, sst.span.line)
        if not sections and not a.components and not a.broken:
            self.err(name.span, "assessment.empty", name=name.text)
        local = {s.name: ("section", s.span) for s in sections}
        comp_st = {}
        for cst in a.components:
            cname = _name(cst)
            if cname.text in local or cname.text in comp_st:
                self.err(cname.span, "dup.name", what="分项", name=cname.text, line=(comp_st.get(cname.text) or cst).span.line)
                continue
            comp_st[cname.text] = cst
        ctx = _ExprContext(self, name.text, period, cats, set(local), set(comp_st))
        comps: dict[str, m.Component] = {}
        deps: dict[str, set[str]] = {}
        for cname, cst in comp_st.items():
            copts = _opts(cst, self.sink)
            ctx.deps = set()
            expr = ctx.resolve(cst.get("values")[-1])
            deps[cname] = set(ctx.deps)
            cmax = copts["max"][0] if "max" in copts else None
            cfloor = copts["floor"][0] if "floor" in copts else None
            if cmax is not None:
                self.positive(cmax, copts["max"][1], "满分")
                if cfloor is not None and cfloor > cmax:
                    self.err(copts["floor"][1], "value.floor_above_max", floor=cfloor, max=cmax)
            formula = self.text.splitlines()[cst.span.line - 1][cst.get("values")[-1].span.column - 1 : cst.get("values")[-1].span.end_column - 1]
            comps[cname] = m.Component(cname, cmax, cfloor, expr, formula.strip(), cst.get("citation"), cst.get("label"), self.assumption_ids(copts), cst.span)
        order = self.topo(deps, comp_st)
        total = total_formula = None
        if a.total is not None:
            ctx.deps = set()
            total = ctx.resolve(a.total.get("values")[0])
            e = a.total.get("values")[0]
            total_formula = self.text.splitlines()[a.total.span.line - 1][e.span.column - 1 : e.span.end_column - 1].strip()
            if a.base is not None:
                self.err(a.base.span, "assessment.base_and_total")
        base = a.base.get("values")[0] if a.base is not None else None
        cap = floor = None
        bound_lines: dict[str, int] = {}
        for bst in a.bounds:
            for key, value, span in bst.opts:
                if key in bound_lines:
                    self.err(span, "dup.header", stmt="总分 " + OPTION_ZH[key], line=bound_lines[key])
                bound_lines[key] = bst.span.line
                if key == "cap":
                    cap = value
                else:
                    floor = value
        rounding = None
        if a.round is not None:
            digits, *mode = a.round.get("values")
            if digits != digits.to_integral_value():
                self.err(a.round.span, "value.integer", what="舍入位数")
            elif digits > 20:
                self.err(a.round.span, "value.digits")
            rounding = m.Rounding(int(digits), m.ROUNDING_MODES[mode[0]] if mode else self.default_mode, a.round.get("citation"), a.round.span)
        top = bottom = 3
        if a.notice is not None:  # what the line names; a list it does not name is not printed
            top = bottom = 0
            numbers = list(a.notice.get("values", []))
            for end in a.notice.get("ends", []):
                n = numbers.pop(0)
                if n != n.to_integral_value() or n < 0:
                    self.err(a.notice.span, "value.integer", what="通报名数")
                if end == "KW_TOP":
                    top = int(n)
                else:
                    bottom = int(n)
        summaries = []
        summary_lines: dict[str, int] = {}
        for sst in a.summaries:
            sname = _name(sst)
            if sname.text in summary_lines:
                self.err(sname.span, "dup.name", what="汇总", name=sname.text, line=summary_lines[sname.text])
            summary_lines.setdefault(sname.text, sst.span.line)
            sctx = _ExprContext(self, name.text, period, cats, set(local), set(comp_st), summary=True)
            e = sst.get("values")[0]
            text = self.text.splitlines()[sst.span.line - 1][e.span.column - 1 : e.span.end_column - 1].strip()
            summaries.append(m.Summary(_name(sst).text, sctx.resolve(e), text, sst.get("citation"), sst.get("label"), sst.span))
        return m.Assessment(
            name.text, st.get("label"), period, cats, sections, tuple(comps[n] for n in order if n in comps),
            total, total_formula, a.total.get("citation") if a.total is not None else None,
            base, a.base.get("citation") if a.base is not None else None, cap, floor, rounding,
            st.get("citation"), self.assumption_ids(opts), st.span, top, bottom, tuple(summaries),
        )

    def topo(self, deps: dict[str, set[str]], sts: dict[str, Statement]) -> list[str]:
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(n: str, path: list[str]) -> None:
            if state.get(n) == 2:
                return
            if state.get(n) == 1:
                cycle = path[path.index(n):] + [n]
                self.err(_name(sts[n]).span, "expr.cycle", cycle=" → ".join(cycle))
                return
            state[n] = 1
            for d in sorted(deps.get(n, ())):
                if d in deps:
                    visit(d, path + [n])
            state[n] = 2
            order.append(n)

        for n in deps:
            visit(n, [])
        return order

    def section(self, assessment: str, st: Statement, items: list[Statement]) -> m.Section:
        opts = _opts(st, self.sink)
        smax = opts["max"][0] if "max" in opts else None
        if smax is not None:
            self.positive(smax, opts["max"][1], "满分")
        if "no_floor" in opts and "floor" in opts:
            self.err(opts["no_floor"][1], "option.conflict", a="下限", b="不设下限")
        if "no_floor" in opts:
            floor = None
        elif "floor" in opts:
            floor = opts["floor"][0]
        else:
            floor = Decimal(0) if smax is not None else None
        if floor is not None and smax is not None and floor > smax:
            self.err(opts["floor"][1], "value.floor_above_max", floor=floor, max=smax)
        for key in ("bonus_cap", "deduction_cap"):
            if key in opts:
                self.positive(opts[key][0], opts[key][1], "上限")
        built = tuple(self.item(assessment, _name(st).text, ist) for ist in items)
        return m.Section(
            _name(st).text, smax, floor, opts.get("bonus_cap", (None,))[0], opts.get("deduction_cap", (None,))[0],
            built, st.get("citation"), st.get("label"), self.assumption_ids(opts), st.span,
        )

    def amount(self, a: m.Amount) -> m.Amount:
        if a.bad_range:
            self.err(a.span, "item.bad_range")
        if a.unit_twice:
            self.err(a.span, "item.unit_twice")
        if a.marked and a.high is None:
            self.err(a.span, "item.discretionary_range")
        if a.high is None:
            self.positive(a.low, a.span, "金额")
        if a.high is not None:
            if a.low > a.high:
                self.err(a.span, "value.range", low=a.low, high=a.high)
            if a.low < 0:
                self.err(a.span, "value.positive", what="金额")
            if a.per_unit is None:  # a discretionary amount is chosen per occurrence
                a = m.Amount(a.sign, a.low, a.high, "次", a.span)
        return a

    def item(self, assessment: str, section: str, st: Statement) -> m.Item:
        opts = _opts(st, self.sink)
        values = st.get("values")
        amount = self.amount(values[0])
        tiers = []
        for t in values[1:]:
            ta = self.amount(t.amount)
            if ta.per_unit is None and amount.per_unit is not None:
                ta = m.Amount(ta.sign, ta.low, ta.high, amount.per_unit, ta.span)
            if ta.per_unit != amount.per_unit:
                self.err(t.span, "item.tier_unit", tier=t.name)
            if ta.sign != amount.sign:
                self.err(t.span, "item.tier_sign", tier=t.name)
            tiers.append(m.Tier(t.name, ta, t.span))
        cap = opts["cap"][0] if "cap" in opts else None
        if cap is not None:
            self.positive(cap, opts["cap"][1], "上限")
        escalation = None
        if "escalate" in opts:
            (start, esc_amount, over_year), span = opts["escalate"]
            esc_amount = self.amount(esc_amount)
            if esc_amount.per_unit is None:
                esc_amount = m.Amount(esc_amount.sign, esc_amount.low, esc_amount.high, amount.per_unit, esc_amount.span)
            if start != start.to_integral_value() or start < 2:
                self.err(span, "item.escalation_start")
            if amount.discretionary or esc_amount.discretionary or amount.per_unit is None or tiers:
                self.err(span, "item.escalation_kind")
            if esc_amount.sign != amount.sign:
                self.err(span, "item.tier_sign", tier="自第 N 次起")
            escalation = m.Escalation(int(start), esc_amount, over_year, span)
        joint = None
        if "joint" in opts:
            (target, share), span = opts["joint"]
            if not 0 < share <= 1:
                self.err(span, "value.percent")
            joint = m.Joint(target.text, share, target.span)
            self.joints.append((_name(st), joint))
        lateness = None
        if "lateness" in opts:
            (op, n, unit), span = opts["lateness"]
            lateness = m.Lateness(op, n, unit, span)
        return m.Item(
            _name(st).text, assessment, section, amount, tuple(tiers), "disqualify" in opts or "veto" in opts,
            "veto" in opts, cap, st.get("citation"), st.get("label"), self.assumption_ids(opts), st.span,
            escalation, joint, lateness,
        )

    # ---- banding ----
    def banding(self, b: _Banding) -> m.Banding:
        st = b.st
        name, target = _name(st, 0), _name(st, 1)
        tiebreak_ok: set[str] = set()
        if self.known(target, self.assessments, "考核") and target.text in self.built:
            a = self.built[target.text]
            tiebreak_ok = {s.name for s in a.sections} | {c.name for c in a.components}
        bands: list[m.Band] = []
        seen: dict[str, Statement] = {}
        rest_seen = False
        total_quota = Decimal(0)
        for bst in b.bands:
            bname = _name(bst)
            opts = _opts(bst, self.sink)
            if bname.text in seen:
                self.err(bname.span, "dup.name", what="档", name=bname.text, line=seen[bname.text].span.line)
                continue
            seen[bname.text] = bst
            quota = opts["quota"][0] if "quota" in opts else None
            count = None
            if "quota_count" in opts:
                n, nspan = opts["quota_count"]
                if n != n.to_integral_value() or n < 0:
                    self.err(nspan, "value.integer", what="名额")
                count = int(n)
                if quota is not None:
                    self.err(nspan, "dup.option", opt="名额")
                if rest_seen:
                    self.err(bname.span, "banding.quota_after_rest", band=bname.text)
            condition = None
            if "condition" in opts and "rest" in opts:
                self.err(opts["condition"][1], "option.conflict", a="其余", b="当")
            if "condition" in opts:
                condition = opts["condition"][0]
                for e in (condition.left, condition.right):
                    self.check_condition(e)
            if quota is not None:
                if not 0 <= quota <= 1:
                    self.err(opts["quota"][1], "value.percent")
                if rest_seen:
                    self.err(bname.span, "banding.quota_after_rest", band=bname.text)
                total_quota += quota
            if "rest" in opts:
                if rest_seen:
                    self.err(opts["rest"][1], "banding.rest_twice")
                rest_seen = True
            only = tuple(n.text for n in opts["only"][0] if self.known(n, self.decls["category"], "类别")) if "only" in opts else ()
            bands.append(m.Band(bname.text, quota, count, condition, "rest" in opts, only, "award" in opts, bst.get("citation"), bst.get("label"), self.assumption_ids(opts), bst.span))
        if not bands:
            self.err(name.span, "banding.no_bands", name=name.text)
        elif not rest_seen and not any(x.count is not None or x.condition is not None for x in bands):
            self.err(name.span, "banding.no_rest", name=name.text)
        if total_quota > 1:
            self.err(name.span, "banding.quota_sum", total=f"{fmt(total_quota * 100)}%")
        moves = []
        for mst in b.moves:
            f, t = _name(mst, 0), _name(mst, 1)
            self.known(f, seen, "档")
            self.known(t, seen, "档")
            cond = mst.get("values")[0]
            for e in (cond.left, cond.right):
                self.check_condition(e)
            order = [x.name for x in bands]
            if f.text == t.text:
                self.err(t.span, "banding.move_same", band=t.text)
            elif f.text in order and t.text in order:
                up = order.index(t.text) < order.index(f.text)
                if up != (mst.get("move") == "promote"):
                    promote = mst.get("move") == "promote"
                    self.err(t.span, "banding.move_direction", kind="提档" if promote else "降档", kind_en="promotion" if promote else "demotion",
                             a=f.text, b=t.text, where="更高" if promote else "更低", where_en="above" if promote else "below",
                             other="之下" if promote else "之上", other_en="below it" if promote else "above it")
            moves.append(m.Move(mst.get("move"), f.text, t.text, cond, mst.get("citation"), mst.get("label"), self.assumption_ids(_opts(mst, self.sink)), mst.span))
        targets = {mv.to_band for mv in moves}
        for band in bands:
            if band.quota is None and band.count is None and not band.rest and band.name not in targets:
                self.err(band.span, "banding.unreachable", band=band.name)
        adjusts = []
        for ast_ in b.adjusts:
            fact, band = _name(ast_, 0), _name(ast_, 1)
            self.known(fact, self.decls["fact"], "事实")
            if self.known(band, seen, "档") and bands and next((x for x in bands if x.name == band.text), None) is not None:
                if next(x for x in bands if x.name == band.text).quota is None:  # a share, not a count
                    self.err(band.span, "banding.quota_adjust_band", band=band.text)
            verb = ast_.get("verb")
            sign = 1 if verb.strip() in ("加", "add") else -1 if verb.strip() in ("扣", "deduct") else 0
            if sign == 0:
                self.err(ast_.span, "item.adjust_verb")
            adjusts.append(m.QuotaAdjust(fact.text, band.text, sign * ast_.get("percent"), ast_.get("citation"), ast_.get("label"), self.assumption_ids(_opts(ast_, self.sink)), ast_.span))
        quota_rounding = ROUND_DOWN
        if b.quota_rounding is not None:
            quota_rounding = m.ROUNDING_MODES[b.quota_rounding.get("values")[0]]
        tiebreak: tuple[str, ...] = ()
        if b.tiebreak is not None:
            keys = []
            for n in b.tiebreak.get("lists")[0]:
                if tiebreak_ok and n.text not in tiebreak_ok:
                    self.err(n.span, "banding.tiebreak_target", did_you_mean(n.text, tiebreak_ok), name=n.text)
                keys.append(n.text)
            tiebreak = tuple(keys)
        return m.Banding(
            name.text, target.text, tuple(bands), tuple(moves), tuple(adjusts), quota_rounding, tiebreak,
            st.get("citation"), st.get("label"), st.span,
        )

    def check_condition(self, e: m.Expr) -> None:
        if isinstance(e, (m.ScoreRef, m.FirstRef, m.Num)):
            return
        if isinstance(e, m.Neg):
            return self.check_condition(e.operand)
        if isinstance(e, m.BinOp):
            self.check_condition(e.left)
            self.check_condition(e.right)
            return
        self.err(e.span, "expr.not_in_condition")


@dataclass
class _ExprContext:
    """Resolves names in the formulas of one assessment."""

    c: Compiler
    assessment: str
    period: m.PeriodKind
    categories: tuple[str, ...]
    sections: set[str]
    components: set[str]
    deps: set[str] = field(default_factory=set)
    summary: bool = False  # a 汇总 line: sums over all subjects, so only metrics, 次数 and numbers

    def resolve(self, e: Any) -> m.Expr:
        c = self.c
        if self.summary and isinstance(e, m.CountIf):  # its condition is about each subject, and may use 得分
            each = _ExprContext(c, self.assessment, self.period, self.categories, self.sections, self.components)
            cond = e.condition
            side = lambda x: x if isinstance(x, m.ScoreRef) else each.resolve(x)  # noqa: E731
            return m.CountIf(m.Condition(cond.op, side(cond.left), side(cond.right), cond.text, cond.span), e.span)
        if isinstance(e, m.CountIf):
            c.err(e.span, "expr.count_if_summary")
            return e
        if self.summary and not isinstance(e, (m.Num, m.Neg, m.BinOp, m.CountOf, m.Ref)):
            c.err(e.span, "expr.summary_only")
            return e
        if self.summary and isinstance(e, m.Ref) and e.name not in c.metrics:
            c.err(e.span, "expr.summary_only")
            return e
        if isinstance(e, m.Num):
            return e
        if isinstance(e, (m.ScoreRef, m.FirstRef)):
            c.err(e.span, "expr.condition_only", kw="得分" if isinstance(e, m.ScoreRef) else "第一名")
            return e
        if isinstance(e, m.Neg):
            return m.Neg(self.resolve(e.operand), e.span)
        if isinstance(e, m.BinOp):
            return m.BinOp(e.op, self.resolve(e.left), self.resolve(e.right), e.span)
        if isinstance(e, m.RankDecay):
            if e.full is None or e.step is None:
                c.err(e.span, "expr.rank_decay_options")
                return m.RankDecay(self.resolve(e.value), Decimal(0), Decimal(0), e.ties, e.lower_first, e.span)
            if e.full <= 0:
                c.err(e.span, "value.positive", what="满分")
            if e.step < 0:
                c.err(e.span, "value.positive", what="每名")
            return m.RankDecay(self.resolve(e.value), e.full, e.step, e.ties, e.lower_first, e.span)
        if isinstance(e, m.Piecewise):
            pieces = []
            misplaced = False
            for i, piece in enumerate(e.pieces):
                if piece.op is None and i != len(e.pieces) - 1:
                    c.err(piece.span, "expr.piecewise_rest")
                    misplaced = True
                pieces.append(m.Piece(piece.op, self.resolve(piece.bound) if piece.bound is not None else None, self.resolve(piece.value), piece.span))
            if (not e.pieces or e.pieces[-1].op is not None) and not misplaced:
                c.err(e.span, "expr.piecewise_rest")
            return m.Piecewise(self.resolve(e.value), tuple(pieces), e.span)
        if isinstance(e, m.CountOf):
            owner = c.item_owner.get(e.item)
            if owner is None:
                c.err(e.span, "unknown.name", did_you_mean(e.item, c.item_owner), what="项目", name=e.item)
                return e
            owner_assessment = c.item_assessment.get(e.item)
            inner = c.periods.get(owner_assessment, self.period)
            if inner.value > self.period.value or self.period.value % inner.value:
                c.err(e.span, "expr.period_divides", fn="次数", what="项目", name=e.item, inner=inner.zh, outer=self.period.zh)
            elif owner_assessment in c.assessments:
                cats = c.categories_by_assessment.get(owner_assessment)
                if cats is None:
                    cats = tuple(n.text for n in _opts(c.assessments[owner_assessment].st, DiagnosticSink()).get("subjects", ([],))[0])
                if cats:  # an item of another category's assessment would count 0 for every subject here
                    self.cover(e.span, "项目", e.item, cats)
            return e
        if isinstance(e, m.LastStreak):
            if e.assessment not in c.assessments:
                c.err(e.span, "unknown.name", did_you_mean(e.assessment, c.assessments), what="考核", name=e.assessment)
            else:
                inner = c.periods[e.assessment]
                if inner.value >= self.period.value or self.period.value % inner.value:
                    c.err(e.span, "expr.period_divides", fn="连续末位", what="考核", name=e.assessment, inner=inner.zh, outer=self.period.zh)
            return e
        if isinstance(e, m.ChildAggregate):
            if e.assessment not in c.assessments:
                c.err(e.span, "unknown.name", did_you_mean(e.assessment, c.assessments), what="考核", name=e.assessment)
            elif c.periods[e.assessment] != self.period:
                c.err(e.span, "expr.same_period", fn="下属平均/下属合计", name=e.assessment, inner=c.periods[e.assessment].zh, outer=self.period.zh)
            return e
        if isinstance(e, m.BallotValue):
            group = c.ballots.get(e.group)
            if group is None:
                c.err(e.span, "unknown.name", did_you_mean(e.group, c.ballots), what="评议", name=e.group)
            elif group.period != self.period:
                c.err(e.span, "expr.ballot_period", name=e.group, inner=group.period.zh, outer=self.period.zh)
            else:
                self.cover(e.span, "评议", e.group, group.categories)
            return e
        if isinstance(e, m.Aggregate):
            target = None
            if e.name in c.metrics:
                inner, target, cats = c.metrics[e.name].period, "metric", c.metrics[e.name].categories
            elif e.name in c.assessments:
                inner, target = c.periods[e.name], "assessment"
                cats = c.categories_by_assessment.get(e.name)
                if cats is None:
                    cats = tuple(n.text for n in _opts(c.assessments[e.name].st, DiagnosticSink()).get("subjects", ([],))[0])
            else:
                what = self.kind_of(e.name)
                if what:
                    c.err(e.span, "expr.aggregate_target", name=e.name, what=what)
                else:
                    c.err(e.span, "unknown.name", did_you_mean(e.name, list(c.metrics) + list(c.assessments)), what="考核或度量", name=e.name)
                return e
            if inner.value >= self.period.value or self.period.value % inner.value:
                c.err(e.span, "expr.not_finer", what="度量" if target == "metric" else "考核", name=e.name, inner=inner.zh, outer=self.period.zh)
            elif cats:
                self.cover(e.span, "度量" if target == "metric" else "考核", e.name, cats)
            return m.Aggregate(e.fn, e.name, e.span, target)
        if isinstance(e, m.Ref):
            if e.name in self.components:
                self.deps.add(e.name)
                return m.Ref(e.name, e.span, "component")
            if e.name in self.sections:
                return m.Ref(e.name, e.span, "section")
            if e.name in c.metrics:
                metric = c.metrics[e.name]
                if metric.period != self.period:
                    c.err(e.span, "expr.period_mismatch", what="度量", name=e.name, inner=metric.period.zh, outer=self.period.zh)
                else:
                    self.cover(e.span, "度量", e.name, metric.categories)
                return m.Ref(e.name, e.span, "metric")
            if e.name in c.assessments and e.name != self.assessment:
                if c.periods[e.name] != self.period:
                    c.err(e.span, "expr.period_mismatch", what="考核", name=e.name, inner=c.periods[e.name].zh, outer=self.period.zh)
                else:
                    cats = c.categories_by_assessment.get(e.name)
                    if cats is None:
                        cats = tuple(n.text for n in _opts(c.assessments[e.name].st, DiagnosticSink()).get("subjects", ([],))[0])
                    if cats:
                        self.cover(e.span, "考核", e.name, cats)
                return m.Ref(e.name, e.span, "assessment")
            if e.name in c.decls["fact"]:
                c.err(e.span, "expr.fact_in_formula", name=e.name)
                return e
            candidates = list(self.components | self.sections) + list(c.metrics) + [x for x in c.assessments if x != self.assessment]
            c.err(e.span, "unknown.name", did_you_mean(e.name, candidates), what="名称", name=e.name)
            return e
        raise TypeError(f"unexpected expression node {e!r}")  # a grammar/transformer mismatch: a bug

    def cover(self, span: Span, what: str, name: str, cats: tuple[str, ...]) -> None:
        missing = [x for x in self.categories if x not in cats]
        if missing:
            self.c.err(span, "expr.categories", what=what, name=name, cats="、".join(missing))

    def kind_of(self, name: str) -> Optional[str]:
        if name in self.components:
            return "分项"
        if name in self.sections:
            return "节"
        for k, table in self.c.decls.items():
            if name in table:
                return WHAT[k]
        return None


def compile_rulebook(text: str, file: str = "<string>") -> m.Rulebook:
    """Compile rulebook text; raise RulebookError with every problem found in it."""
    statements, syntax_errors = parse_rulebook(text, file)
    compiler = Compiler(text, file)
    compiler.collect(statements)
    if syntax_errors:
        # Still run the semantic checks on the lines that parsed, so one run shows everything.
        try:
            compiler.build()
        except RulebookError:
            pass
        raise RulebookError(syntax_errors + compiler.sink.items, text)
    return compiler.build()


def load_rulebook(path: str | Path) -> m.Rulebook:
    """Read and compile a rulebook file (UTF-8, an optional BOM is accepted)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise RulebookError([Diagnostic.make(Span(str(p), 1, 1, 1, 2), "rulebook.read", reason=str(err))]) from None
    return compile_rulebook(text, str(p))
