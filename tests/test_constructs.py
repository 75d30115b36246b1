"""The constructs the other seed regulations need: rates and threshold tables, counts, staff with their
windows, escalation, streaks, durations in working days, top-N honours and notice statistics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import D, assert_accounting, book, evaluate, explain, find, meas, occ, rejection, score, sum_violations
from perfrules import Calendar, DataError, RulebookError

# ---------------------------------------------------------------- rates and threshold tables

RATES = book(
    """\
    类别 窗口
    对象 甲 类别 窗口
    对象 乙 类别 窗口
    对象 丙 类别 窗口
    度量 按时件数 周期 月
    度量 办结件数 周期 月
    考核 月考 周期 月
      分项 按时办结 满分 10 下限 0 = 10 - (100% - 按时件数 ÷ 办结件数) × 100 × 1 【一】
      分项 档位 = 分段(按时件数 ÷ 办结件数, ≥ 99% 则 5, > 95% 则 3, 其余 则 0) 【二】
      汇总 全厅按时办结率 = 按时件数 ÷ 办结件数
      汇总 达标窗口 = 个数(按时件数 ÷ 办结件数 ≥ 99%)
    """
)


def _rates(values: dict[str, tuple[str, str]]):
    events = []
    for i, (sid, (ontime, done)) in enumerate(values.items()):
        events += [meas(f"a{i}", sid, "按时件数", "2022-03", ontime), meas(f"b{i}", sid, "办结件数", "2022-03", done)]
    return evaluate(RATES, events)


def test_linear_rate_and_threshold_table():
    card = _rates({"甲": ("97", "100"), "乙": ("99", "100"), "丙": ("80", "100")})
    # 甲: 10 − 3 × 1 = 7; 97% > 95% → 3
    assert score(card, "甲", "月考", "2022-03") == D("10")
    assert find(explain(card, "甲", "月考", "2022-03").explanation, "component", "按时办结").amount == D("7")
    # 乙: 99% meets ≥ 99% (inclusive) → 5; 丙: 10 − 20 → −10, held at the floor 0; 80% → 其余 0
    assert score(card, "乙", "月考", "2022-03") == D("9") + D("5")
    c = find(explain(card, "丙", "月考", "2022-03").explanation, "component", "按时办结")
    assert c.amount == D("0") and [x.kind for x in c.lines] == ["formula", "floor"]
    assert sum_violations(explain(card, "丙", "月考", "2022-03").explanation) == []


def test_boundary_is_exclusive_with_greater_than():
    card = _rates({"甲": ("95", "100"), "乙": ("96", "100"), "丙": ("100", "100")})
    band = lambda sid: find(explain(card, sid, "月考", "2022-03").explanation, "component", "档位").amount  # noqa: E731
    assert (band("甲"), band("乙"), band("丙")) == (D("0"), D("3"), D("5"))


def test_summaries_sum_first_then_compute_and_count_subjects():
    card = _rates({"甲": ("97", "100"), "乙": ("99", "100"), "丙": ("80", "100")})
    stats = card.result("月考", "2022-03", explanations=False).assessments[0].statistics
    by = {x["name"]: x for x in stats.summaries}
    assert D(by["全厅按时办结率"]["value"]) == D("276") / D("300")
    assert by["达标窗口"]["value"] == "1"


def test_piecewise_must_end_with_rest():
    with pytest.raises(RulebookError) as err:
        book("类别 窗口\n度量 x 周期 月\n考核 月考 周期 月\n  分项 y = 分段(x, ≥ 1 则 1)\n")
    assert [d.code for d in err.value.diagnostics] == ["expr.piecewise_rest"]


# ---------------------------------------------------------------- staff and windows

STAFF = book(
    """\
    类别 窗口
    类别 人员
    对象 甲 类别 窗口
    对象 张三 类别 人员 上级 甲
    对象 李四 类别 人员 上级 甲
    对象 王五 类别 人员
    考核 人员月度 周期 月 对象 人员
      节 纪律 满分 10
        项 迟到 每次扣 1 分 连带 窗口迟到 50%
    考核 窗口月度 周期 月 对象 窗口
      节 窗口纪律 满分 10
        项 窗口迟到 每次扣 1 分
      分项 员工 = 下属平均(人员月度)
    """
)


def test_joint_posting_and_subordinates_average():
    card = evaluate(STAFF, [occ("1", "张三", "迟到", count=2), occ("2", "王五", "迟到")])
    e = explain(card, "甲", "窗口月度", "2022-03").explanation
    item = find(e, "item", "窗口迟到")
    assert item.amount == D("-1") and item.lines[0].detail["share"] == "50%"
    assert item.events[0].via == "张三 迟到 × 50%"
    # the window: 10 − 1 (joint) + average of 张三 8 and 李四 10
    assert score(card, "甲", "窗口月度", "2022-03") == D("9") + D("9")
    assert [w.message for w in card.warning_lines() if "王五" in w.message]  # no parent: not posted, said so
    assert_accounting(card, 2)


def test_joint_target_must_exist_and_count_per_occurrence():
    with pytest.raises(RulebookError) as err:
        book("类别 窗口\n考核 月考 周期 月\n  节 纪律 满分 5\n    项 a 每次扣 1 分 连带 不存在 50%\n    项 b 扣 1 分\n    项 c 每次扣 1 分 连带 b\n")
    assert sorted(d.code for d in err.value.diagnostics) == ["item.joint_target", "unknown.name"]


# ---------------------------------------------------------------- escalation and streaks

ESC = book(
    """\
    类别 窗口
    对象 甲 类别 窗口
    考核 月考 周期 月
      节 纪律 满分 20
        项 迟到 每次扣 0.5 分 自第 3 次起 每次扣 1 分 全年累计
        项 脏乱 每次扣 1 分 上限 5 分 自第 2 次起 每次扣 5 分
    """
)


def test_escalation_over_the_year_and_within_the_period():
    card = evaluate(ESC, [occ("1", "甲", "迟到", date="2022-02-10"), occ("2", "甲", "迟到", count=3),
                          occ("3", "甲", "脏乱", count=2)])
    # 迟到: 2nd at 0.5, 3rd and 4th at 1 → 2.5; 脏乱 "两次及以上此项不得分": 1 + 5 capped at 5
    e = explain(card, "甲", "月考", "2022-03").explanation
    assert find(e, "item", "迟到").amount == D("-2.5")
    assert find(e, "item", "脏乱").amount == D("-5")
    assert score(card, "甲", "月考", "2022-03") == D("12.5")


def test_streak_of_last_places():
    rb = book(
        """\
        类别 窗口
        对象 甲 类别 窗口
        对象 乙 类别 窗口
        考核 月度 周期 月
          节 纪律 满分 10
            项 迟到 每次扣 1 分
        考核 季度 周期 季
          分项 末位 = 分段(连续末位(月度), ≥ 2 则 -2, 其余 则 0)
        """
    )
    card = evaluate(rb, [occ("1", "甲", "迟到", date="2022-01-05"), occ("2", "甲", "迟到", date="2022-02-05"),
                         occ("3", "乙", "迟到", date="2022-03-05")])
    assert score(card, "甲", "季度", "2022-Q1") == D("-2")
    assert score(card, "乙", "季度", "2022-Q1") == D("0")


# ---------------------------------------------------------------- durations and working days

LATE = book(
    """\
    类别 窗口
    对象 甲 类别 窗口
    考核 月考 周期 月
      节 纪律 满分 10
        项 会议迟到 每次扣 0.1 分 当 超时时长 ≥ 3 分钟
        项 意见逾期 每次扣 0.5 分 当 超时时长 > 5 个工作日
        项 早退 每次扣 0.2 分 当 超时时长 ≤ -10 分钟
    """
)


def test_lateness_in_minutes_counts_only_when_met():
    card = evaluate(LATE, [
        occ("1", "甲", "会议迟到", date="2022-03-02T09:03:00+08:00", due="2022-03-02T09:00:00+08:00"),
        occ("2", "甲", "会议迟到", date="2022-03-03T09:02:59", due="2022-03-03T09:00:00"),
        occ("3", "甲", "早退", date="2022-03-04T17:40:00", due="2022-03-04T18:00:00"),
        occ("4", "甲", "会议迟到", date="2022-03-05"),
    ])
    e = explain(card, "甲", "月考", "2022-03").explanation
    item = find(e, "item", "会议迟到")
    assert item.amount == D("-0.1") and item.detail["not_met"] == 1  # "3分钟以上" includes 3 minutes
    assert find(e, "item", "早退").amount == D("-0.2")  # 20 minutes early
    assert rejection(card, "4").reason == "due_required"
    assert_accounting(card, 4)


def test_working_days_follow_the_national_calendar():
    # 2022-09-29 → 2022-10-12: 9-30, 10-08 and 10-09 (adjusted working weekend), 10-10, 10-11, 10-12 = 6
    card = evaluate(LATE, [occ("1", "甲", "意见逾期", date="2022-10-12", due="2022-09-29"),
                           occ("2", "甲", "意见逾期", date="2022-10-11", due="2022-09-29")])
    item = find(explain(card, "甲", "月考", "2022-10").explanation, "item", "意见逾期")
    assert item.amount == D("-0.5") and item.detail["not_met"] == 1


def test_an_uncovered_year_fails_loudly_and_a_hall_file_covers_it(tmp_path: Path):
    rb = book(LATE_2027, header=False)
    with pytest.raises(DataError, match="2027"):
        evaluate(rb, [occ("1", "甲", "意见逾期", date="2027-10-12", due="2027-09-29")])
    cal = tmp_path / "hall.json"
    cal.write_text(json.dumps({"years": [2027], "holidays": ["2027-10-01", "2027-10-04", "2027-10-05"]}), encoding="utf-8")
    card = evaluate(rb, [occ("1", "甲", "意见逾期", date="2027-10-12", due="2027-09-29")], calendar=Calendar.load(cal))
    # 9-30, 10-6, 10-7, 10-8, 10-11, 10-12: six working days, more than five
    assert score(card, "甲", "月考", "2027-10") == D("9.5")


LATE_2027 = '标题 "t"\n生效 2027-01-01 至 2027-12-31\n类别 窗口\n对象 甲 类别 窗口\n考核 月考 周期 月\n  节 纪律 满分 10\n    项 意见逾期 每次扣 0.5 分 当 超时时长 > 5 个工作日\n'


def test_calendar_file_errors_name_the_problem(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"workdays": ["2022-10-08"], "holidays": ["2022-10-08"]}), encoding="utf-8")
    with pytest.raises(DataError, match="2022-10-08"):
        Calendar.load(bad)


# ---------------------------------------------------------------- honours and notices

HONOURS = book(
    """\
    类别 窗口
    对象 甲 类别 窗口
    对象 乙 类别 窗口
    对象 丙 类别 窗口
    考核 月考 周期 月
      基础分 100
      节 加减分 扣分上限 20 加分上限 5
        项 表扬 每次加 1 分
        项 违纪 每次扣 2 分
      通报 前 1 名 后 1 名
    等次 荣誉 依据 月考
      档 流动红旗 名额 1 个 当 得分 > 100
    """
)


def test_top_n_honour_with_a_condition_and_notice_lists():
    card = evaluate(HONOURS, [occ("1", "甲", "表扬"), occ("2", "乙", "违纪"), occ("3", "甲", "表扬", date="2022-04-02")])
    march = card.result("月考", "2022-03", explanations=False).assessments[0]
    assert {s.subject: s.band for s in march.subjects} == {"甲": "流动红旗", "丙": None, "乙": None}
    st = march.statistics
    assert st.above_base == 1 and [r["subject"] for r in st.top] == ["甲"] and [r["subject"] for r in st.bottom] == ["乙"]
    # April: 甲 again; nobody else above 100, so one flag a month
    april = card.result("月考", "2022-04", explanations=False).assessments[0]
    assert [s.subject for s in april.subjects if s.band == "流动红旗"] == ["甲"]
    # May: nobody above 100 → the flag stays unawarded rather than going to someone who fails the condition
    may = card.result("月考", "2022-05", explanations=False).assessments[0]
    assert not [s for s in may.subjects if s.band == "流动红旗"]
