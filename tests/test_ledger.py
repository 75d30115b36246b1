"""Intake: every event is counted or rejected with a reason, and received == counted + rejected."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import (
    RULEBOOK_XX, accepted, assert_accounting, book, evaluate, explain, fact, meas, occ, rejection, rejections, subj, vote,
)
from perfrules import QueryError, load_rulebook
from perfrules.events import Malformed, Origin, read_events

RB = book(
    """\
    类别 单设窗口
    类别 分中心
    对象 公安 类别 单设窗口
    对象 市场监管 类别 单设窗口
    对象 档案 类别 单设窗口 在考 2022-07-01
    对象 婚姻登记分中心 类别 分中心
    度量 纪委评分 范围 0 至 5 周期 年 对象 单设窗口
    度量 季度得分 范围 0 至 100 周期 季 对象 分中心
    事实 本区考绩优秀 周期 年
    评议等级 四档 非常满意 1、满意 0.9、一般 0.8、不满意 0.7
    评议 行风 等级 四档 上限 非常满意 30% 周期 年 对象 单设窗口
    考核 窗口月度 周期 月 对象 单设窗口
      节 工作纪律 满分 25 【附件1 二(一)】
        项 迟到早退离岗 每次扣 0.5 分 【附件1 (一)1】
        项 会议迟到早退 每次扣 0.1 分 【附件1 (一)2①】
        项 投诉属实 每起扣 0.5 分，情节严重 每起扣 3 分 【附件1 (二)11④】
        项 其他未按标准化 酌情扣 0.1 至 0.3 分 【附件1 (二)14⑥】
        项 黄牌警告 每件扣 0.1 分 【附件1 (三)8③】
        项 红牌警告 每件扣 0.2 分 【附件1 (三)8③】
    """
)


def card_of(*events, **kw):
    return evaluate(RB, list(events), **kw)


# ---------------------------------------------------------------- accepted


def test_accepted_events_are_counted():
    card = card_of(
        occ("o1", "公安", "迟到早退离岗"),
        meas("m1", "公安", "纪委评分", "2022", "4.5"),
        meas("m2", "婚姻登记分中心", "季度得分", "2022-Q1", "95"),
        vote("b1", "行风", "监督员1", {"公安": "满意", "市场监管": "满意", "档案": "一般"}),
        fact("f1", "本区考绩优秀", True),
    )
    assert rejections(card) == {}
    assert_accounting(card, 5)
    acc = card.result(explanations=False).accounting
    assert acc.by_kind == {"ballot": 1, "fact": 1, "measure": 2, "occurrence": 1}


def test_item_by_clause():
    card = card_of(
        occ("o1", "公安", "(一)1"),
        occ("o2", "公安", "附件1 (一)1"),
        occ("o3", "公安", "（一）1"),  # full-width brackets
        occ("o4", "公安", "附件1（一）1"),
        occ("o5", "公安", "(一)2①"),
    )
    assert rejections(card) == {}
    item = explain(card, "公安", "窗口月度", "2022-03").explanation
    lines = {x.name: x for x in item.lines[0].lines if x.kind == "item"}
    assert lines["迟到早退离岗"].detail["count"] == 4 and lines["迟到早退离岗"].amount == Decimal("-2")
    assert lines["会议迟到早退"].amount == Decimal("-0.1")


def test_item_by_clause_in_the_xx_district_rulebook():
    rb = load_rulebook(RULEBOOK_XX)
    card = evaluate(rb, [occ("o1", "公安", "(三)8③", date="2022-05-06"), occ("o2", "公安", "（二）11④", date="2022-05-06", tier="情节严重")])
    assert rejections(card) == {}
    lines = [x for sec in explain(card, "公安", "窗口月度", "2022-05").explanation.lines for x in sec.lines if x.kind == "item"]
    assert [(x.name, x.amount) for x in lines] == [("投诉属实", Decimal(-3)), ("黄牌警告", Decimal("-0.1"))]


def test_ambiguous_clause_is_rejected_and_names_the_items():
    card = card_of(occ("o1", "公安", "(三)8③"), occ("o2", "公安", "（三）8③"))
    assert rejections(card) == {"o1": "ambiguous_item", "o2": "ambiguous_item"}
    for r in card.result(explanations=False).rejections:
        assert "黄牌警告" in r.message and "红牌警告" in r.message
    assert_accounting(card, 2)


# ---------------------------------------------------------------- rejection reasons


def test_unknown_subject_suggests_the_nearest():
    card = card_of(occ("o1", "市场监督", "迟到早退离岗"))
    r = rejection(card, "o1")
    assert r.reason == "unknown_subject"
    assert "市场监督" in r.message and "市场监管" in r.message


def test_unknown_item_suggests_the_nearest():
    card = card_of(occ("o1", "公安", "迟到早退离港"))
    r = rejection(card, "o1")
    assert r.reason == "unknown_item"
    assert "迟到早退离港" in r.message and "迟到早退离岗" in r.message


def test_duplicate_id():
    card = card_of(occ("o1", "公安", "迟到早退离岗"), occ("o1", "市场监管", "迟到早退离岗"))
    assert rejections(card) == {"o1": "duplicate_id"}
    assert explain(card, "公安", "窗口月度", "2022-03").score == Decimal("24.5")
    assert explain(card, "市场监管", "窗口月度", "2022-03").score == Decimal(25)
    assert_accounting(card, 2)


@pytest.mark.parametrize("date", ["2023-01-04", "2021-12-31", "2021-12-31T23:59:00+08:00"])
def test_outside_effective_dates(date):
    card = card_of(occ("o1", "公安", "迟到早退离岗", date=date))
    assert rejections(card) == {"o1": "outside_effective"}


def test_event_dates_are_read_in_the_rulebook_time_zone():
    # 2021-12-31 16:30 UTC is 2022-01-01 00:30 in Asia/Shanghai
    card = card_of(occ("o1", "公安", "迟到早退离岗", date="2021-12-31T16:30:00+00:00"))
    assert rejections(card) == {}
    assert explain(card, "公安", "窗口月度", "2022-01").score == Decimal("24.5")


def test_outside_the_period_scope():
    card = card_of(
        occ("o1", "公安", "迟到早退离岗", date="2022-03-31"),
        occ("o2", "公安", "迟到早退离岗", date="2022-04-01"),
        meas("m1", "公安", "纪委评分", "2022", "4"),
        period="2022-03",
    )
    assert rejections(card) == {"o2": "outside_period", "m1": "outside_period"}
    assert card.periods_of("窗口月度") == ["2022-03"]
    assert_accounting(card, 3)


def test_subject_inactive():
    card = card_of(occ("o1", "档案", "迟到早退离岗", date="2022-06-30"), occ("o2", "档案", "迟到早退离岗", date="2022-07-01"))
    assert rejections(card) == {"o1": "subject_inactive"}
    # a month in which the window did not exist is not a perfect month: it is not scored at all
    assert "2022-06" in card.periods_of("窗口月度")
    with pytest.raises(QueryError):
        card.explain("档案", "窗口月度", "2022-06")
    assert explain(card, "档案", "窗口月度", "2022-07").score == Decimal("24.5")


def test_subject_not_covered_by_the_items_assessment():
    card = card_of(occ("o1", "婚姻登记分中心", "迟到早退离岗"))
    assert rejections(card) == {"o1": "not_assessed"}


def test_unknown_tier():
    card = card_of(occ("o1", "公安", "迟到早退离岗", tier="情节严重"))
    assert rejections(card) == {"o1": "unknown_tier"}


def test_discretionary_amounts():
    card = card_of(
        occ("o1", "公安", "其他未按标准化", amount="0.1"),
        occ("o2", "公安", "其他未按标准化", amount="0.3"),
        occ("o3", "公安", "其他未按标准化", amount="0.5"),
        occ("o4", "公安", "其他未按标准化", amount="0.05"),
        occ("o5", "公安", "其他未按标准化"),
    )
    assert rejections(card) == {"o3": "amount_out_of_range", "o4": "amount_out_of_range", "o5": "amount_required"}
    assert explain(card, "公安", "窗口月度", "2022-03").score == Decimal("24.6")
    assert_accounting(card, 5)


def test_fixed_amount_must_match_the_rulebook():
    card = card_of(occ("o1", "公安", "迟到早退离岗", amount="1"), occ("o2", "公安", "迟到早退离岗", amount="0.50"))
    assert rejections(card) == {"o1": "amount_mismatch"}


def test_measure_period_kind_mismatch():
    card = card_of(
        meas("m1", "公安", "纪委评分", "2022-03", "4"),  # 纪委评分 is yearly
        meas("m2", "婚姻登记分中心", "季度得分", "2022", "90"),  # 季度得分 is quarterly
        meas("m3", "婚姻登记分中心", "季度得分", "2022-Q5", "90"),  # malformed
        meas("m4", "婚姻登记分中心", "季度得分", "2022-Q2", "90"),
    )
    assert rejections(card) == {"m1": "bad_period", "m2": "bad_period", "m3": "bad_period"}


def test_measure_checks():
    card = card_of(
        meas("m1", "公安", "纪委评分", "2022", "9.2"),
        meas("m2", "公安", "纪委评份", "2022", "4"),
        meas("m3", "公安", "纪委评分", "2022", "4"),
        meas("m4", "公安", "纪委评分", "2022", "4.1"),
        meas("m5", "婚姻登记分中心", "纪委评分", "2022", "4"),
        meas("m6", "公安", "纪委评分", "2023", "4"),
    )
    assert rejections(card) == {
        "m1": "value_out_of_range", "m2": "unknown_metric", "m4": "duplicate_measure", "m5": "not_assessed", "m6": "outside_effective",
    }
    assert "纪委评分" in rejection(card, "m2").message


def test_ballot_checks():
    card = card_of(
        vote("b1", "行风", "v1", {"公安": "满意", "市场监管": "满意", "档案": "满意"}),
        vote("b2", "行风", "v1", {"公安": "一般", "市场监管": "满意", "档案": "满意"}),  # same voter again
        vote("b3", "行风组", "v2", {"公安": "满意"}),
        vote("b4", "行风", "v3", {"婚姻登记分中心": "满意"}),
        vote("b5", "行风", "v4", {"公安": "很满意"}),
        vote("b6", "行风", "v5", {"公安": "非常满意", "市场监管": "非常满意", "档案": "满意"}),  # 2 of 3 > 30%
        vote("b7", "行风", "v6", {"公安": "满意"}, period="2022-H1"),
    )
    assert rejections(card) == {
        "b2": "duplicate_voter", "b3": "unknown_group", "b4": "ballot_subject", "b5": "unknown_grade", "b6": "ballot_invalid",
        "b7": "bad_period",
    }
    assert_accounting(card, 7)


def test_fact_checks():
    card = card_of(
        fact("f1", "本区考绩优秀", True),
        fact("f2", "本区考绩优秀", False),
        fact("f3", "本区优秀", True),
        fact("f4", "本区考绩优秀", True, period="2022-Q1"),
    )
    assert rejections(card) == {"f2": "duplicate_fact", "f3": "unknown_fact", "f4": "bad_period"}


def test_malformed_records_are_rejected_and_counted():
    bad = Malformed(Origin("events.jsonl", 3), "JSON 格式错误", None)
    card = card_of(occ("o1", "公安", "迟到早退离岗"), (bad, bad.origin))
    r = card.result(explanations=False).rejections
    assert [(x.reason, x.source, x.line) for x in r] == [("malformed", "events.jsonl", 3)]
    assert_accounting(card, 2)


def test_read_events_from_files(tmp_path):
    from perfrules import read_events

    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"kind":"occurrence","id":"o1","subject":"公安","item":"迟到早退离岗","date":"2022-03-01"}\n'
        '{"kind":"occurrence","id":"o2","subject":"公安"\n'
        '{"kind":"occurrence","id":"o3","subject":"公安","item":"迟到早退离岗","date":"2022-03-01","count":0}\n',
        encoding="utf-8",
    )
    records, digest = read_events([path])
    card = evaluate(RB, records, inputs_sha256=digest)
    r = card.result(explanations=False)
    assert [(x.id, x.reason, x.line) for x in r.rejections] == [(None, "malformed", 2), ("o3", "malformed", 3)]
    assert r.inputs_sha256 == digest
    assert_accounting(card, 3)


# ---------------------------------------------------------------- overturned


def test_overturned_occurrences_are_counted_never_deducted():
    card = card_of(
        occ("o1", "公安", "迟到早退离岗"),
        occ("o2", "公安", "迟到早退离岗", status="overturned"),
        occ("o3", "公安", "会议迟到早退", status="overturned", count=2),
    )
    assert rejections(card) == {}
    acc = card.result(explanations=False).accounting
    assert (acc.received, acc.counted, acc.rejected, acc.overturned) == (3, 3, 0, 2)
    s = explain(card, "公安", "窗口月度", "2022-03")
    assert s.score == Decimal("24.5")
    items = {x.name: x for x in s.explanation.lines[0].lines if x.kind == "item"}
    assert items["迟到早退离岗"].detail == {"count": 1, "overturned": 1}
    assert [(e.id, e.status) for e in items["迟到早退离岗"].events] == [("o1", "upheld"), ("o2", "overturned")]
    # an item with only overturned events still shows, with 0 points and its events
    assert items["会议迟到早退"].amount == 0 and items["会议迟到早退"].detail["overturned"] == 2
    assert items["会议迟到早退"].lines == []


# ---------------------------------------------------------------- accounting


def test_received_equals_counted_plus_rejected_on_a_mixed_feed():
    events = [
        occ("o1", "公安", "迟到早退离岗"),
        occ("o1", "公安", "迟到早退离岗"),
        occ("o2", "市场监督", "迟到早退离岗"),
        occ("o3", "公安", "迟到早退离港"),
        occ("o4", "公安", "迟到早退离岗", date="2023-01-01"),
        occ("o5", "档案", "迟到早退离岗", date="2022-01-05"),
        occ("o6", "公安", "其他未按标准化", amount="9"),
        occ("o7", "公安", "其他未按标准化"),
        occ("o8", "公安", "迟到早退离岗", status="overturned"),
        meas("m1", "公安", "纪委评分", "2022-01", "3"),
        meas("m2", "公安", "纪委评分", "2022", "3"),
        vote("b1", "行风", "v1", {"公安": "满意"}),
        vote("b2", "行风", "v1", {"公安": "满意"}),
        fact("f1", "本区考绩优秀", False),
    ]
    card = card_of(*events)
    assert_accounting(card, len(events))
    acc = card.result(explanations=False).accounting
    assert (acc.rejected, acc.counted, acc.overturned) == (9, 5, 1)
    assert acc.by_reason == {
        "amount_out_of_range": 1, "amount_required": 1, "bad_period": 1, "duplicate_id": 1, "duplicate_voter": 1,
        "outside_effective": 1, "subject_inactive": 1, "unknown_item": 1, "unknown_subject": 1,
    }
    assert accepted(card) == acc.counted


def test_subjects_supplied_with_the_data():
    card = evaluate(RB, [occ("o1", "新窗口", "迟到早退离岗")], subjects=[subj("新窗口", "单设窗口")])
    assert rejections(card) == {}
    assert explain(card, "新窗口", "窗口月度", "2022-03").score == Decimal("24.5")


# ---------------------------------------------------------------- data that is accepted but should not be


def test_measure_for_a_period_the_subject_was_not_active_is_rejected():
    rb = book(
        "类别 分中心\n对象 新分中心 类别 分中心 在考 2022-07-01\n度量 季度得分 范围 0 至 100 周期 季\n"
        "考核 年考 周期 年\n  分项 日常 = 平均(季度得分)\n"
    )
    card = evaluate(rb, [meas("q1", "新分中心", "季度得分", "2022-Q1", "10"), meas("q3", "新分中心", "季度得分", "2022-Q3", "90")])
    assert explain(card, "新分中心", "年考", "2022").score == 90  # Q1 is not used …
    assert rejections(card) == {"q1": "subject_inactive"}  # … so it must not be counted either


def test_absurd_measure_values_are_rejected_at_the_boundary(tmp_path):
    rb = book("类别 窗口\n对象 甲 类别 窗口\n度量 季值 周期 季\n考核 年考 周期 年\n  分项 合 = 合计(季值)\n")
    feed = tmp_path / "m.jsonl"
    feed.write_text(
        '{"id":"a","kind":"measure","subject":"甲","metric":"季值","period":"2022-Q1","value":"9E+999999"}\n'
        '{"id":"b","kind":"measure","subject":"甲","metric":"季值","period":"2022-Q2","value":"NaN"}\n'
        '{"id":"c","kind":"measure","subject":"甲","metric":"季值","period":"2022-Q3","value":"2.5"}\n', encoding="utf-8")
    records, _ = read_events([feed])
    card = evaluate(rb, records)
    assert [(r.event_id, r.reason) for r in card.ledger.rejections] == [("a", "malformed"), ("b", "malformed")]
    assert card.result().assessments[0].subjects[0].score == Decimal("2.5")
