"""Lexing and parsing: words, amount phrases, full-width folding, syntax diagnostics and their rendering."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import book, strip_model
from perfrules import RulebookError, compile_rulebook
from perfrules import model as m
from perfrules.errors import display_width
from perfrules.parser import fold, parse_rulebook

SECTION = """\
类别 窗口
对象 甲 类别 窗口
考核 月考 周期 月 对象 窗口
  节 纪律 满分 10
"""


def one_statement(line: str):
    statements, errors = parse_rulebook(line, "t.rules")
    assert errors == []
    assert len(statements) == 1
    return statements[0]


def codes(err: RulebookError) -> list[tuple[int, str]]:
    return [(d.span.line, d.code) for d in err.diagnostics]


def compile_error(text: str) -> RulebookError:
    with pytest.raises(RulebookError) as info:
        compile_rulebook(text, "t.rules")
    return info.value


# ---------------------------------------------------------------- words and amount phrases


def test_name_glued_to_amount_phrase_lexes_as_name_then_amount():
    st = one_statement("项 迟到每次扣0.5分")
    assert st.kind == "item"
    assert [n.text for n in st.get("names")] == ["迟到"]
    amount = st.get("values")[0]
    assert (amount.sign, amount.low, amount.high, amount.per_unit) == (-1, Decimal("0.5"), None, "次")


def test_glued_and_spaced_items_compile_to_the_same_model():
    glued = book(SECTION + "    项 迟到每次扣0.5分\n")
    spaced = book(SECTION + "    项 迟到 每次扣 0.5 分\n")
    assert strip_model(glued) == strip_model(spaced)


@pytest.mark.parametrize(
    "line, name, sign, low, high, unit",
    [
        ("项 迟到 每次扣 0.5 分", "迟到", -1, "0.5", None, "次"),
        ("项 擅自实施审批 每件扣 3 分", "擅自实施审批", -1, "3", None, "件"),
        ("项 投诉属实 每起扣 0.5 分", "投诉属实", -1, "0.5", None, "起"),
        ("项 不配合代办 每项扣 1 分", "不配合代办", -1, "1", None, "项"),
        ("项 未按要求公开 扣 2 分", "未按要求公开", -1, "2", None, None),
        ("项 其他 酌情扣0.1至0.3分", "其他", -1, "0.1", "0.3", None),
        ("项 表扬 每次加 1 分", "表扬", 1, "1", None, "次"),
        ("项 情节严重的扣3分", "情节严重的", -1, "3", None, None),
        ("项 加班未登记 每次扣 1 分", "加班未登记", -1, "1", None, "次"),  # 加 is a verb only before a number
        ("项 扣款不当 扣 1 分", "扣款不当", -1, "1", None, None),
        ("item late deduct 0.5 points per occurrence", "late", -1, "0.5", None, "次"),
        ("item late deduct 3 per case", "late", -1, "3", None, "件"),
        ("item late deduct 3 per incident", "late", -1, "3", None, "起"),
        ("item late deduct 3 per task", "late", -1, "3", None, "项"),
        ("item praise add 1 per occurrence", "praise", 1, "1", None, "次"),
        ("item other discretionary deduct 0.1 to 0.3 points", "other", -1, "0.1", "0.3", None),
        ("项 迟到 扣 0.5 分 per case", "迟到", -1, "0.5", None, "件"),  # mixed surfaces
    ],
)
def test_amount_phrases(line, name, sign, low, high, unit):
    st = one_statement(line)
    amount = st.get("values")[0]
    assert [n.text for n in st.get("names")] == [name]
    assert amount.sign == sign
    assert amount.low == Decimal(low)
    assert amount.high == (Decimal(high) if high else None)
    assert amount.per_unit == unit


def test_number_after_chinese_text_starts_a_new_word():
    st = one_statement("节 工作纪律 满分25")
    assert [n.text for n in st.get("names")] == ["工作纪律"]
    assert st.opts[0][:2] == ("max", Decimal(25))


def test_quoted_name_may_be_a_keyword_or_contain_digits():
    rb = book(SECTION + "    项 「其余」 每次扣 0.1 分\n    项 「12345热线未接」 每次扣 0.1 分\n")
    assert [it.name for it in rb.items()] == ["其余", "12345热线未接"]


def test_ascii_words_may_contain_digits():
    rb = book(SECTION + "    项 A1 每次扣 0.1 分\n    项 APP2办件 每次扣 0.1 分\n")
    assert [it.name for it in rb.items()] == ["A1", "APP2办件"]


def test_keyword_as_name_is_reported_and_quoting_fixes_it():
    err = compile_error('标题 "t"\n生效 2022-01-01 至 2022-12-31\n类别 窗口\n考核 总分 周期 月 对象 窗口\n  节 纪律 满分 5\n')
    assert (4, "syntax.keyword_as_name") in codes(err)
    rb = book("类别 窗口\n考核 「总分」 周期 月 对象 窗口\n  节 「其余」 满分 5\n")
    assert rb.assessments[0].name == "总分"
    assert rb.assessments[0].sections[0].name == "其余"


def test_comments_and_blank_lines_are_ignored():
    plain = book(SECTION + "    项 迟到 每次扣 0.5 分\n")
    commented = book(
        "# 注释\n\n＃ 全角注释\n" + SECTION.replace("满分 10", "满分 10 # 行尾注释") + "    项 迟到 每次扣 0.5 分 ＃ 全角行尾注释\n"
    )
    assert strip_model(plain) == strip_model(commented)


# ---------------------------------------------------------------- full-width folding


def test_fold_is_one_character_for_one():
    text = "项　投诉　每起扣　０．５　分，情节严重　每起扣　３　分　【（二）１１④】　“投诉”"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded == '项 投诉 每起扣 0.5 分,情节严重 每起扣 3 分 【(二)11④】 "投诉"'


def test_full_width_punctuation_and_ideographic_space_are_accepted():
    half = book(
        """\
        类别 窗口
        对象 甲 类别 窗口
        度量 纪委评分 范围 0 至 5 周期 年 对象 窗口
        考核 月考 周期 月 对象 窗口
          节 纪律 满分 10
            项 投诉 每起扣 0.5 分,情节严重 每起扣 3 分 【(二)11④】 "投诉属实"
        考核 年考 周期 年 对象 窗口
          分项 日常 = 平均(月考) × 70%
          分项 纪委 = 排名递减(纪委评分, 满分 5, 每名 0.1)
          总分 = 日常 + 纪委
        """
    )
    full = compile_rulebook(
        "标题　“测试规则集”\n"
        "生效　２０２２－０１－０１　至　２０２２－１２－３１\n"
        "类别　窗口\n"
        "对象　甲　类别　窗口\n"
        "度量　纪委评分　范围　０　至　５　周期　年　对象　窗口\n"
        "考核　月考　周期　月　对象　窗口\n"
        "　　节　纪律　满分　１０\n"
        "　　　　项　投诉　每起扣　０．５　分，情节严重　每起扣　３　分　【（二）１１④】　“投诉属实”\n"
        "考核　年考　周期　年　对象　窗口\n"
        "　　分项　日常　＝　平均（月考）　×　７０％\n"
        "　　分项　纪委　＝　排名递减（纪委评分，满分５，每名０．１）\n"
        "　　总分　＝　日常　＋　纪委\n",
        "full.rules",
    )
    item = full.items()[0]
    assert item.amount.low == Decimal("0.5") and item.amount.per_unit == "起"
    assert item.tiers[0].name == "情节严重" and item.tiers[0].amount.low == Decimal(3)
    assert item.label == "投诉属实"
    # citations keep the text as typed; folded they are the same clause
    assert fold(item.citation.text) == half.items()[0].citation.text == "(二)11④"
    a, b = strip_model(half), strip_model(full)
    # apart from the title and the citation as typed, the two files say the same thing
    citation = b["assessments"][0]["sections"][0]["items"][0]["citation"]
    citation["text"] = fold(citation["text"])
    assert a == b


def test_diagnostic_columns_point_into_the_text_as_written():
    text = '标题　“t”\n生效　２０２２－０１－０１　至　２０２２－１２－３１\n类别　窗口　＠\n'
    err = compile_error(text)
    (d,) = err.diagnostics
    assert d.code == "syntax.unexpected_char"
    assert (d.span.line, d.span.column) == (3, text.splitlines()[2].index("＠") + 1)
    assert dict(d.fields)["char"] == "＠"


# ---------------------------------------------------------------- glued keywords


def test_glued_keyword_in_an_amount_is_named():
    err = compile_error('标题 "t"\n生效 2022-01-01 至 2022-12-31\n' + SECTION + "    项 迟到早退离岗 每次扣 0.5 分上限 5 分\n")
    (d,) = err.diagnostics
    assert d.code == "syntax.glued_keyword"
    assert dict(d.fields) == {"name": "分上限", "keyword": "上限"}
    assert (d.span.line, d.span.column) == (7, 22)


def test_glued_keyword_at_end_of_section_name_is_named():
    err = compile_error('标题 "t"\n生效 2022-01-01 至 2022-12-31\n类别 窗口\n考核 月考 周期 月 对象 窗口\n  节 工作纪律满分 25\n')
    d = next(d for d in err.diagnostics if d.code == "syntax.glued_keyword")
    assert dict(d.fields) == {"name": "工作纪律满分", "keyword": "满分"}
    assert (d.span.line, d.span.column, d.span.end_column) == (5, 5, 11)  # under the glued name


@pytest.mark.parametrize("line", ["    项 会议迟到① 每次扣 0.1 分", "    项 超时² 每次扣 0.1 分"])
def test_circled_or_superscript_digit_after_a_name_is_a_diagnostic(line):
    # ① and ² are digits to str.isdigit() but not to the lexer; they must give a diagnostic, not a crash
    err = compile_error('标题 "t"\n生效 2022-01-01 至 2022-12-31\n' + SECTION + line + "\n")
    (d,) = err.diagnostics
    assert (d.span.line, d.code) == (7, "syntax.unexpected_char")
    assert dict(d.fields)["char"] == line.split()[1][-1]


# ---------------------------------------------------------------- all errors in one run

DEMO = """\
标题 @"窗口考核"
生效 2022-01-01
类别 单设窗口
考核 窗口月度 周期 月 对象 单设窗囗
  节 工作纪律 满分 25 下限 30
    项 迟到早退离岗 每次扣 0.5 分上限 5 分
"""


def test_a_file_with_several_errors_reports_all_of_them():
    err = compile_error(DEMO)
    assert [(d.span.line, d.span.column, d.code) for d in err.diagnostics] == [
        (1, 4, "syntax.unexpected_char"),
        (2, 14, "syntax.unexpected_end"),
        (4, 17, "unknown.name"),
        (5, 16, "value.floor_above_max"),
        (6, 22, "syntax.glued_keyword"),
    ]


def test_errors_after_a_broken_line_are_still_found():
    text = '标题 "t"\n生效 2022-01-01 至 2022-12-31\n类别 窗口\n对象 甲 类别 窗口 @\n对象 乙 类别 窗囗\n对象 丙 类别 窗口 名称\n'
    err = compile_error(text)
    assert codes(err) == [(4, "syntax.unexpected_char"), (5, "unknown.name"), (6, "syntax.unexpected_end")]


# ---------------------------------------------------------------- messages and rendering


def test_messages_are_chinese_by_default(monkeypatch):
    monkeypatch.delenv("PERFRULES_LANG", raising=False)
    err = compile_error(DEMO)
    assert "无法识别的字符「@」" in str(err)
    assert "语句不完整；此处应为：「至」" in str(err)
    assert "未定义的类别「单设窗囗」；是否想写「单设窗口」？" in str(err)


def test_perfrules_lang_en_gives_english_messages(monkeypatch):
    monkeypatch.setenv("PERFRULES_LANG", "en")
    err = compile_error(DEMO)
    text = str(err)
    for phrase in (
        "unexpected character '@'",
        "incomplete statement; expected: 'to'",
        "unknown category '单设窗囗'; did you mean '单设窗口'?",
        "floor 30 is above the maximum 25",
        "the name '分上限' contains the keyword '上限'; separate keywords and names with a space",
    ):
        assert phrase in text
    assert "无法识别" not in text and "是否想写" not in text


def test_render_in_either_language_on_request(monkeypatch):
    monkeypatch.delenv("PERFRULES_LANG", raising=False)
    err = compile_error(DEMO)
    assert "floor 30 is above the maximum 25" in err.render("en")
    assert "下限 30 高于满分 25" in err.render("zh")


def rendered_blocks(err: RulebookError) -> list[list[str]]:
    lines = err.render().splitlines()
    assert len(lines) == 3 * len(err.diagnostics)
    return [lines[i : i + 3] for i in range(0, len(lines), 3)]


def test_rendered_error_has_location_source_line_and_aligned_caret():
    text = (
        '标题 "t"\n生效 2022-01-01 至 2022-12-31\n类别 窗口\n'
        "考核 窗口月度 周期 月 对象 窗囗\n"  # unknown category after wide text
        "　　节　工作纪律　满分　２５　下限　３０\n"  # ideographic spaces and full-width digits before the span
        "    项 迟到（早退） 每次扣 0.5 分\n"  # full-width bracket
    )
    err = compile_error(text)
    source = text.splitlines()
    assert len(err.diagnostics) == 3
    for d, (head, src, caret) in zip(err.diagnostics, rendered_blocks(err)):
        assert head.startswith(f"t.rules:{d.span.line}:{d.span.column}: ")
        line = source[d.span.line - 1]
        gutter = src[: len(src) - len(line)]
        assert src == gutter + line and gutter.strip() == f"{d.span.line} |"
        start = caret.index("^")
        # the caret sits under the first character of the span, in terminal columns
        assert display_width(caret[:start]) == display_width(gutter) + display_width(line[: d.span.column - 1])
        marks = caret[start:]
        assert set(marks) == {"^"}
        assert len(marks) == max(1, display_width(line[d.span.column - 1 : d.span.end_column - 1]))


def test_display_width_counts_wide_characters_twice():
    assert display_width("abc") == 3
    assert display_width("工作纪律") == 8
    assert display_width("（２５）") == 8
    assert display_width("\u3000") == 2


def test_unknown_category_caret_is_under_the_name():
    err = compile_error('标题 "t"\n生效 2022-01-01 至 2022-12-31\n类别 单设窗口\n考核 窗口月度 周期 月 对象 单设窗囗\n  节 纪律 满分 5\n')
    (head, src, caret) = rendered_blocks(err)[0]
    assert head.startswith("t.rules:4:17: ")
    assert src == "    4 | 考核 窗口月度 周期 月 对象 单设窗囗"
    assert caret == "      |                            ^^^^^^^^"


def test_statement_kinds_of_the_whole_grammar_parse():
    statements, errors = parse_rulebook(
        "\n".join(
            [
                '标题 "t"', '来源 "s"', '辖区 "XX区"', "生效 2022年1月1日 至 2022-12-31", '时区 "Asia/Shanghai"', "舍入方式 四舍五入",
                '假设 A1 "读法" 【三】', '类别 窗口 "w"', '对象 甲 类别 窗口 名称 "甲" 上级 乙 在考 2022-03-01 至 2022-06-30',
                "度量 纪委评分 范围 0 至 5 周期 年 对象 窗口 假设 A1", "事实 优秀 周期 年", "评议等级 四档 非常满意 1、满意 0.9",
                "评议 行风 等级 四档 上限 非常满意 30%", "考核 年考 周期 年", "节 纪律 满分 10 下限 -2 加分上限 1 扣分上限 5",
                "项 迟到 每次扣 0.5 分 上限 2 分 取消评先 一票否决", "分项 日常 满分 70 = 平均(月考) × 70%", "总分 = 日常 + 纪律",
                "总分 上限 100 下限 0", "基础分 100", "舍入 3 位 四舍五入", "等次 档次 依据 年考", "档 先进 名额 40% 仅限 窗口 评先",
                "档 合格 其余", "提档 合格 至 先进 当 得分 ≥ 第一名 × 85%", "降档 合格 至 基本合格 当 第一名 - 得分 > 30",
                "若 优秀 则 先进 名额 加 10%", "名额取整 向上", "并列比较 日常、纪律",
            ]
        ),
        "t.rules",
    )
    assert errors == []
    assert [s.kind for s in statements] == [
        "title", "source", "jurisdiction", "effective", "timezone", "rounding_mode", "assumption", "category", "subject",
        "metric", "fact", "grades", "ballot", "assessment", "section", "item", "component", "total", "total_bounds", "base",
        "round", "banding", "band", "band", "move", "move", "quota_adjust", "quota_rounding", "tiebreak",
    ]


def test_condition_operators_are_normalised():
    rb = book(
        """\
        类别 窗口
        度量 值 周期 年
        考核 年考 周期 年
          分项 得 = 值
        等次 档次 依据 年考
          档 良好
          档 合格 其余
          档 基本合格
          提档 合格 至 良好 当 得分 ≥ 第一名 × 85%
          降档 合格 至 基本合格 当 得分 ＜ 第一名 × 70%
        """
    )
    moves = rb.bandings[0].moves
    assert [mv.condition.op for mv in moves] == [">=", "<"]
    assert moves[0].condition.text == "得分 ≥ 第一名 × 85%"
    right = moves[0].condition.right
    assert isinstance(right, m.BinOp) and right.op == "*" and right.right.value == Decimal("0.85")
