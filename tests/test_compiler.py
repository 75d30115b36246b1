"""Compiling statements into the rule model: both keyword surfaces, defaults, name checks, every error in one run."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

import pytest

from conftest import HEADER, RULEBOOK_XX, book, evaluate, occ, strip_model
from perfrules import RulebookError, compile_rulebook, load_rulebook
from perfrules import model as m

ZH = """\
标题 "t"
生效 2022-01-01 至 2022-12-31
舍入方式 四舍五入
假设 A1 "读法" 【三】
类别 窗口 "w"
类别 综合
对象 甲 类别 窗口 名称 "甲窗口"
对象 乙 类别 综合 上级 甲 在考 2022-07-01 至 2022-12-31
度量 纪委评分 范围 0 至 5 周期 年 对象 窗口、综合
事实 优秀 周期 年
评议等级 四档 非常满意 1、满意 0.9、一般 0.8、不满意 0.7
评议 行风 等级 四档 上限 非常满意 30% 周期 年 对象 窗口、综合 假设 A1
考核 月考 "月" 周期 月 对象 窗口、综合 【附件1】
  节 纪律 满分 25 【(一)】 "纪律"
    项 迟到 每次扣 0.5 分 【(一)1】
    项 投诉 每起扣 0.5 分，情节严重 每起扣 3 分
    项 其他 酌情扣 0.1 至 0.3 分 上限 1
    项 公开 扣 2 分 取消评先
    项 事故 每件扣 10 分 一票否决
    项 代办 每项扣 1 分
  节 加分 加分上限 5 扣分上限 3 下限 -1
    项 表扬 每次加 1 分
考核 年考 周期 年 对象 窗口、综合
  分项 日常 满分 70 = 平均(月考) × 70%
  分项 纪委 = 排名递减(纪委评分, 满分 5, 每名 0.1, 并列 密集排名, 低者优先)
  分项 评 = 排名递减(评议(行风), 满分 5, 每名 0.1)
  总分 = 日常 + 纪委 + 评
  总分 上限 100 下限 0
  舍入 3 位 四舍五入
等次 档次 依据 年考
  档 先进 名额 40% 仅限 窗口 评先
  档 良好 名额 40%
  档 合格 其余
  档 基本合格
  提档 合格 至 良好 当 得分 ≥ 第一名 × 85%
  降档 合格 至 基本合格 当 得分 < 第一名 × 70%
  若 优秀 则 先进 名额 加 10%
  名额取整 向下
  并列比较 日常、纪委
"""

EN = """\
title "t"
effective 2022-01-01 to 2022-12-31
rounding_mode half_up
assumption A1 "读法" [三]
category 窗口 "w"
category 综合
subject 甲 category 窗口 name "甲窗口"
subject 乙 category 综合 parent 甲 active 2022-07-01 to 2022-12-31
metric 纪委评分 range 0 to 5 period year subjects 窗口, 综合
fact 优秀 period year
grades 四档 非常满意 1, 满意 0.9, 一般 0.8, 不满意 0.7
ballot 行风 grades 四档 cap 非常满意 30% period year subjects 窗口, 综合 assumption A1
assessment 月考 "月" period month subjects 窗口, 综合 [附件1]
  section 纪律 max 25 [(一)] "纪律"
    item 迟到 deduct 0.5 per occurrence [(一)1]
    item 投诉 deduct 0.5 per incident, 情节严重 deduct 3 per incident
    item 其他 discretionary deduct 0.1 to 0.3 points cap 1
    item 公开 deduct 2 points disqualify
    item 事故 deduct 10 per case veto
    item 代办 deduct 1 per task
  section 加分 bonus_cap 5 deduction_cap 3 floor -1
    item 表扬 add 1 per occurrence
assessment 年考 period year subjects 窗口, 综合
  component 日常 max 70 = avg(月考) * 70%
  component 纪委 = rank_decay(纪委评分, max 5, step 0.1, ties dense, lower_first)
  component 评 = rank_decay(ballot(行风), max 5, step 0.1)
  total = 日常 + 纪委 + 评
  total cap 100 floor 0
  round 3 digits half_up
banding 档次 of 年考
  band 先进 quota 40% only 窗口 award
  band 良好 quota 40%
  band 合格 rest
  band 基本合格
  promote 合格 to 良好 when score >= first * 85%
  demote 合格 to 基本合格 when score < first * 70%
  if 优秀 then 先进 quota add 10%
  quota_rounding down
  tiebreak 日常, 纪委
"""


def compile_error(text: str) -> RulebookError:
    with pytest.raises(RulebookError) as info:
        compile_rulebook(text, "t.rules")
    return info.value


def diag(err: RulebookError) -> list[tuple[int, str]]:
    return [(d.span.line, d.code) for d in err.diagnostics]


def hints(err: RulebookError, code: str = "unknown.name") -> list[list[str]]:
    """The did-you-mean suggestions of each diagnostic with ``code``, nearest first."""
    return [
        [n for h in d.hints if h[0] == "did_you_mean" for n in dict(h[1])["names"].split("」「")]
        for d in err.diagnostics
        if d.code == code
    ]


# ---------------------------------------------------------------- two keyword surfaces


def test_both_keyword_surfaces_compile_to_equal_models():
    assert strip_model(compile_rulebook(ZH, "zh.rules")) == strip_model(compile_rulebook(EN, "en.rules"))


def test_simplest_item_in_both_surfaces():
    prelude = "类别 窗口\n考核 月考 周期 月 对象 窗口\n  节 纪律 满分 10\n"
    zh = book(prelude + "    项 迟到 每次扣 0.5 分\n")
    en = book(prelude + "    item 迟到 deduct 0.5 per occurrence\n")
    assert strip_model(zh) == strip_model(en)
    assert zh.items()[0].amount == m.Amount(-1, Decimal("0.5"), None, "次", zh.items()[0].amount.span)


def test_surfaces_may_be_mixed_on_one_line():
    prelude = "category 窗口\nassessment 月考 周期 month 对象 窗口\n  节 纪律 max 10\n"
    mixed = book(prelude + "    项 迟到 deduct 0.5 分 per occurrence 上限 2 points\n")
    zh = book("类别 窗口\n考核 月考 周期 月 对象 窗口\n  节 纪律 满分 10\n    项 迟到 每次扣 0.5 分 上限 2 分\n")
    assert strip_model(mixed) == strip_model(zh)


def test_the_strip_helper_only_drops_positions_and_formula_texts():
    a = book("类别 窗口\n度量 值 周期 月\n考核 月考 周期 月\n  分项 X = 值 × 2\n")
    b = book("类别 窗口\n度量 值 周期 月\n考核 月考 周期 月\n  分项 X = 值*2\n")
    c = book("类别 窗口\n度量 值 周期 月\n考核 月考 周期 月\n  分项 X = 值 × 3\n")
    assert strip_model(a) == strip_model(b)
    assert strip_model(a) != strip_model(c)


# ---------------------------------------------------------------- what the model holds


def test_model_contents_and_defaults():
    rb = compile_rulebook(ZH, "t.rules")
    assert rb.timezone == "Asia/Shanghai" and rb.rounding_mode == ROUND_HALF_UP
    assert [s.id for s in rb.subjects] == ["甲", "乙"]
    yi = rb.subjects[1]
    assert (yi.name, yi.category, yi.parent, str(yi.active_from), str(yi.active_to)) == ("乙", "综合", "甲", "2022-07-01", "2022-12-31")
    monthly, annual = rb.assessments
    assert monthly.period is m.PeriodKind.MONTH and annual.period is m.PeriodKind.YEAR
    assert monthly.label == "月" and monthly.citation.text == "附件1"
    discipline, bonus = monthly.sections
    assert (discipline.max, discipline.floor, discipline.bonus_cap, discipline.deduction_cap) == (Decimal(25), Decimal(0), None, None)
    assert (bonus.max, bonus.floor, bonus.bonus_cap, bonus.deduction_cap) == (None, Decimal(-1), Decimal(5), Decimal(3))
    items = {it.name: it for it in rb.items()}
    assert [it.amount.per_unit for it in discipline.items] == ["次", "起", "次", None, "件", "项"]
    complaint = items["投诉"]
    assert complaint.tiers[0].name == "情节严重" and complaint.tiers[0].amount.low == Decimal(3) and complaint.tiers[0].amount.per_unit == "起"
    other = items["其他"]
    assert other.amount.discretionary and (other.amount.low, other.amount.high) == (Decimal("0.1"), Decimal("0.3"))
    assert other.amount.per_unit == "次"  # a discretionary amount is per occurrence
    assert other.cap == Decimal(1)
    assert items["公开"].disqualify and not items["公开"].veto
    assert items["事故"].veto and items["事故"].disqualify  # a veto implies 取消评先
    assert items["表扬"].amount.sign == 1
    assert items["迟到"].citation.text == "(一)1" and discipline.label == "纪律"
    assert [c.name for c in annual.components] == ["日常", "纪委", "评"]
    daily, disc, ballot = annual.components
    assert daily.max == Decimal(70) and daily.formula == "平均(月考) × 70%"
    assert isinstance(daily.expr, m.BinOp) and daily.expr.left == m.Aggregate("avg", "月考", daily.expr.left.span, "assessment")
    assert (disc.expr.full, disc.expr.step, disc.expr.ties, disc.expr.lower_first) == (Decimal(5), Decimal("0.1"), "dense", True)
    assert (ballot.expr.ties, ballot.expr.lower_first) == ("competition", False)
    assert isinstance(ballot.expr.value, m.BallotValue)
    assert annual.total_formula == "日常 + 纪委 + 评"
    assert (annual.total_cap, annual.total_floor) == (Decimal(100), Decimal(0))
    assert (annual.rounding.digits, annual.rounding.mode) == (3, ROUND_HALF_UP)
    (banding,) = rb.bandings
    assert [(b.name, b.quota, b.rest, b.only, b.award) for b in banding.bands] == [
        ("先进", Decimal("0.4"), False, ("窗口",), True),
        ("良好", Decimal("0.4"), False, (), False),
        ("合格", None, True, (), False),
        ("基本合格", None, False, (), False),
    ]
    assert [(mv.kind, mv.from_band, mv.to_band, mv.condition.op) for mv in banding.moves] == [
        ("promote", "合格", "良好", ">="),
        ("demote", "合格", "基本合格", "<"),
    ]
    assert [(a.fact, a.band, a.delta) for a in banding.adjusts] == [("优秀", "先进", Decimal("0.1"))]
    assert banding.quota_rounding == ROUND_DOWN and banding.tiebreak == ("日常", "纪委")
    group = rb.ballots[0]
    assert (group.top_grade, group.top_limit, group.assumptions) == ("非常满意", Decimal("0.3"), ("A1",))
    assert group.scheme.weight("一般") == Decimal("0.8")


@pytest.mark.parametrize(
    "section, floor",
    [("节 纪律 满分 10", Decimal(0)), ("节 纪律 满分 10 不设下限", None), ("节 纪律 满分 10 下限 -2", Decimal(-2)), ("节 纪律", None)],
)
def test_section_floor_defaults(section, floor):
    rb = book(f"类别 窗口\n考核 月考 周期 月\n  {section}\n")
    assert rb.assessments[0].sections[0].floor == floor


@pytest.mark.parametrize(
    "words, mode",
    [("四舍五入", ROUND_HALF_UP), ("银行家舍入", ROUND_HALF_EVEN), ("四舍六入五成双", ROUND_HALF_EVEN), ("去尾", ROUND_DOWN), ("进一", ROUND_UP), ("", ROUND_HALF_EVEN)],
)
def test_rounding_mode_defaults_to_the_file_mode(words, mode):
    rb = compile_rulebook(HEADER + f"舍入方式 银行家舍入\n类别 窗口\n考核 月考\n  节 纪律 满分 10\n  舍入 2 位 {words}\n", "t.rules")
    assert rb.assessments[0].rounding.mode == mode


def test_subject_display_name_is_kept():
    rb = compile_rulebook(ZH, "t.rules")
    assert rb.subjects[0].name == "甲窗口"
    xx = load_rulebook(RULEBOOK_XX)
    assert {s.id: s.name for s in xx.subjects}["税务分中心"] == "区税务分中心"


def test_names_may_be_used_before_their_declaration():
    rb = book("考核 月考 周期 月 对象 窗口\n  节 纪律 满分 10\n类别 窗口\n对象 甲 类别 窗口\n")
    assert rb.subjects[0].category == "窗口"


def test_the_xx_district_rulebook_compiles():
    rb = load_rulebook(RULEBOOK_XX)
    assert [a.id for a in rb.assumptions] == [f"A{i}" for i in range(1, 16)]
    assert [c.name for c in rb.categories] == ["单设窗口", "综合窗口", "分中心"]
    by_category = {c.name: [s.id for s in rb.subjects if s.category == c.name] for c in rb.categories}
    assert [len(v) for v in by_category.values()] == [24, 9, 4]
    assert "税务" in by_category["单设窗口"] and "税务分中心" in by_category["分中心"]
    assert [a.name for a in rb.assessments] == ["窗口月度", "窗口年度", "分中心年度"]
    monthly = rb.assessment("窗口月度")
    assert [(s.name, s.max) for s in monthly.sections] == [("工作纪律", 25), ("工作规范", 20), ("办件管理", 50), ("其余考核内容", 5)]
    assert sum(s.max for s in monthly.sections) == 100
    items = {it.name: it for it in rb.items()}
    assert items["投诉属实"].tiers[0].amount.low == 3
    assert (items["其他未按标准化"].amount.low, items["其他未按标准化"].amount.high) == (Decimal("0.1"), Decimal("0.3"))
    assert items["未按要求公开"].amount.per_unit is None
    assert items["瞒报错报漏报"].disqualify
    annual = rb.assessment("窗口年度")
    assert annual.rounding.digits == 3 and annual.rounding.mode == ROUND_HALF_UP
    windows = rb.bandings[0]
    assert windows.tiebreak == ("日常考核",) and windows.adjusts[0].delta == Decimal("0.1")


# ---------------------------------------------------------------- did you mean


def test_misspelt_category_suggests_the_declared_one():
    err = compile_error(HEADER + "类别 单设窗口\n对象 公安 类别 单设窗囗\n")
    assert diag(err) == [(4, "unknown.name")]
    assert hints(err) == [["单设窗口"]]
    assert "是否想写「单设窗口」？" in err.render("zh")


def test_misspelt_assessment_suggests_the_declared_one():
    err = compile_error(
        HEADER
        + "类别 窗口\n考核 窗口月度 周期 月\n  节 纪律 满分 10\n考核 窗口年度 周期 年\n  分项 日常 = 平均(窗口月考)\n"
        + "等次 档次 依据 窗口年考\n  档 合格 其余\n"
    )
    assert diag(err) == [(7, "unknown.name"), (8, "unknown.name")]
    assert [h[0] for h in hints(err)] == ["窗口月度", "窗口年度"]


def test_misspelt_metric_in_a_formula_suggests_it():
    err = compile_error(HEADER + "类别 窗口\n度量 纪委评分\n考核 年考 周期 年\n  分项 纪委 = 排名递减(纪委评份, 满分 5, 每名 0.1)\n")
    assert diag(err) == [(6, "unknown.name")]
    assert hints(err)[0][0] == "纪委评分"


def test_no_suggestion_when_nothing_is_close():
    err = compile_error(HEADER + "类别 单设窗口\n对象 公安 类别 分中心\n")
    assert hints(err) == [[]]
    assert "是否想写" not in str(err)


# ---------------------------------------------------------------- semantic errors, all in one run


def test_every_semantic_error_of_a_file_is_reported():
    text = HEADER + "\n".join(
        [
            "类别 窗口",  # 3
            "类别 窗口",  # 4 dup.name
            "事实 优秀",  # 5
            "度量 季值 周期 季",  # 6
            "考核 月考 周期 月",  # 7
            "  节 纪律 满分 10 下限 20",  # 8 value.floor_above_max
            "    项 投诉 每起扣 0.5 分，严重 每件扣 3 分",  # 9 item.tier_unit
            "    项 迟到 每次扣 0 分",  # 10 value.positive
            "  分项 甲 = 乙",  # 11 expr.cycle (reported on one of them)
            "  分项 乙 = 甲 + 优秀",  # 12 expr.fact_in_formula
            "  分项 丙 = 季值",  # 13 expr.period_mismatch
            "  分项 丁 = 得分",  # 14 expr.condition_only
            "  基础分 100",  # 15 (ok alone)
            "  总分 = 纪律",  # 16 → base_and_total reported at 15
            "等次 档次 依据 月考",  # 17 banding.quota_sum
            "  档 先进 名额 60%",
            "  档 良好 名额 50%",
            "  档 合格",  # 20 → banding.no_rest at 17
            "  并列比较 迟到",  # 21 banding.tiebreak_target
        ]
    ) + "\n"
    err = compile_error(text)
    found = set(diag(err))
    for expected in [
        (4, "dup.name"),
        (8, "value.floor_above_max"),
        (9, "item.tier_unit"),
        (10, "value.positive"),
        (12, "expr.fact_in_formula"),
        (13, "expr.period_mismatch"),
        (14, "expr.condition_only"),
        (15, "assessment.base_and_total"),
        (17, "banding.quota_sum"),
        (17, "banding.no_rest"),
        (21, "banding.tiebreak_target"),
    ]:
        assert expected in found, expected
    assert any(code == "expr.cycle" for _, code in found)
    assert err.diagnostics == sorted(err.diagnostics, key=lambda d: (d.span.line, d.span.column, d.code))


def test_missing_title_and_effective_are_reported_at_line_one():
    err = compile_error("类别 窗口\n")
    assert diag(err) == [(1, "missing.header"), (1, "missing.header")]


def test_blocks_must_be_open():
    err = compile_error(HEADER + "  节 纪律 满分 10\n    项 迟到 每次扣 1 分\n  档 合格 其余\n")
    assert diag(err) == [(3, "block.no_assessment"), (4, "block.no_section"), (5, "block.no_banding")]


def test_item_names_are_unique_across_the_rulebook():
    err = compile_error(
        HEADER + "类别 窗口\n考核 甲考 周期 月\n  节 纪律 满分 10\n    项 迟到 每次扣 1 分\n"
        "考核 乙考 周期 月\n  节 纪律 满分 10\n    项 迟到 每次扣 1 分\n"
    )
    assert diag(err) == [(9, "dup.name")]


def test_averaging_needs_a_strictly_shorter_period():
    err = compile_error(HEADER + "类别 窗口\n度量 年值 周期 年\n考核 年考 周期 年\n  分项 X = 平均(年值)\n")
    assert diag(err) == [(6, "expr.not_finer")]


def test_metric_must_cover_the_assessment_categories():
    err = compile_error(HEADER + "类别 窗口\n类别 分中心\n度量 值 周期 年 对象 窗口\n考核 年考 周期 年\n  分项 X = 值\n")
    assert diag(err) == [(7, "expr.categories")]


# ---------------------------------------------------------------- crashes instead of diagnostics


def test_incomplete_rank_decay_in_a_total_is_a_diagnostic():
    err = compile_error(HEADER + "类别 窗口\n度量 值 周期 月\n考核 月考 周期 月\n  分项 X = 值\n  总分 = 排名递减(值)\n")
    assert "expr.rank_decay_options" in [d.code for d in err.diagnostics]


def test_incomplete_rank_decay_inside_a_formula_is_a_diagnostic():
    err = compile_error(HEADER + "类别 窗口\n度量 值 周期 月\n考核 月考 周期 月\n  分项 X = 排名递减(值) × 2\n")
    assert "expr.rank_decay_options" in [d.code for d in err.diagnostics]


def test_incomplete_rank_decay_as_a_whole_component_is_a_diagnostic():
    err = compile_error(HEADER + "类别 窗口\n度量 值 周期 月\n考核 月考 周期 月\n  分项 X = 排名递减(值)\n")
    assert diag(err) == [(6, "expr.rank_decay_options")]


def test_tier_with_opposite_sign_is_rejected_or_scored_with_its_own_sign():
    try:
        rb = book("类别 窗口\n对象 甲 类别 窗口\n考核 月考 周期 月\n  节 纪律\n    项 迟到 每次扣 1 分，表扬 每次加 2 分\n")
    except RulebookError:
        return  # refusing the rulebook is a fine answer
    card = evaluate(rb, [occ("1", "甲", "迟到", tier="表扬")])
    item = card.explain("甲", "月考", "2022-03").subject.explanation.lines[0].lines[0]
    assert item.amount == sum(x.amount for x in item.lines) == Decimal(2)
