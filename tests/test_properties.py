"""Properties that must hold for any data and any rulebook (Hypothesis, derandomized; see conftest)."""

from __future__ import annotations

import decimal
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import (
    assert_accounting, book, evaluate, examples, fact, meas, occ, strip_model, subj, sum_violations, vote, walk,
)
from perfrules import RulebookError, compile_rulebook

MONTHS = [f"2022-{m:02d}" for m in range(1, 13)]

# ---------------------------------------------------------------- a rulebook with every deduction construct

DEDUCTIONS = book(
    """\
    类别 窗口
    类别 综合
    对象 甲 类别 窗口
    对象 乙 类别 窗口
    对象 丙 类别 综合 在考 2022-04-01 至 2022-09-30
    考核 月考 周期 月 对象 窗口、综合
      节 纪律 满分 5
        项 迟到 每次扣 0.5 分
        项 投诉 每起扣 0.5 分，情节严重 每起扣 3 分
        项 公开 扣 2 分
        项 其他 酌情扣 0.1 至 0.3 分
        项 黄牌 每件扣 0.1 分 上限 0.3
        项 事故 每件扣 10 分 一票否决
      节 规范 满分 3 下限 1
        项 着装 每次扣 0.4 分
      节 办件 满分 4 不设下限 扣分上限 3
        项 超时 每件扣 1 分
      节 占位 满分 1
    考核 年考 周期 年 对象 窗口、综合
      分项 日常 满分 70 = 平均(月考) × 70%
      节 报送 不设下限
        项 瞒报 酌情扣 0.1 至 10 分 取消评先
      总分 = 日常 + 报送 + 30
      舍入 3 位 四舍五入
    """
)
ITEMS = ["迟到", "投诉", "公开", "其他", "黄牌", "事故", "着装", "超时", "瞒报"]
DISCRETIONARY = {"其他": ("0.1", "0.3"), "瞒报": ("0.1", "10")}


@st.composite
def deduction_event(draw, id: str):
    item = draw(st.sampled_from(ITEMS))
    kw: dict = {"count": draw(st.integers(1, 3))}
    if item in DISCRETIONARY:
        low, high = (Decimal(x) for x in DISCRETIONARY[item])
        tenths = draw(st.integers(int(low * 10), int(high * 10)))
        kw["amount"] = str(Decimal(tenths) / 10)
    if item == "投诉" and draw(st.booleans()):
        kw["tier"] = "情节严重"
    if draw(st.integers(0, 9)) == 0:
        kw["status"] = "overturned"
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28))
    return occ(id, draw(st.sampled_from(["甲", "乙", "丙"])), item, date=f"2022-{month:02d}-{day:02d}", **kw)


deduction_feeds = st.integers(0, 25).flatmap(lambda n: st.tuples(*[deduction_event(f"e{i}") for i in range(n)]))


def published(card) -> dict[tuple[str, str, str], Decimal]:
    return {
        (a.assessment, a.period, s.subject): s.score
        for a in card.result(explanations=False).assessments
        for s in a.subjects
    }


@settings(max_examples=examples(40))
@given(deduction_feeds, deduction_event("extra"))
def test_an_added_occurrence_never_raises_a_score(feed, extra):
    before = published(evaluate(DEDUCTIONS, list(feed)))
    after = published(evaluate(DEDUCTIONS, list(feed) + [extra]))
    assert before.keys() == after.keys()
    raised = {k: (before[k], after[k]) for k in before if after[k] > before[k]}
    assert raised == {}


@settings(max_examples=examples(30))
@given(deduction_feeds)
def test_sections_stay_within_floor_and_max_and_explanations_add_up(feed):
    card = evaluate(DEDUCTIONS, list(feed))
    sections = {(a.name, s.name): s for a in DEDUCTIONS.assessments for s in a.sections}
    result = card.result()
    assert_accounting(card, len(feed))
    for a in result.assessments:
        for s in a.subjects:
            assert sum_violations(s.explanation) == []
            for node in s.explanation.lines:
                if node.kind != "section":
                    continue
                sec = sections[(a.assessment, node.name)]
                if sec.max is not None:
                    assert node.amount <= sec.max
                if sec.floor is not None:
                    assert node.amount >= sec.floor
                if sec.deduction_cap is not None and sec.max is not None and sec.floor is None:
                    assert node.amount >= sec.max - sec.deduction_cap


# ---------------------------------------------------------------- explanation trees of a richer rulebook

RICH_BODY = """\
    类别 窗口
    对象 甲 类别 窗口
    对象 乙 类别 窗口
    对象 丙 类别 窗口
    对象 丁 类别 窗口 在考 2022-03-01
    度量 纪委评分 范围 0 至 5 周期 年
    评议等级 四档 非常满意 1、满意 0.9、一般 0.8、不满意 0.7
    评议 行风 等级 四档 上限 非常满意 30% 周期 年
    考核 月考 周期 月
      基础分 90
      节 纪律 满分 10
        项 迟到 每次扣 0.5 分
        项 表扬 每次加 1 分
        项 投诉 每起扣 0.5 分，情节严重 每起扣 3 分 上限 4
        项 事故 每件扣 10 分 一票否决
      节 加分 加分上限 2
        项 奖励 每次加 0.5 分
      节 减分 扣分上限 3
        项 其他 酌情扣 0.1 至 0.3 分
        项 超时 每件扣 1 分
      总分 上限 101 下限 80
    考核 年考 周期 年
      分项 日常 = 平均(月考) × 70%
      分项 纪委 = 排名递减(纪委评分, 满分 5, 每名 0.4)
      分项 评 = 排名递减(评议(行风), 满分 10, 每名 3, 并列 密集排名)
      分项 满意 = 纪委 + 评
      分项 差额 = 日常 - 纪委
      节 报送 不设下限
        项 瞒报 酌情扣 0.1 至 10 分 取消评先
      总分 = 日常 + 满意 + 报送 - 纪委
      总分 上限 90
      舍入 2 位 四舍五入
    等次 档次 依据 年考
      档 先进 名额 40% 评先
      档 合格 其余
      档 基本合格
      降档 合格 至 基本合格 当 得分 < 第一名 × 90%
      并列比较 日常、评
    """
RICH = book(RICH_BODY)
GRADES = ["非常满意", "满意", "一般", "不满意"]
RICH_ITEMS = {"迟到": None, "表扬": None, "投诉": None, "事故": None, "奖励": None, "其他": ("1", "3"), "超时": None, "瞒报": ("1", "100")}


@st.composite
def rich_feed(draw):
    events = []
    for i in range(draw(st.integers(0, 20))):
        item = draw(st.sampled_from(sorted(RICH_ITEMS)))
        kw: dict = {"count": draw(st.integers(1, 4))}
        if RICH_ITEMS[item]:
            lo, hi = RICH_ITEMS[item]
            kw["amount"] = str(Decimal(draw(st.integers(int(lo), int(hi)))) / 10)
        if item == "投诉" and draw(st.booleans()):
            kw["tier"] = "情节严重"
        month = draw(st.sampled_from([1, 3, 3, 6, 12]))
        subject = draw(st.sampled_from(["甲", "乙", "丙", "丁"]))
        if subject == "丁" and month < 3:
            month = 3
        events.append(occ(f"o{i}", subject, item, date=f"2022-{month:02d}-1{draw(st.integers(0, 9))}", **kw))
    for s in draw(st.sets(st.sampled_from(["甲", "乙", "丙", "丁"]))):
        events.append(meas(f"m{s}", s, "纪委评分", "2022", str(Decimal(draw(st.integers(0, 50))) / 10)))
    for v in range(draw(st.integers(0, 4))):
        ratings = {s: draw(st.sampled_from(GRADES)) for s in draw(st.sets(st.sampled_from(["甲", "乙", "丙", "丁"]), min_size=1))}
        events.append(vote(f"b{v}", "行风", f"v{v}", ratings))
    return events


@settings(max_examples=examples(40))
@given(rich_feed())
def test_every_explanation_line_adds_up_exactly(events):
    card = evaluate(RICH, events)
    assert_accounting(card, len(events))
    for a in card.result().assessments:
        for s in a.subjects:
            assert sum_violations(s.explanation) == [], (a.assessment, a.period, s.subject)
            assert s.explanation.amount == s.score
            for node in walk(s.explanation):
                if node.kind == "section" and node.name == "纪律":
                    assert Decimal(0) <= node.amount <= Decimal(10)


@settings(max_examples=examples(25))
@given(rich_feed())
def test_scoring_under_a_float_operation_trap(events):
    with decimal.localcontext() as ctx:
        ctx.traps[decimal.FloatOperation] = True
        assert decimal.getcontext().traps[decimal.FloatOperation]
        card = evaluate(RICH, events)
        result = card.result()
        result.model_dump_json()
        for s in ("甲", "乙", "丙", "丁"):
            card.explain(s, "年考", "2022").model_dump_json()


@settings(max_examples=examples(20))
@given(rich_feed())
def test_same_inputs_give_byte_identical_results(events):
    first = evaluate(RICH, events).result().model_dump_json()
    again = evaluate(book(RICH_BODY), [e.model_copy() for e in events]).result().model_dump_json()
    assert first == again
    # the order of the events changes the input digest, never a score (ids are unique here)
    assert published(evaluate(RICH, list(reversed(events)))) == published(evaluate(RICH, events))


# ---------------------------------------------------------------- rank decay

RANK = book(
    """\
    类别 窗口
    度量 值 周期 年
    考核 年考 周期 年
      分项 竞争 = 排名递减(值, 满分 2, 每名 0.3)
      分项 密集 = 排名递减(值, 满分 2, 每名 0.3, 并列 密集排名)
      分项 低优 = 排名递减(值, 满分 2, 每名 0.3, 低者优先)
      分项 低优密集 = 排名递减(值, 满分 2, 每名 0.3, 并列 密集排名, 低者优先)
    """
)


@settings(max_examples=examples(60))
@given(st.lists(st.integers(0, 12).map(lambda n: Decimal(n) / 4), min_size=1, max_size=12))
def test_rank_decay_is_monotone_and_never_negative(values):
    ids = [f"S{i:02d}" for i in range(len(values))]
    card = evaluate(RANK, [meas(f"m{i}", s, "值", "2022", v) for i, (s, v) in enumerate(zip(ids, values))], subjects=[subj(s, "窗口") for s in ids])
    (annual,) = card.result().assessments
    comp = {
        (s.subject, c.name): (c.amount, (c.lines or c.inputs)[0].detail if (c.lines or c.inputs) else None)
        for s in annual.subjects
        for c in s.explanation.lines
    }
    value = dict(zip(ids, values))
    for name, higher_first, dense in [("竞争", True, False), ("密集", True, True), ("低优", False, False), ("低优密集", False, True)]:
        score = {s: comp[(s, name)][0] for s in ids}
        assert all(v >= 0 for v in score.values())
        assert all(v <= 2 for v in score.values())
        for a in ids:
            for b in ids:
                better = value[a] > value[b] if higher_first else value[a] < value[b]
                if better:
                    assert score[a] >= score[b]
                if value[a] == value[b]:
                    assert score[a] == score[b]
        # places: competition = 1 + number strictly better; dense = 1 + number of distinct better values
        for s in ids:
            better = [v for v in values if (v > value[s] if higher_first else v < value[s])]
            place = 1 + (len(set(better)) if dense else len(better))
            assert score[s] == max(Decimal(0), Decimal(2) - (place - 1) * Decimal("0.3"))


# ---------------------------------------------------------------- banding quotas

BANDS = book(
    """\
    类别 窗口
    类别 综合
    度量 成绩 周期 年
    度量 日常分 周期 年
    事实 优秀 周期 年
    考核 年考 周期 年
      分项 日常 = 日常分
      分项 其他 = 成绩
      节 报送 不设下限
        项 瞒报 酌情扣 0.1 至 10 分 取消评先
      总分 = 其他 + 报送
    等次 档次 依据 年考
      档 先进 名额 40% 仅限 窗口 评先
      档 良好 名额 35%
      档 合格 其余
      档 基本合格
      提档 合格 至 良好 当 得分 ≥ 第一名 × 85%
      降档 合格 至 基本合格 当 得分 < 第一名 × 70%
      若 优秀 则 先进 名额 加 10%
      并列比较 日常
    """
)


@st.composite
def banding_inputs(draw):
    n = draw(st.integers(1, 15))
    ids = [f"S{i:02d}" for i in range(n)]
    events, subjects = [], []
    for i, s in enumerate(ids):
        subjects.append(subj(s, draw(st.sampled_from(["窗口", "窗口", "综合"]))))
        events.append(meas(f"t{i}", s, "成绩", "2022", draw(st.sampled_from(["100", "95", "90", "90", "86", "80", "75", "69", "60"]))))
        events.append(meas(f"d{i}", s, "日常分", "2022", draw(st.sampled_from(["60", "65", "70"]))))
        if draw(st.integers(0, 5)) == 0:
            events.append(occ(f"x{i}", s, "瞒报", date="2022-06-01", amount="0.1"))
    if draw(st.booleans()):
        events.append(fact("f", "优秀", draw(st.booleans())))
    return events, subjects


@settings(max_examples=examples(60))
@given(banding_inputs())
def test_band_quotas_are_never_exceeded(inputs):
    events, subjects = inputs
    card = evaluate(BANDS, events, subjects=subjects)
    (annual,) = card.result().assessments
    (b,) = annual.bandings
    placed = [s for members in b.bands.values() for s in members]
    assert sorted(placed) == sorted(s.id for s in subjects)  # every subject in exactly one band
    sizes = {q["band"]: q["size"] for q in b.quotas}
    assert sizes["先进"] == int(Decimal(len(subjects)) * Decimal("0.4" if not b.adjustments[0]["applied"] else "0.5"))
    assert sizes["良好"] == int(Decimal(len(subjects)) * Decimal("0.35"))
    moved_in = {(mv["subject"], mv["to"]) for mv in b.moves}
    for band, size in sizes.items():
        from_quota = [s for s in b.bands.get(band, []) if (s, band) not in moved_in]
        assert len(from_quota) <= size, (band, from_quota, size)
    by_id = {s.subject: s for s in annual.subjects}
    for s in b.bands.get("先进", []):
        assert by_id[s].category == "窗口" and not by_id[s].disqualified
    # a subject left outside a quota band while a lower-scoring eligible one is inside must be a flagged tie
    for band in sizes:
        inside = [s for s in b.bands.get(band, []) if (s, band) not in moved_in]
        if not inside:
            continue
        cutoff = min(by_id[s].score for s in inside)
        for s in annual.subjects:
            if s.subject in inside or s.band not in ("合格", "基本合格") or s.score <= cutoff:
                continue
            if band == "先进" and (s.category != "窗口" or s.disqualified):
                continue
            raise AssertionError(f"{s.subject} ({s.score}) left out of {band} (cutoff {cutoff})")


# ---------------------------------------------------------------- both keyword surfaces

UNIT_EN = {"次": "occurrence", "件": "case", "起": "incident", "项": "task"}
NAMES = ["迟到", "早退", "投诉", "办件", "着装", "卫生", "公开", "泄密", "超时", "表扬"]
amounts = st.tuples(
    st.sampled_from([-1, 1]),
    st.integers(1, 30).map(lambda n: Decimal(n) / 10),
    st.one_of(st.none(), st.integers(1, 20).map(lambda n: Decimal(n) / 10)),  # a range's width, if discretionary
    st.sampled_from([None, "次", "件", "起", "项"]),
)


def zh_amount(sign, low, width, unit):
    verb = ("扣" if sign < 0 else "加")
    if width is not None:
        return f"{'每' + unit if unit else ''}酌情{verb} {low} 至 {low + width} 分"
    return f"{'每' + unit if unit else ''}{verb} {low} 分"


def en_amount(sign, low, width, unit):
    verb = "deduct" if sign < 0 else "add"
    per = f" per {UNIT_EN[unit]}" if unit else ""
    if width is not None:
        return f"discretionary {verb} {low} to {low + width} points{per}"
    return f"{verb} {low}{per}"


@st.composite
def small_rulebooks(draw):
    """The same random rulebook written in the Chinese and in the English keyword surface."""
    zh = ['标题 "随机"', "生效 2022-01-01 至 2022-12-31", "类别 窗口", "对象 甲 类别 窗口"]
    en = ['title "随机"', "effective 2022-01-01 to 2022-12-31", "category 窗口", "subject 甲 category 窗口"]
    period = draw(st.sampled_from([("月", "month"), ("季", "quarter"), ("年", "year")]))
    zh.append(f"考核 考评 周期 {period[0]} 对象 窗口")
    en.append(f"assessment 考评 period {period[1]} subjects 窗口")
    names = iter(draw(st.permutations(NAMES)))
    for s in range(draw(st.integers(1, 3))):
        zopts, eopts = [], []
        smax = draw(st.one_of(st.none(), st.integers(1, 50)))
        if smax is not None:
            zopts.append(f"满分 {smax}")
            eopts.append(f"max {smax}")
        floor = draw(st.sampled_from(["", "no", "-2"]))
        if floor == "no":
            zopts.append("不设下限")
            eopts.append("no_floor")
        elif floor and smax is not None:
            zopts.append(f"下限 {floor}")
            eopts.append(f"floor {floor}")
        for zk, ek in (("加分上限", "bonus_cap"), ("扣分上限", "deduction_cap")):
            cap = draw(st.one_of(st.none(), st.integers(1, 9)))
            if cap is not None:
                zopts.append(f"{zk} {cap}")
                eopts.append(f"{ek} {cap}")
        cite = draw(st.one_of(st.none(), st.sampled_from(["(一)", "附件1 (二)", "三"])))
        order = draw(st.permutations(range(len(zopts))))
        ztail = f" 【{cite}】" if cite else ""
        etail = f" [{cite}]" if cite else ""
        zh.append(f"  节 节{'甲乙丙'[s]} " + " ".join(zopts[i] for i in order) + ztail)
        en.append(f"  section 节{'甲乙丙'[s]} " + " ".join(eopts[i] for i in order) + etail)
        for _ in range(draw(st.integers(0, 3))):
            name = next(names, None)
            if name is None:
                break
            a = draw(amounts)
            ztxt, etxt = zh_amount(*a), en_amount(*a)
            if a[2] is None and a[3] is not None and draw(st.booleans()):
                t = draw(st.integers(1, 50).map(lambda n: Decimal(n) / 10))
                ztxt += f"，情节严重 {zh_amount(a[0], t, None, a[3])}"
                etxt += f", 情节严重 {en_amount(a[0], t, None, a[3])}"
            for zk, ek in (("取消评先", "disqualify"), ("一票否决", "veto")):
                if draw(st.integers(0, 3)) == 0:
                    ztxt += f" {zk}"
                    etxt += f" {ek}"
            cap = draw(st.one_of(st.none(), st.integers(1, 9)))
            if cap is not None:
                ztxt += f" 上限 {cap} 分"
                etxt += f" cap {cap} points"
            label = draw(st.one_of(st.none(), st.sampled_from(["说明", "发现一次扣0.5分"])))
            if label:
                ztxt += f' "{label}"'
                etxt += f' "{label}"'
            zh.append(f"    项 {name} {ztxt}")
            en.append(f"    item {name} {etxt}")
    if draw(st.booleans()):
        zh.append("  总分 上限 100 下限 0")
        en.append("  total cap 100 floor 0")
    if draw(st.booleans()):
        mode = draw(st.sampled_from([("四舍五入", "half_up"), ("去尾", "down"), ("银行家舍入", "half_even")]))
        zh.append(f"  舍入 2 位 {mode[0]}")
        en.append(f"  round 2 digits {mode[1]}")
    return "\n".join(zh) + "\n", "\n".join(en) + "\n"


@settings(max_examples=examples(60))
@given(small_rulebooks())
def test_both_keyword_surfaces_compile_to_equal_models(pair):
    zh, en = pair
    try:
        zh_model = compile_rulebook(zh, "zh.rules")
    except RulebookError as err:
        # the generator may make a rulebook that is wrong in both surfaces (e.g. a tier in another unit)
        with_en = None
        try:
            compile_rulebook(en, "en.rules")
        except RulebookError as err_en:
            with_en = err_en
        assert with_en is not None, zh
        assert [(d.span.line, d.code) for d in err.diagnostics] == [(d.span.line, d.code) for d in with_en.diagnostics]
        assume(False)
    assert strip_model(zh_model) == strip_model(compile_rulebook(en, "en.rules"))


# ---------------------------------------------------------------- arbitrary text never crashes the compiler

KEYWORD_WORDS = [
    "标题", "生效", "至", "类别", "对象", "名称", "在考", "度量", "范围", "周期", "月", "季", "年", "事实", "评议等级", "评议",
    "上限", "下限", "不设下限", "考核", "节", "满分", "加分上限", "扣分上限", "项", "每", "分", "取消评先", "一票否决", "分项",
    "总分", "基础分", "舍入", "位", "平均", "合计", "每名", "并列", "等次", "依据", "档", "名额", "其余", "仅限", "评先", "提档",
    "降档", "当", "得分", "第一名", "若", "则", "名额取整", "并列比较", "四舍五入", "假设", "title", "effective", "to", "item",
    "deduct", "add", "per", "occurrence", "max", "section", "assessment", "total", "avg", "ballot", "band", "quota",
    "排名递减(", "rank_decay(", "step", "低者优先", "密集排名", "评议(", "平均(", "合计(",
]
PIECES = KEYWORD_WORDS + [
    "迟到", "窗口", "甲", "工作纪律", "每次扣", "每件扣", "酌情扣", "每次加", "扣", "加", "0.5", "25", "40%", "2022-01-01",
    "2022年2月30日", '"说明"', "“说明”", "【(一)1】", "【（二）１１④】", "「其余」", "「", "」", "(", ")", "（", "）", "=", "＝",
    "×", "÷", "+", "-", "−", "*", "/", "≥", "<", "==", "、", ",", "，", ";", "；", "：", "#", "＃", "\u3000", "\t", " ", " ",
    "０．５", "２５", "①", "²", "٣", "A1", "·", "~", "～", "《", "》", "'", "\\", "\x00", "\r", "\u2028", "\ufeff", "😀", "𠀀",
]
rulebook_like_text = st.lists(st.sampled_from(PIECES + ["\n"] * 6), max_size=80).map("".join)
any_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from("标题生效至类别对象考核节项档满分扣加每次件起分（），、；：“”【】「」　０１２３４５６７８９．％＝＋－×÷≥≤"),
    ),
    max_size=200,
)
HEAD = '标题 "t"\n生效 2022-01-01 至 2022-12-31\n类别 窗口\n对象 甲 类别 窗口\n考核 月考 周期 月\n  节 纪律 满分 10\n'


def _check_compiles_or_diagnoses(text: str) -> None:
    try:
        compile_rulebook(text, "fuzz.rules")
    except RulebookError as err:
        lines = text.splitlines()
        assert err.diagnostics
        for d in err.diagnostics:
            assert 1 <= d.span.line <= max(1, len(lines)), d
            width = len(lines[d.span.line - 1]) if lines else 0
            assert 1 <= d.span.column <= width + 1, (d, width)
            assert d.span.end_line >= d.span.line
        err.render("zh")
        err.render("en")


@settings(max_examples=examples(150))
@given(any_text)
def test_arbitrary_text_compiles_or_raises_rulebook_error(text):
    _check_compiles_or_diagnoses(text)


@settings(max_examples=examples(150))
@given(rulebook_like_text, st.booleans())
def test_rulebook_like_text_compiles_or_raises_rulebook_error(body, with_head):
    _check_compiles_or_diagnoses((HEAD if with_head else "") + body)
