"""Scoring, one construct at a time, with exact Decimal results and the explanation lines behind them."""

from __future__ import annotations

import decimal

import pytest

from perfrules.errors import RulebookError

from conftest import (
    D, assert_accounting, book, evaluate, explain, fact, find, find_all, meas, occ, rejection, rejections, subj,
    sum_violations, vote,
)
from perfrules.evaluator import CONTEXT  # the evaluator's documented context: exact, divisions to 40 digits


def q(expr):
    """Evaluate a callable in the evaluator's decimal context (for expected values with a division)."""
    with decimal.localcontext(CONTEXT):
        return expr()

MONTHLY = book(
    """\
    类别 窗口
    对象 甲 类别 窗口
    对象 乙 类别 窗口
    考核 月考 周期 月 对象 窗口
      节 纪律 满分 10 【(一)】
        项 迟到 每次扣 0.5 分 【(一)1】
        项 办件 每件扣 1 分
        项 投诉 每起扣 0.5 分，情节严重 每起扣 3 分
        项 代办 每项扣 1 分
        项 公开 扣 2 分
        项 其他 酌情扣 0.1 至 0.3 分
        项 黄牌 每件扣 0.1 分 上限 0.3
    """
)


def month(*events, rb=MONTHLY, subject="甲", period="2022-03"):
    card = evaluate(rb, list(events))
    s = explain(card, subject, rb.assessments[0].name, period)
    assert sum_violations(s.explanation) == []
    return s


def item_line(s, name):
    return find(s.explanation, "item", name)


# ---------------------------------------------------------------- items


def test_no_events_means_no_deduction():
    s = month()
    assert s.score == 10
    assert find(s.explanation, "section", "纪律").lines[0].kind == "max"


def test_per_occurrence_deduction():
    s = month(occ("1", "甲", "迟到"), occ("2", "甲", "迟到", date="2022-03-11"), occ("3", "甲", "迟到", date="2022-03-31"))
    assert s.score == D("8.5")
    line = item_line(s, "迟到")
    assert line.amount == D("-1.5") and line.citation == "(一)1"
    (occurrences,) = line.lines
    assert occurrences.detail == {"count": 3, "unit": "次", "per": "0.5"}
    assert [e.id for e in line.events] == ["1", "2", "3"]


def test_count_field_stands_for_several_occurrences():
    assert month(occ("1", "甲", "迟到", count=3)).score == D("8.5")


def test_events_of_other_months_and_subjects_do_not_count():
    s = month(occ("1", "甲", "迟到", date="2022-04-01"), occ("2", "乙", "迟到"))
    assert s.score == 10


@pytest.mark.parametrize("item, unit", [("迟到", "次"), ("办件", "件"), ("投诉", "起"), ("代办", "项")])
def test_units(item, unit):
    s = month(occ("1", "甲", item, count=2))
    line = item_line(s, item)
    assert line.lines[0].detail["unit"] == unit
    assert line.amount == -2 * {"迟到": D("0.5"), "办件": D(1), "投诉": D("0.5"), "代办": D(1)}[item]


def test_one_off_amount_is_counted_once_however_many_occurrences():
    s = month(occ("1", "甲", "公开"), occ("2", "甲", "公开"), occ("3", "甲", "公开", count=4))
    assert s.score == 8
    line = item_line(s, "公开")
    assert line.amount == -2
    assert line.lines[0].detail == {"count": 6, "once": True, "per": "2"}
    # and again in the next month
    card = evaluate(MONTHLY, [occ("1", "甲", "公开"), occ("2", "甲", "公开", date="2022-04-02")])
    assert [explain(card, "甲", "月考", p).score for p in ("2022-03", "2022-04", "2022-05")] == [8, 8, 10]


def test_severity_tier():
    s = month(occ("1", "甲", "投诉"), occ("2", "甲", "投诉", tier="情节严重"), occ("3", "甲", "投诉", tier="情节严重"))
    assert s.score == D("3.5")
    line = item_line(s, "投诉")
    assert line.amount == D("-6.5")
    assert [(x.name, x.amount, x.detail["count"]) for x in line.lines] == [("一般", D("-0.5"), 1), ("情节严重", D(-6), 2)]


def test_discretionary_amount_in_range_is_counted_with_its_amount():
    s = month(occ("1", "甲", "其他", amount="0.1"), occ("2", "甲", "其他", amount="0.25"), occ("3", "甲", "其他", amount="0.3", count=2))
    assert s.score == D("9.05")
    line = item_line(s, "其他")
    assert line.amount == D("-0.95")
    assert line.lines[0].detail == {"count": 4, "unit": "次", "range": ["0.1", "0.3"], "amounts": "0.95"}
    assert [e.amount for e in line.events] == [D("0.1"), D("0.25"), D("0.3")]


def test_discretionary_amount_outside_range_or_missing_is_rejected():
    card = evaluate(MONTHLY, [occ("1", "甲", "其他", amount="0.31"), occ("2", "甲", "其他"), occ("3", "甲", "其他", amount="0")])
    assert rejections(card) == {"1": "amount_out_of_range", "2": "amount_required", "3": "amount_out_of_range"}
    assert "0.31" in rejection(card, "1").message
    assert explain(card, "甲", "月考", "2022-03").score == 10


def test_item_cap():
    s = month(occ("1", "甲", "黄牌", count=5))
    assert s.score == D("9.7")
    line = item_line(s, "黄牌")
    assert line.amount == D("-0.3")
    occurrences, cap = line.lines
    assert (occurrences.amount, cap.kind, cap.amount) == (D("-0.5"), "cap", D("0.2"))
    assert cap.detail == {"limit": "0.3", "absorbed": "0.2"}


# ---------------------------------------------------------------- sections


def test_section_floor_zero_absorbs_deductions_beyond_the_maximum():
    s = month(occ("1", "甲", "迟到", count=25))
    assert s.score == 0
    section = find(s.explanation, "section", "纪律")
    assert section.amount == 0
    assert section.detail["deducted"] == "12.5"
    floor = section.lines[-1]
    assert (floor.kind, floor.amount, floor.detail["absorbed"]) == ("floor", D("2.5"), "2.5")


def test_no_floor_lets_a_section_go_negative():
    rb = book("类别 窗口\n对象 甲 类别 窗口\n考核 月考 周期 月\n  节 纪律 满分 10 不设下限\n    项 迟到 每次扣 0.5 分\n")
    s = month(occ("1", "甲", "迟到", count=25), rb=rb)
    assert s.score == D("-2.5")
    assert find_all(s.explanation, "floor") == []


def test_declared_floor():
    rb = book("类别 窗口\n对象 甲 类别 窗口\n考核 月考 周期 月\n  节 纪律 满分 10 下限 -1\n    项 迟到 每次扣 0.5 分\n")
    s = month(occ("1", "甲", "迟到", count=25), rb=rb)
    assert s.score == -1
    assert find(s.explanation, "floor").amount == D("1.5")


BASE = book(
    """\
    类别 窗口
    对象 甲 类别 窗口
    考核 百分 周期 月 对象 窗口
      基础分 100
      节 加分项 加分上限 5
        项 表扬 每次加 1 分
      节 减分项 扣分上限 20
        项 违纪 每次扣 3 分
        项 迟到 每次扣 0.5 分
    """
)


def test_base_score_with_signed_sections():
    s = month(occ("1", "甲", "表扬", count=2), occ("2", "甲", "迟到", count=3), rb=BASE)
    assert s.score == D("100.5")
    assert [(x.kind, x.name, x.amount) for x in s.explanation.lines] == [
        ("base", "基础分", D(100)), ("section", "加分项", D(2)), ("section", "减分项", D("-1.5")),
    ]


def test_bonus_cap_and_deduction_cap():
    s = month(occ("1", "甲", "表扬", count=7), occ("2", "甲", "违纪", count=8), rb=BASE)
    assert s.score == 85
    bonus = find(s.explanation, "section", "加分项")
    assert bonus.amount == 5
    assert [(x.name, x.amount) for x in bonus.lines if x.kind == "cap"] == [("加分上限", D(-2))]
    deductions = find(s.explanation, "section", "减分项")
    assert deductions.amount == -20
    assert [(x.name, x.amount, x.detail["absorbed"]) for x in deductions.lines if x.kind == "cap"] == [("扣分上限", D(4), "4")]


def test_bonus_items_only_restore_points_up_to_the_section_maximum():
    rb = book(
        "类别 窗口\n对象 甲 类别 窗口\n考核 月考 周期 月\n  节 规范 满分 10\n"
        "    项 迟到 每次扣 1 分\n    项 表扬 每次加 1 分\n"
    )
    assert month(occ("1", "甲", "迟到", count=2), occ("2", "甲", "表扬"), rb=rb).score == 9
    s = month(occ("1", "甲", "迟到", count=2), occ("2", "甲", "表扬", count=3), rb=rb)
    assert s.score == 10
    cap = find(s.explanation, "cap")
    assert (cap.name, cap.amount, cap.detail["absorbed"]) == ("满分封顶", D(-1), "1")


def test_total_cap():
    rb = book(
        "类别 窗口\n对象 甲 类别 窗口\n考核 月考 周期 月\n  基础分 100\n  节 加分\n    项 表扬 每次加 1 分\n  总分 上限 102\n"
    )
    s = month(occ("1", "甲", "表扬", count=5), rb=rb)
    assert s.score == 102
    cap = s.explanation.lines[-1]
    assert (cap.kind, cap.amount, cap.detail) == ("cap", D(-3), {"limit": "102", "absorbed": "3"})


def test_total_floor():
    rb = book("类别 窗口\n对象 甲 类别 窗口\n考核 月考 周期 月\n  节 违纪\n    项 违纪 每次扣 3 分\n  总分 下限 -5\n")
    s = month(occ("1", "甲", "违纪", count=3), rb=rb)
    assert s.score == -5
    assert s.explanation.lines[-1].kind == "floor" and s.explanation.lines[-1].amount == 4


# ---------------------------------------------------------------- veto, disqualification, rounding

ANNUAL = book(
    """\
    类别 窗口
    类别 综合
    对象 甲 类别 窗口
    对象 乙 类别 窗口
    对象 丙 类别 窗口
    对象 丁 类别 综合
    对象 戊 类别 窗口 在考 2022-07-01
    度量 纪委评分 范围 0 至 5 周期 年 对象 窗口、综合
    度量 季度得分 范围 0 至 100 周期 季 对象 窗口、综合
    考核 月考 周期 月 对象 窗口、综合
      节 纪律 满分 100
        项 迟到 每次扣 0.5 分
        项 黄牌 每件扣 0.1 分
        项 事故 每件扣 10 分 一票否决
    考核 年考 周期 年 对象 窗口、综合
      分项 日常 满分 70 = 平均(月考) × 70%
      分项 纪委 = 纪委评分 × 2
      节 报送失实 不设下限
        项 瞒报 酌情扣 0.1 至 10 分 取消评先
      总分 = 日常 + 纪委 + 报送失实
      舍入 3 位 四舍五入
    考核 季考 周期 年 对象 窗口、综合
      分项 季合计 = 合计(季度得分)
      分项 季平均 = 平均(季度得分)
    等次 档次 依据 年考
      档 先进 名额 40% 评先
      档 合格 其余
    """
)


def annual_card(*events):
    return evaluate(ANNUAL, list(events))


def test_veto_zeroes_the_total_and_disqualifies():
    card = annual_card(occ("1", "甲", "事故"), occ("2", "甲", "迟到"))
    s = explain(card, "甲", "月考", "2022-03")
    assert s.score == 0
    veto = s.explanation.lines[-1]
    assert (veto.kind, veto.amount, veto.detail) == ("veto", D("-89.5"), {"items": ["事故"]})
    assert sum_violations(s.explanation) == []
    # the month's 0 feeds the average, and the subject loses its award eligibility for the year
    year = explain(card, "甲", "年考", "2022")
    assert "一票否决" not in year.disqualified  # the annual total itself was not vetoed …
    assert any("事故" in reason for reason in year.disqualified)  # … but 一票否决 implies 取消评先
    assert year.band == "合格"


def test_overturned_veto_does_not_veto():
    card = annual_card(occ("1", "甲", "事故", status="overturned"))
    assert explain(card, "甲", "月考", "2022-03").score == 100


def test_average_over_months():
    # 1.2 points deducted over the year: (12 × 100 − 1.2) ÷ 12 × 70% = 69.93
    card = annual_card(occ("1", "甲", "迟到", count=2, date="2022-01-05"), occ("2", "甲", "黄牌", count=2, date="2022-02-05"))
    daily = find(explain(card, "甲", "年考", "2022").explanation, "component", "日常")
    assert daily.amount == D("69.93")
    aggregate = find(daily, "aggregate")
    assert aggregate.amount == D("99.9") and aggregate.detail["periods"] == 12
    assert len(aggregate.inputs) == 12


def test_average_only_over_the_months_a_subject_was_active():
    card = annual_card(occ("1", "戊", "迟到", count=6, date="2022-07-05"))
    aggregate = find(explain(card, "戊", "年考", "2022").explanation, "aggregate")
    assert aggregate.detail["periods"] == 6
    assert aggregate.amount == D("99.5")  # (600 − 3) ÷ 6


def test_sum_and_average_of_a_quarterly_metric():
    card = annual_card(*(meas(f"q{i}", "甲", "季度得分", f"2022-Q{i}", v) for i, v in enumerate(["90", "95.5", "80", "100"], start=1)))
    s = explain(card, "甲", "季考", "2022")
    assert find(s.explanation, "component", "季合计").amount == D("365.5")
    assert find(s.explanation, "component", "季平均").amount == D("91.375")
    assert s.score == D("456.875")


def test_missing_metric_is_zero_with_a_warning():
    card = annual_card(meas("m1", "乙", "纪委评分", "2022", "4.5"))
    assert find(explain(card, "乙", "年考", "2022").explanation, "component", "纪委").amount == 9
    exp = card.explain("甲", "年考", "2022")
    assert find(exp.subject.explanation, "component", "纪委").amount == 0
    assert any("纪委评分" in w.message for w in exp.warnings)


def test_disqualify_item_deducts_and_removes_award_eligibility():
    events = [meas(f"m{s}", s, "纪委评分", "2022", v) for s, v in [("甲", "5"), ("乙", "4"), ("丙", "3"), ("丁", "2"), ("戊", "1")]]
    card = annual_card(*events, occ("x", "甲", "瞒报", amount="0.5", date="2022-11-01"))
    s = explain(card, "甲", "年考", "2022")
    assert find(s.explanation, "section", "报送失实").amount == D("-0.5")
    assert s.score == D("79.5")  # 70 + 10 − 0.5
    assert s.disqualified and "瞒报" in s.disqualified[0] and "x" in s.disqualified[0]
    assert s.band == "合格"
    assert any("已取消评先资格" in x["reason"] for x in s.band_explanation.detail["ineligible"])
    # 40% of 5 = 2: 甲 is passed over, the next two get the award band
    bands = card.result(explanations=False).assessments
    (annual,) = [a for a in bands if a.assessment == "年考"]
    assert annual.bandings[0].bands == {"先进": ["乙", "丙"], "合格": ["甲", "丁", "戊"]}


def test_rounding_of_the_total_is_shown():
    card = annual_card(occ("1", "甲", "黄牌", date="2022-05-02"))
    s = explain(card, "甲", "年考", "2022")
    # (1200 − 0.1) ÷ 12 × 70% = 69.99416666…
    assert s.score == D("69.994")
    assert str(s.exact_score).startswith("69.9941666")
    rounding = s.explanation.lines[-1]
    assert rounding.kind == "rounding" and rounding.amount == q(lambda: s.score - s.exact_score)
    assert rounding.detail["digits"] == 3 and rounding.detail["mode"] == "四舍五入"
    assert sum_violations(s.explanation) == []


@pytest.mark.parametrize(
    "mode, value, expected",
    [("四舍五入", "2.0005", "2.001"), ("银行家舍入", "2.0005", "2.000"), ("银行家舍入", "2.0015", "2.002"), ("去尾", "2.0009", "2.000"), ("进一", "2.0001", "2.001")],
)
def test_rounding_modes(mode, value, expected):
    rb = book(f"类别 窗口\n对象 甲 类别 窗口\n度量 值 周期 年\n考核 年考 周期 年\n  分项 X = 值\n  舍入 3 位 {mode}\n")
    card = evaluate(rb, [meas("m", "甲", "值", "2022", value)])
    assert str(explain(card, "甲", "年考", "2022").score) == expected


def test_rounding_to_many_digits_is_a_compile_error_not_a_crash():
    with pytest.raises(RulebookError) as err:
        book("类别 窗口\n对象 甲 类别 窗口\n考核 月考 周期 月\n  节 纪律 满分 95.5\n  舍入 50 位\n")
    assert [d.code for d in err.value.diagnostics] == ["value.digits"]
    rb = book("类别 窗口\n对象 甲 类别 窗口\n考核 月考 周期 月\n  节 纪律 满分 95.5\n  舍入 20 位\n")
    assert explain(evaluate(rb, []), "甲", "月考", "2022-03").score == D("95.5")


# ---------------------------------------------------------------- ballots and rank decay

RANKED = book(
    """\
    类别 窗口
    对象 甲 类别 窗口
    对象 乙 类别 窗口
    对象 丙 类别 窗口
    对象 丁 类别 窗口
    度量 值 周期 年
    评议等级 四档 非常满意 1、满意 0.9、一般 0.8、不满意 0.7
    评议 行风 等级 四档 上限 非常满意 30% 周期 年
    考核 年考 周期 年
      分项 竞争 = 排名递减(值, 满分 5, 每名 0.1)
      分项 密集 = 排名递减(值, 满分 5, 每名 0.1, 并列 密集排名)
      分项 低优 = 排名递减(值, 满分 5, 每名 0.1, 低者优先)
      分项 见底 = 排名递减(值, 满分 0.2, 每名 0.1)
      分项 评 = 评议(行风)
      分项 评排名 = 排名递减(评议(行风), 满分 10, 每名 0.5)
    """
)


def ranked(values: dict[str, str], *ballots):
    card = evaluate(RANKED, [meas(f"m{s}", s, "值", "2022", v) for s, v in values.items()] + list(ballots))
    return card, {s: explain(card, s, "年考", "2022") for s in "甲乙丙丁"}


def component(s, name):
    return find(s.explanation, "component", name).amount


def test_rank_decay_competition_ties():
    _, s = ranked({"甲": "5", "乙": "4", "丙": "4", "丁": "3"})
    assert [component(s[x], "竞争") for x in "甲乙丙丁"] == [5, D("4.9"), D("4.9"), D("4.7")]
    detail = find(s["乙"].explanation, "rank_decay").detail
    assert (detail["place"], detail["tied_with"], detail["population"], detail["ties"]) == (2, ["丙"], 4, "竞争排名")
    assert find(s["丁"].explanation, "rank_decay").detail["place"] == 4


def test_rank_decay_dense_ties():
    _, s = ranked({"甲": "5", "乙": "4", "丙": "4", "丁": "3"})
    assert [component(s[x], "密集") for x in "甲乙丙丁"] == [5, D("4.9"), D("4.9"), D("4.8")]


def test_rank_decay_lower_first():
    _, s = ranked({"甲": "5", "乙": "4", "丙": "4", "丁": "3"})
    assert [component(s[x], "低优") for x in "甲乙丙丁"] == [D("4.7"), D("4.9"), D("4.9"), 5]


def test_rank_decay_never_goes_below_zero():
    _, s = ranked({"甲": "5", "乙": "4", "丙": "3", "丁": "2"})
    assert [component(s[x], "见底") for x in "甲乙丙丁"] == [D("0.2"), D("0.1"), 0, 0]
    assert "不低于 0" in find(find(s["丁"].explanation, "component", "见底"), "rank_decay").detail["computation"]


def test_rank_decay_compares_exact_values():
    _, s = ranked({"甲": "4.36", "乙": "4.360", "丙": "4.359", "丁": "4.3600001"})
    assert [component(s[x], "竞争") for x in "丁甲乙丙"] == [5, D("4.9"), D("4.9"), D("4.7")]


def test_rank_decay_missing_value_scores_zero():
    _, s = ranked({"甲": "5", "乙": "4"})
    assert component(s["丙"], "竞争") == 0
    assert find(s["甲"].explanation, "rank_decay").detail["population"] == 2


BALLOTS = [
    vote("b1", "行风", "v1", {"甲": "非常满意", "乙": "满意", "丙": "一般", "丁": "不满意"}),
    vote("b2", "行风", "v2", {"甲": "满意", "乙": "满意", "丙": "满意", "丁": "满意"}),
    vote("b3", "行风", "v3", {"甲": "一般", "乙": "非常满意", "丙": "满意", "丁": "满意"}),
    vote("b4", "行风", "v4", {"甲": "非常满意", "乙": "非常满意", "丙": "满意", "丁": "满意"}),  # 2 of 4 > 30%: invalid
]


def test_ballot_value_is_the_weighted_mean_of_valid_votes():
    card, s = ranked({}, *BALLOTS)
    assert rejections(card) == {"b4": "ballot_invalid"}
    assert [component(s[x], "评") for x in "甲乙丙丁"] == [D("0.9"), q(lambda: D("2.8") / 3), q(lambda: D("2.6") / 3), q(lambda: D("2.5") / 3)]
    ballot = find(s["甲"].explanation, "ballot")
    assert ballot.detail["valid_votes"] == 3
    assert ballot.detail["grades"]["非常满意"] == {"votes": 1, "weight": "1"}
    assert ballot.detail["computation"] == "(1×1 + 1×0.9 + 1×0.8 + 0×0.7) ÷ 3 = 0.9"


def test_invalid_ballot_is_listed_in_the_ballot_explanation():
    card, s = ranked({}, *BALLOTS)
    (invalid,) = find(s["甲"].explanation, "ballot").detail["invalid_ballots"]
    assert invalid == {"id": "b4", "voter": "v4", "top": 2, "limit": "1.2", "rated": 4}
    assert "v4" in rejection(card, "b4").message
    assert_accounting(card, 4)


def test_ballot_with_exactly_the_allowed_share_is_valid():
    # 30% of 10 = 3 top grades allowed
    rb = book(
        "类别 窗口\n" + "".join(f"对象 S{i} 类别 窗口\n" for i in range(10))
        + "评议等级 两档 好 1、差 0.5\n评议 组 等级 两档 上限 好 30%\n考核 年考 周期 年\n  分项 评 = 评议(组)\n"
    )
    ok = {f"S{i}": ("好" if i < 3 else "差") for i in range(10)}
    bad = {f"S{i}": ("好" if i < 4 else "差") for i in range(10)}
    card = evaluate(rb, [vote("ok", "组", "v1", ok), vote("bad", "组", "v2", bad)])
    assert rejections(card) == {"bad": "ballot_invalid"}


def test_rank_decay_of_ballot_values():
    _, s = ranked({}, *BALLOTS)
    # values 0.9, 0.933…, 0.866…, 0.833…: places 2, 1, 3, 4
    assert [component(s[x], "评排名") for x in "甲乙丙丁"] == [D("9.5"), 10, 9, D("8.5")]


# ---------------------------------------------------------------- banding

BANDED = book(
    """\
    类别 窗口
    类别 综合
    度量 成绩 周期 年
    度量 日常分 周期 年
    事实 优秀 周期 年
    考核 年考 周期 年
      分项 日常 = 日常分
      分项 其他 = 成绩 - 日常分
      节 报送 不设下限
        项 瞒报 酌情扣 0.1 至 10 分 取消评先
        项 重大事故 每件扣 1 分 一票否决
      总分 = 日常 + 其他 + 报送
    等次 档次 依据 年考
      档 先进 名额 40% 仅限 窗口 评先
      档 良好 名额 40%
      档 合格 其余
      档 基本合格
      提档 合格 至 良好 当 得分 ≥ 第一名 × 85%
      降档 合格 至 基本合格 当 得分 < 第一名 × 70%
      若 优秀 则 先进 名额 加 10%
      并列比较 日常
    """
)


def band(scores: dict[str, tuple[str, str] | str], *events, categories: dict[str, str] | None = None):
    """Subjects S.. with total (and 日常) given; returns (banding result, {subject: SubjectResult})."""
    categories = categories or {}
    subjects = [subj(s, categories.get(s, "窗口")) for s in scores]
    data = []
    for s, v in scores.items():
        total, daily = (v, "0") if isinstance(v, str) else v
        data += [meas(f"t{s}", s, "成绩", "2022", total), meas(f"d{s}", s, "日常分", "2022", daily)]
    card = evaluate(BANDED, data + list(events), subjects=subjects)
    (annual,) = card.result().assessments
    return annual.bandings[0], {x.subject: x for x in annual.subjects}


def test_quotas_are_rounded_down_and_filled_from_the_top():
    # 7 subjects: 40% of 7 = 2.8 → 2 先进, 2 良好, the rest 合格
    result, _ = band({f"S{i}": str(100 - 5 * i) for i in range(7)})
    assert [(q["band"], q["exact"], q["size"]) for q in result.quotas] == [("先进", "2.8", 2), ("良好", "2.8", 2)]
    assert result.bands["先进"] == ["S0", "S1"] and result.bands["良好"] == ["S2", "S3"]
    assert result.bands["合格"] == ["S4", "S5", "S6"]


def test_only_restricts_a_band_to_categories():
    result, subjects = band({f"S{i}": str(100 - 5 * i) for i in range(5)}, categories={"S0": "综合"})
    # 40% of 5 = 2: S0 (综合) cannot be 先进 and goes to the next band instead
    assert result.bands["先进"] == ["S1", "S2"]
    assert result.bands["良好"] == ["S0", "S3"]
    assert subjects["S0"].band_explanation.detail["ineligible"][0]["band"] == "先进"


def test_award_band_excludes_disqualified_subjects():
    result, subjects = band({f"S{i}": str(100 - 5 * i) for i in range(5)}, occ("x", "S0", "瞒报", amount="0.1", date="2022-06-01"))
    assert subjects["S0"].score == D("99.9")
    assert result.bands["先进"] == ["S1", "S2"] and "S0" in result.bands["良好"]


def test_vetoed_subject_scores_zero_and_loses_the_award_band():
    result, subjects = band({f"S{i}": str(100 - 5 * i) for i in range(5)}, occ("x", "S0", "重大事故", date="2022-06-01"))
    s0 = subjects["S0"]
    assert s0.score == 0 and "一票否决" in s0.disqualified
    veto = s0.explanation.lines[-1]
    assert (veto.kind, veto.amount) == ("veto", D(-99))
    assert result.first_place == {"subject": "S1", "score": "95"}
    assert result.bands["先进"] == ["S1", "S2"] and result.bands["基本合格"] == ["S0"]


def test_a_monthly_veto_removes_award_eligibility_for_the_year():
    events = [meas("m甲", "甲", "纪委评分", "2022", "5")] + [meas(f"m{x}", x, "纪委评分", "2022", "0") for x in "乙丙丁戊"]
    card = annual_card(*events, occ("1", "甲", "事故", date="2022-03-01"))
    year = explain(card, "甲", "年考", "2022")
    assert year.score == q(lambda: (D(1100) / 12 * D("0.7") + 10).quantize(D("0.001"), rounding=decimal.ROUND_HALF_UP))
    assert year.rank == 1
    assert year.band == "合格"
    (annual,) = [a for a in card.result(explanations=False).assessments if a.assessment == "年考"]
    assert "甲" not in annual.bandings[0].bands["先进"] and len(annual.bandings[0].bands["先进"]) == 2


def test_promotion_and_demotion_relative_to_first_place():
    # 10 subjects: 4 先进, 4 良好, rest 合格; first place 100
    scores = {"S0": "100", "S1": "99", "S2": "98", "S3": "97", "S4": "96", "S5": "95", "S6": "94", "S7": "93", "S8": "85", "S9": "69.99"}
    result, subjects = band(scores)
    assert result.first_place == {"subject": "S0", "score": "100"}
    assert result.bands == {"先进": ["S0", "S1", "S2", "S3"], "良好": ["S4", "S5", "S6", "S7", "S8"], "合格": [], "基本合格": ["S9"]}
    assert [(mv["subject"], mv["kind"], mv["to"]) for mv in result.moves] == [("S8", "promote", "良好"), ("S9", "demote", "基本合格")]
    move = subjects["S8"].band_explanation.detail["moves"][0]
    assert (move["left"], move["right"], move["condition"]) == ("85", "85", "得分 ≥ 第一名 × 85%")


def test_first_place_counts_subjects_ineligible_for_the_top_band():
    scores = {"S0": "100", "S1": "60", "S2": "59", "S3": "58", "S4": "57"}
    result, _ = band(scores, categories={"S0": "综合"})
    assert result.first_place["subject"] == "S0"
    assert result.bands["先进"] == ["S1", "S2"]
    # 60 < 70% of 100, but the demotion only applies to 合格
    assert result.bands["基本合格"] == ["S4"]


def test_fact_driven_quota_change_cascades():
    scores = {f"S{i}": str(100 - 3 * i) for i in range(10)}  # 100 … 73: no promotion, no demotion
    without, _ = band(scores, fact("f", "优秀", False))
    assert [q["size"] for q in without.quotas] == [4, 4]
    with_fact, _ = band(scores, fact("f", "优秀", True))
    assert [(q["share"], q["size"]) for q in with_fact.quotas] == [("50%", 5), ("40%", 4)]
    assert with_fact.bands["先进"] == ["S0", "S1", "S2", "S3", "S4"]
    assert with_fact.bands["良好"] == ["S5", "S6", "S7", "S8"]
    assert with_fact.adjustments[0]["applied"] is True and with_fact.adjustments[0]["event"] == "f"


def test_tiebreak_keys_decide_a_tie_at_the_quota_boundary():
    # 5 subjects, 2 先进; S1 and S2 tie on 90 at the boundary, S2 has the higher 日常
    scores = {"S0": ("95", "60"), "S1": ("90", "60"), "S2": ("90", "65"), "S3": ("80", "60"), "S4": ("70", "60")}
    result, subjects = band(scores)
    assert result.bands["先进"] == ["S0", "S2"]
    assert result.ties == []
    assert subjects["S2"].band_explanation.detail["keys"] == ["90", "65"]


def test_a_tie_that_remains_at_the_quota_boundary_is_flagged():
    scores = {"S0": ("95", "60"), "S1": ("90", "60"), "S2": ("90", "60"), "S3": ("80", "60"), "S4": ("70", "60")}
    result, subjects = band(scores)
    (tie,) = result.ties
    assert tie["band"] == "先进" and sorted(tie["subjects"]) == ["S1", "S2"] and tie["score"] == "90"
    assert len(tie["inside"]) == 1
    assert subjects["S1"].band_explanation.detail["tie"] == tie


def test_rank_of_tied_totals_is_shared():
    _, subjects = band({"S0": "95", "S1": "90", "S2": "90", "S3": "80"})
    assert [subjects[s].rank for s in ("S0", "S1", "S2", "S3")] == [1, 2, 2, 4]


def test_quota_rounding_mode_can_be_declared():
    rb = book(
        "类别 窗口\n度量 成绩 周期 年\n考核 年考 周期 年\n  分项 X = 成绩\n"
        "等次 档次 依据 年考\n  档 先进 名额 40%\n  档 合格 其余\n  名额取整 进一\n"
    )
    card = evaluate(rb, [meas(f"m{i}", f"S{i}", "成绩", "2022", 100 - i) for i in range(7)], subjects=[subj(f"S{i}", "窗口") for i in range(7)])
    (q,) = card.result(explanations=False).assessments[0].bandings[0].quotas
    assert (q["exact"], q["size"], q["rounding"]) == ("2.8", 3, "进一")


# ---------------------------------------------------------------- the XX district rulebook end to end


def test_xx_district_window_year():
    from conftest import RULEBOOK_XX
    from perfrules import load_rulebook

    rb = load_rulebook(RULEBOOK_XX)
    events = [
        occ("o1", "公安", "迟到早退离岗", date="2022-03-02"),
        occ("o2", "公安", "投诉属实", tier="情节严重", date="2022-03-03"),
        occ("o3", "公安", "其他未按标准化", amount="0.2", date="2022-05-03"),
        occ("o4", "税务", "未按要求公开", date="2022-05-03"),
        occ("o5", "税务", "未按要求公开", date="2022-05-04"),
    ]
    card = evaluate(rb, events)
    assert rejections(card) == {}
    assert explain(card, "公安", "窗口月度", "2022-03").score == D("96.5")
    assert explain(card, "税务", "窗口月度", "2022-05").score == D(98)
    year = explain(card, "公安", "窗口年度", "2022")
    daily = find(year.explanation, "component", "日常考核")
    # (1200 − 3.5 − 0.2) ÷ 12 × 70% = 69.7841666…
    assert daily.amount == q(lambda: (D(1200) - D("3.7")) / 12 * D("0.7"))
    assert sum_violations(year.explanation) == []
