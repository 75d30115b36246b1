"""Errors of perfrules: source spans, diagnostics in Chinese and English, and their one renderer."""

from __future__ import annotations

import difflib
import os
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Sequence

LANGS = ("zh", "en")


def default_lang() -> str:
    """The message language: ``PERFRULES_LANG`` (zh or en), Chinese by default."""
    lang = os.environ.get("PERFRULES_LANG", "zh").lower()[:2]
    return lang if lang in LANGS else "zh"


@dataclass(frozen=True, order=True)
class Span:
    """A range of a source file: 1-based line and column (in characters), end exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


# Message catalogue: code -> (Chinese, English). Templates use str.format fields.
MESSAGES: dict[str, tuple[str, str]] = {
    "syntax.unexpected_char": ("无法识别的字符「{char}」", "unexpected character '{char}'"),
    "syntax.unexpected_token": ("此处不应出现{found}", "unexpected {found}"),
    "syntax.unexpected_end": ("语句不完整", "incomplete statement"),
    "syntax.expected": ("此处应为：{expected}", "expected: {expected}"),
    "syntax.glued_keyword": (
        "名称「{name}」里含有关键字「{keyword}」；关键字与名称之间要用空格隔开",
        "the name '{name}' contains the keyword '{keyword}'; separate keywords and names with a space",
    ),
    "syntax.keyword_as_name": (
        "「{name}」是关键字，不能直接用作名称；如确需此名称，请写作「「{name}」」",
        "'{name}' is a keyword and cannot be a name; quote it as 「{name}」 if you mean the name",
    ),
    "syntax.digit_in_name": (
        "中文名称中不能紧跟数字（「{name}{digits}」）；请加空格，或把名称写在「」里",
        "a Chinese name cannot be followed directly by digits ('{name}{digits}'); add a space or quote the name in 「」",
    ),
    "syntax.paren_in_name": (
        "名称「{name}」后面紧跟括号；名称里不能直接写括号，如确需要，请把整个名称写在「」里，如「{name}（一）」",
        "a bracket right after the name '{name}'; a name cannot contain brackets unless it is quoted, e.g. 「{name}（一）」",
    ),
    "block.no_assessment": ("「{stmt}」必须写在某个「考核」之下", "'{stmt}' must follow an assessment (考核)"),
    "block.no_section": ("「项」必须写在某个「节」之下", "an item (项) must follow a section (节)"),
    "block.no_banding": ("「{stmt}」必须写在某个「等次」之下", "'{stmt}' must follow a banding (等次)"),
    "dup.name": ("{what}「{name}」重复定义（首次定义在第 {line} 行）", "{what} '{name}' is defined twice (first on line {line})"),
    "dup.header": ("「{stmt}」只能写一次（首次在第 {line} 行）", "'{stmt}' may appear only once (first on line {line})"),
    "dup.option": ("选项「{opt}」重复", "option '{opt}' given twice"),
    "unknown.name": ("未定义的{what}「{name}」", "unknown {what} '{name}'"),
    "did_you_mean": ("是否想写「{names}」？", "did you mean '{names}'?"),
    "missing.header": ("缺少「{stmt}」", "missing '{stmt}'"),
    "missing.option": ("{what}「{name}」缺少「{opt}」", "{what} '{name}' lacks '{opt}'"),
    "value.date": ("日期「{text}」无效", "invalid date '{text}'"),
    "value.date_order": ("结束日期早于开始日期", "the end date is before the start date"),
    "value.timezone": ("未知时区「{tz}」", "unknown time zone '{tz}'"),
    "value.range": ("范围下限 {low} 大于上限 {high}", "range lower bound {low} exceeds upper bound {high}"),
    "value.positive": ("{what}必须大于 0", "{what} must be greater than 0"),
    "value.integer": ("{what}必须是整数", "{what} must be an integer"),
    "value.percent": ("比例必须在 0% 到 100% 之间", "a share must lie between 0% and 100%"),
    "value.floor_above_max": ("下限 {floor} 高于满分 {max}", "floor {floor} is above the maximum {max}"),
    "item.discretionary_range": (
        "酌情扣分/加分要写出允许的范围，如 酌情扣 0.1 至 0.3 分",
        "a discretionary amount needs its range, e.g. discretionary deduct 0.1 to 0.3",
    ),
    "item.unit_twice": ("计量单位写了两次且不一致（如 每次扣 … 每 件）", "the unit is given twice, differently (e.g. 每次扣 … per case)"),
    "item.bad_range": ("金额范围写作 0.1 至 0.3、0.1-0.3 或 0.1~0.3", "write an amount range as 0.1 to 0.3, 0.1-0.3 or 0.1~0.3"),
    "option.conflict": ("「{a}」与「{b}」不能同时写", "'{a}' and '{b}' cannot both be given"),
    "expr.ballot_period": (
        "评议「{name}」按{inner}进行，只能在按{inner}的考核中使用（本考核按{outer}）",
        "ballot group '{name}' votes per {inner}; it can only be used in a per-{inner} assessment (this one is per {outer})",
    ),
    "banding.move_direction": (
        "「{kind}」应从「{a}」移到{where}的档，「{b}」在它{other}",
        "a {kind_en} must move from '{a}' to a band {where_en} it; '{b}' is {other_en}",
    ),
    "banding.move_same": ("提档、降档要移到另一个档，「{band}」就是原来的档", "a move must go to another band; '{band}' is the band it starts from"),
    "banding.unreachable": (
        "档「{band}」既没有名额、也不是「其余」档，也没有提档或降档能到达它",
        "band '{band}' has no quota, does not take the rest, and no promotion or demotion reaches it",
    ),
    "item.tier_unit": ("分档「{tier}」的计量方式与主金额不同", "tier '{tier}' counts per a different unit than the item"),
    "item.tier_sign": ("分档「{tier}」与本项方向相反（一个扣分、一个加分）", "tier '{tier}' goes the other way than its item (deduct vs add)"),
    "value.digits": ("舍入位数最多 20 位", "at most 20 rounding digits"),
    "item.escalation_start": ("「自第 N 次起」的 N 必须是不小于 2 的整数", "the N of 'from N onward' must be a whole number of at least 2"),
    "item.escalation_kind": (
        "「自第 N 次起」只用于按次计、金额固定、没有分档的项目",
        "'from N onward' is only for per-occurrence items with a fixed amount and no tiers",
    ),
    "item.joint_sign": ("连带的目标项目「{name}」与本项方向相反（一个扣分、一个加分）", "the joint item '{name}' goes the other way (deduct vs add)"),
    "item.joint_self": ("「连带」要指向上级对象的另一个项目", "'also' must name another item, the parent's"),
    "item.joint_target": ("连带的目标项目「{name}」必须按次计、金额固定", "the item '{name}' a joint posting goes to must count per occurrence at a fixed amount"),
    "item.adjust_verb": ("名额调整只能写「加」或「扣」一个比例", "a quota change takes 'add' or 'deduct' and a share"),
    "expr.piecewise_rest": ("分段表必须以「其余 则 …」结尾，且「其余」只能是最后一档", "a piecewise table must end with 'rest then …', and only there"),
    "expr.summary_only": (
        "「汇总」只能用度量、次数(项目)、个数(条件)、数字和四则运算（各对象合计后计算）",
        "a summary may use only metrics, count(item), count_if(condition), numbers and arithmetic (summed over all subjects)",
    ),
    "expr.count_if_summary": ("个数(条件) 只能用在「汇总」里", "count_if(condition) is only for a summary"),
    "expr.rank_decay_options": (
        "排名递减要写出「满分」和「每名」，如 排名递减(纪委评分, 满分 5, 每名 0.1)",
        "rank_decay needs its max and step, e.g. rank_decay(score, max 5, step 0.1)",
    ),
    "expr.cycle": ("分项之间循环引用：{cycle}", "components refer to each other in a cycle: {cycle}"),
    "expr.condition_only": (
        "「{kw}」只能用于等次的条件（档的「当」、提档、降档）和 汇总 的 个数(条件)",
        "'{kw}' is only allowed in a banding condition (a band's when, promote, demote) and in a summary's count_if",
    ),
    "expr.period_divides": (
        "{fn} 需要周期更短、能整除本考核周期的{what}「{name}」（它按{inner}计，本考核按{outer}计）",
        "{fn} needs a {what} with a shorter period that divides this assessment's ('{name}' is per {inner}, the assessment per {outer})",
    ),
    "expr.same_period": (
        "{fn} 要用与本考核周期相同的考核，「{name}」按{inner}计，本考核按{outer}计",
        "{fn} needs an assessment of the same period; '{name}' is per {inner}, this one per {outer}",
    ),
    "expr.not_in_condition": ("条件中只能引用「得分」「第一名」和数字", "a condition may use only score, first and numbers"),
    "expr.period_mismatch": (
        "{what}「{name}」按{inner}计，在按{outer}的考核中要写 平均({name}) 或 合计({name})",
        "{what} '{name}' is per {inner}; in a per-{outer} assessment use avg({name}) or sum({name})",
    ),
    "expr.not_finer": (
        "平均/合计 需要比本考核周期更短的{what}「{name}」（它按{inner}计，本考核按{outer}计）",
        "avg/sum needs a {what} with a shorter period than the assessment ('{name}' is per {inner}, the assessment per {outer})",
    ),
    "expr.aggregate_target": ("平均/合计 只能用于考核或度量，「{name}」是{what}", "avg/sum takes an assessment or a metric; '{name}' is a {what}"),
    "expr.categories": (
        "{what}「{name}」不覆盖本考核的对象类别：{cats}",
        "{what} '{name}' does not cover this assessment's categories: {cats}",
    ),
    "expr.fact_in_formula": ("事实「{name}」只能用于名额调整", "fact '{name}' can only drive a quota change"),
    "banding.no_bands": ("等次「{name}」没有定义任何档", "banding '{name}' declares no band"),
    "banding.rest_twice": ("只能有一个「其余」档", "only one band may take the rest"),
    "banding.no_rest": ("等次「{name}」需要一个「其余」档来接收剩余对象", "banding '{name}' needs a band that takes the rest"),
    "banding.quota_after_rest": ("带名额的档「{band}」必须写在「其余」档之前", "quota band '{band}' must come before the rest band"),
    "banding.quota_sum": ("各档名额合计 {total} 超过 100%", "band quotas add up to {total}, more than 100%"),
    "banding.quota_adjust_band": ("只能调整带名额的档，「{band}」没有名额", "only a quota band can change its quota; '{band}' has none"),
    "banding.tiebreak_target": ("并列比较只能用考核的节或分项，「{name}」不是", "tie-break keys must be sections or components of the assessment; '{name}' is not"),
    "grades.weight": ("评议等级的权重必须在 0 到 1 之间", "a grade weight must lie between 0 and 1"),
    "assessment.empty": ("考核「{name}」没有任何节或分项", "assessment '{name}' has no section or component"),
    "assessment.base_and_total": ("写了「总分 =」公式时不能再写「基础分」", "a base score cannot be combined with a total formula"),
    "subject.parent_self": ("对象「{name}」不能以自己为上级", "subject '{name}' cannot be its own parent"),
    "rulebook.read": ("无法读取规则集文件：{reason}", "cannot read the rulebook: {reason}"),
}


# Chinese words that messages take as fields, and their English.
WORDS_EN = {
    "类别": "category", "对象": "subject", "度量": "metric", "事实": "fact", "评议等级": "grade scheme", "评议": "ballot group",
    "考核": "assessment", "等次": "banding", "假设": "assumption", "项目": "item", "节": "section", "分项": "component",
    "档": "band", "名称": "name", "周期": "period", "等级": "grade", "考核或度量": "assessment or metric", "金额": "the amount",
    "满分": "the maximum", "上限": "a cap", "每名": "the step", "舍入位数": "the rounding digits", "排名递减": "rank_decay",
    "满分、每名": "max and step", "月": "month", "季": "quarter", "半年": "half-year", "年": "year",
}


def _localize(key: str, value: object, lang: str) -> object:
    if key == "expected" and isinstance(value, tuple):
        from .parser import terminal_names  # the parser knows how each terminal reads

        names = terminal_names(lang)
        shown = sorted({names.get(t, t) for t in value})
        return ("、" if lang == "zh" else ", ").join(shown[:8])
    if key == "found" and isinstance(value, tuple):
        from .parser import terminal_names

        shown = terminal_names(lang).get(value[0], value[0])
        return f"{shown}「{value[1]}」" if len(value) > 1 and lang == "zh" else (f"{shown} '{value[1]}'" if len(value) > 1 else shown)
    if lang == "en" and key in ("what", "opt", "inner", "outer") and isinstance(value, str) and value in WORDS_EN:
        return WORDS_EN[value]
    return value


def message(code: str, lang: str | None = None, **fields: object) -> str:
    lang = lang or default_lang()
    zh, en = MESSAGES[code]
    template = en if lang == "en" else zh
    return template.format(**{k: _localize(k, v, lang) for k, v in fields.items()})


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a rulebook: where, what (a catalogue code with its fields), and hints."""

    span: Span
    code: str
    fields: tuple[tuple[str, object], ...] = ()
    hints: tuple[tuple[str, tuple[tuple[str, object], ...]], ...] = ()

    @classmethod
    def make(cls, span: Span, code: str, hints: Iterable[tuple[str, dict]] = (), **fields: object) -> "Diagnostic":
        return cls(span, code, tuple(sorted(fields.items())), tuple((c, tuple(sorted(f.items()))) for c, f in hints))

    def message(self, lang: str | None = None) -> str:
        text = message(self.code, lang, **dict(self.fields))
        for code, fields in self.hints:
            text += ("；" if (lang or default_lang()) == "zh" else "; ") + message(code, lang, **dict(fields))
        return text

    def render(self, source: str | None, lang: str | None = None) -> str:
        """``file:line:col: message``, then the source line and a caret under the span."""
        head = f"{self.span}: {self.message(lang)}"
        if source is None:
            return head
        lines = source.splitlines()
        if not 1 <= self.span.line <= len(lines):
            return head
        text = lines[self.span.line - 1]
        start = self.span.column - 1
        end = self.span.end_column - 1 if self.span.end_line == self.span.line else len(text)
        end = max(end, start + 1)
        pad = "".join("\t" if ch == "\t" else " " * display_width(ch) for ch in text[:start])
        marks = "^" * max(1, display_width(text[start:end]))
        gutter = f"{self.span.line:>5} | "
        return f"{head}\n{gutter}{text}\n{' ' * (len(gutter) - 2)}| {pad}{marks}"


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def did_you_mean(name: str, candidates: Iterable[str]) -> list[tuple[str, dict]]:
    """A hint naming the nearest candidates, or nothing when none is close."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=3, cutoff=0.5)
    return [("did_you_mean", {"names": "」「".join(close)})] if close else []


class PerfrulesError(Exception):
    """Base of every error perfrules raises on purpose."""


class RulebookError(PerfrulesError):
    """A rulebook that does not compile; carries every diagnostic found in the file."""

    def __init__(self, diagnostics: Sequence[Diagnostic], source: str | None = None):
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.span.file, d.span.line, d.span.column, d.code))
        self.source = source
        super().__init__(self.render())

    def render(self, lang: str | None = None) -> str:
        return "\n".join(d.render(self.source, lang) for d in self.diagnostics)


class DataError(PerfrulesError):
    """Input data that cannot be read at all (a missing file, a broken subjects list)."""


class QueryError(PerfrulesError):
    """A request naming something the rulebook or the result does not have."""


@dataclass
class DiagnosticSink:
    """Collects diagnostics so that a whole file is checked in one pass."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, span: Span, code: str, hints: Iterable[tuple[str, dict]] = (), **fields: object) -> None:
        self.items.append(Diagnostic.make(span, code, hints, **fields))

    def __bool__(self) -> bool:
        return bool(self.items)
