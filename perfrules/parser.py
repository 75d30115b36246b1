"""Parse rulebook text into statements (our own nodes with spans), one line at a time.

Each line is parsed on its own, so one run reports the syntax errors of every line.
Lark's tree and exceptions stay inside this module.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any, Iterator, Optional

import lark
from lark import Lark, Token, Transformer, v_args

from . import model as m
from .errors import Diagnostic, Span
from .resources import read_text

# Full-width ASCII forms, the ideographic space, curly quotes and the minus sign, folded one
# character for one so that every position in the folded text is a position in the source.
FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
FOLD.update({0x3000: " ", 0x201C: '"', 0x201D: '"', 0x2212: "-", 0xFF5E: "~"})
FOLD = {k: (chr(v) if isinstance(v, int) else v) for k, v in FOLD.items()}


def fold(text: str) -> str:
    return text.translate(FOLD)


@dataclass(frozen=True)
class Keyword:
    terminal: str
    zh: tuple[str, ...]
    en: tuple[str, ...]
    meaning: str


@cache
def keywords() -> tuple[Keyword, ...]:
    """The keyword table, ``grammar/keywords.tsv``."""
    rows = [r for r in csv.reader(read_text("grammar", "keywords.tsv").splitlines(), delimiter="\t") if r and not r[0].startswith("#")]
    return tuple(Keyword(r[0], tuple(r[1].split("|")), tuple(r[2].split("|")), r[3]) for r in rows)


# Keywords that only live inside the amount phrase (VERB) and never stand alone in Chinese.
_VERB_PARTS = ("VERB_DEDUCT", "VERB_ADD", "DISCRETIONARY")


@cache
def keyword_lookup() -> dict[str, str]:
    """Surface -> terminal, for every keyword that lexes as a whole word."""
    table: dict[str, str] = {}
    for kw in keywords():
        if kw.terminal in _VERB_PARTS:
            continue
        for s in kw.zh + kw.en:
            # 项 is both the item keyword and a unit; the grammar accepts KW_ITEM as a unit
            table.setdefault(s, kw.terminal)
    return table


def _alts(terminal: str, lang: str) -> str:
    kw = next(k for k in keywords() if k.terminal == terminal)
    return "|".join(re.escape(s) for s in sorted(getattr(kw, lang), key=len, reverse=True))


@cache
def _amount_patterns() -> tuple[str, str]:
    units = "|".join(_alts(k.terminal, "zh") for k in keywords() if k.terminal.startswith("UNIT_"))
    per = _alts("KW_PER", "zh")
    zh_core = f"(?:(?:{per})(?:{units}))?(?:{_alts('DISCRETIONARY', 'zh')})?(?:{_alts('VERB_DEDUCT', 'zh')}|{_alts('VERB_ADD', 'zh')})"
    zh = f"{zh_core}(?=[ \\t]*\\d)"
    en = f"(?:(?:{_alts('DISCRETIONARY', 'en')})[ \\t]+)?(?:{_alts('VERB_DEDUCT', 'en')}|{_alts('VERB_ADD', 'en')})\\b"
    return zh, en


@cache
def grammar_text() -> str:
    """The full grammar: ``grammar/perfrules.lark`` plus the terminals generated from the keyword table."""
    zh, en = _amount_patterns()
    base = read_text("grammar", "perfrules.lark").replace("%AMOUNT_START%", zh.replace("(?=[ \\t]*\\d)", "[ \\t]*\\d"))
    declared = sorted({kw.terminal for kw in keywords() if kw.terminal not in _VERB_PARTS})
    return base + f"\nVERB.2: /{zh}|{en}/\n%declare " + " ".join(declared) + "\n"


def _retype_keyword(token: Token) -> Token:
    terminal = keyword_lookup().get(token.value)
    if terminal is not None:
        token.type = terminal
    return token


@cache
def lark_parser() -> Lark:
    """The LALR parser, built once per process."""
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="basic",
        start="statement",
        propagate_positions=True,
        maybe_placeholders=False,
        lexer_callbacks={"NAME": _retype_keyword},
    )


@cache
def terminal_names(lang: str = "zh") -> dict[str, str]:
    """Terminal -> how to show it in an error message (its keyword surface, or a description)."""
    if lang == "en":
        names = {kw.terminal: "'" + kw.en[0] + "'" for kw in keywords()}
        names.update(
            NAME="a name", QNAME="a name", STRING="quoted text", CITATION="a citation 【…】", DATE="a date", PERCENT="a percentage",
            NUMBER="a number", ADD_OP="+ or -", MUL_OP="× or ÷", CMP="a comparison", _EQ="'='", _SEP="a separator '、' or ','",
            _LPAR="'('", _RPAR="')'", TILDE="'~'", COLON="':'", VERB="an amount (deduct 0.5 per occurrence)", **{"$END": "end of line"},
        )
        return names
    names = {kw.terminal: "「" + kw.zh[0] + "」" for kw in keywords()}
    names.update(
        NAME="名称", QNAME="名称", STRING="带引号的文字", CITATION="条款引用【…】", DATE="日期", PERCENT="百分比",
        NUMBER="数字", ADD_OP="+ 或 -", MUL_OP="× 或 ÷", CMP="比较符号", _EQ="「=」", _SEP="分隔符「、」或「，」",
        _LPAR="「(」", _RPAR="「)」", TILDE="「~」", COLON="「:」", VERB="扣分/加分写法（如 每次扣 0.5 分）", **{"$END": "行尾"},
    )
    return names


PERIOD_WORDS = {"月度": m.PeriodKind.MONTH, "季度": m.PeriodKind.QUARTER, "半年度": m.PeriodKind.HALF, "年度": m.PeriodKind.YEAR}


@dataclass(frozen=True)
class DateText:
    text: str
    span: Span


@dataclass(frozen=True)
class Statement:
    """One parsed line: its kind (the grammar rule), span, and fields named after its parts."""

    kind: str
    span: Span
    fields: dict[str, Any] = field(default_factory=dict)
    opts: tuple[tuple[str, Any, Span], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)


class _ToStatements(Transformer):
    """Turn one line's Lark tree into a Statement; expressions become model nodes."""

    def __init__(self, file: str, lineno: int, line: str):
        super().__init__()
        self.file, self.lineno, self.line = file, lineno, line

    # -- positions --
    def span_of(self, meta_or_token: Any) -> Span:
        o = meta_or_token
        return Span(self.file, self.lineno, o.column, self.lineno, o.end_column)

    def tok_span(self, t: Token) -> Span:
        return Span(self.file, self.lineno, t.column, self.lineno, t.end_column)

    # -- small pieces --
    def name(self, children):
        t = children[0]
        text = t.value[1:-1] if t.type == "QNAME" else t.value
        return m.Name(text, self.tok_span(t))

    def number(self, children):
        return Decimal(children[0].value)

    def signed_number(self, children):
        if len(children) == 2:
            return -Decimal(children[1].value) if children[0].value == "-" else Decimal(children[1].value)
        return Decimal(children[0].value)

    def date(self, children):
        return DateText(children[0].value, self.tok_span(children[0]))  # the compiler validates it

    def label(self, children):
        t = children[0]
        return ("label", self.line[t.column : t.end_column - 2], self.tok_span(t))  # text of the source, not the folded copy

    def citation(self, children):
        t = children[0]  # the text as typed (full-width punctuation kept); matching folds it
        return ("citation", m.Citation(self.line[t.column : t.end_column - 2].strip(), self.tok_span(t)), self.tok_span(t))

    def tail(self, children):
        return ("tail", list(children), None)

    def name_list(self, children):
        return list(children)

    def mode(self, children):
        return children[0].type

    def period_kind(self, children):
        c = children[0]
        if isinstance(c, m.Name):  # 月度/季度/半年度/年度, or a misspelling the compiler reports
            return PERIOD_WORDS.get(c.text, c)
        return {"PK_MONTH": m.PeriodKind.MONTH, "PK_QUARTER": m.PeriodKind.QUARTER, "PK_HALF": m.PeriodKind.HALF, "PK_YEAR": m.PeriodKind.YEAR}[c.type]

    def time_unit(self, children):
        return {"TU_MINUTE": "minute", "TU_HOUR": "hour", "TU_DAY": "day", "TU_WEEK": "week", "TU_WORKDAY": "workday"}[children[0].type]

    def unit(self, children):
        terminal = "UNIT_TASK" if children[0].type == "KW_ITEM" else children[0].type
        return next(k.zh[0] for k in keywords() if k.terminal == terminal)

    # -- options: (key, value, span) --
    def __default__(self, data, children, meta):
        if data.startswith("opt_"):
            values = [c for c in children if not isinstance(c, Token)]
            value = values[0] if len(values) == 1 else (tuple(values) if values else True)
            if data == "opt_ties":
                value = "dense" if children[-1].type == "TIE_DENSE" else "competition"
            if data == "opt_top_limit":
                value = (children[1], Decimal(children[2].value[:-1]) / 100)
            if data == "opt_quota":
                value = Decimal(children[1].value[:-1]) / 100
            if data == "opt_condition":
                value = children[1]
            if data == "opt_escalate":
                value = (values[0], values[1], any(isinstance(c, Token) and c.type == "KW_CUMULATIVE" for c in children))
            if data == "opt_lateness":
                cmp = next(c for c in children if isinstance(c, Token) and c.type == "CMP")
                unit = next(c for c in children if isinstance(c, str) and not isinstance(c, Token))
                value = ({"≥": ">=", "≤": "<="}.get(cmp.value, cmp.value), values[0], unit)
            if data == "opt_joint":
                share = next((c for c in children if isinstance(c, Token) and c.type == "PERCENT"), None)
                value = (values[0], Decimal(share.value[:-1]) / 100 if share is not None else Decimal(1))
            if data == "opt_active":
                dates = [c for c in children if isinstance(c, DateText)]
                value = (dates[0], dates[1] if len(dates) > 1 else None)
            if data == "opt_label":
                t = children[1]
                value = self.line[t.column : t.end_column - 2]
            return (data[4:], value, Span(self.file, self.lineno, meta.column, self.lineno, meta.end_column))
        return super().__default__(data, children, meta)

    @v_args(meta=True)
    def period_opt(self, meta, children):
        return ("period", children[1], self.span_of(meta))

    @v_args(meta=True)
    def subjects_opt(self, meta, children):
        return ("subjects", children[1], self.span_of(meta))

    @v_args(meta=True)
    def assumption_ref(self, meta, children):
        return ("assumptions", children[1], self.span_of(meta))

    # -- amounts --
    @v_args(meta=True)
    def amount(self, meta, children):
        verb = children[0]
        plus = [c for c in children if isinstance(c, Token) and c.type == "ADD_OP" and c.value == "+"]
        nums = [c for c in children if isinstance(c, Decimal)]
        unit = next((c for c in children if isinstance(c, str) and not isinstance(c, Token)), None)
        v = fold(verb.value)
        zh_units = {k.zh[0] for k in keywords() if k.terminal.startswith("UNIT_")}
        twice = False
        if v.startswith(tuple(_alts_list("KW_PER", "zh"))) and len(v) > 1 and v[1] in zh_units:
            twice = unit is not None and unit != v[1]
            unit = v[1]
        sign = 1 if any(v.endswith(s) for s in _alts_list("VERB_ADD", "zh") + _alts_list("VERB_ADD", "en")) else -1
        marked = any(d in v for d in _alts_list("DISCRETIONARY", "zh") + _alts_list("DISCRETIONARY", "en"))
        return m.Amount(sign, nums[0], nums[1] if len(nums) > 1 else None, unit, self.span_of(meta), marked=marked,
                        bad_range=bool(plus), unit_twice=twice)

    @v_args(meta=True)
    def tier(self, meta, children):
        return m.Tier(children[0].text, children[1], self.span_of(meta))

    @v_args(meta=True)
    def grade(self, meta, children):
        return (children[0], children[1])

    # -- expressions --
    @v_args(meta=True)
    def num(self, meta, children):
        return m.Num(Decimal(children[0].value), self.span_of(meta))

    @v_args(meta=True)
    def percent(self, meta, children):
        return m.Num(Decimal(children[0].value[:-1]) / 100, self.span_of(meta), percent=True)

    @v_args(meta=True)
    def ref(self, meta, children):
        return m.Ref(children[0].text, children[0].span)

    @v_args(meta=True)
    def score_ref(self, meta, children):
        return m.ScoreRef(self.span_of(meta))

    @v_args(meta=True)
    def first_ref(self, meta, children):
        return m.FirstRef(self.span_of(meta))

    @v_args(meta=True)
    def neg(self, meta, children):
        expr = children[1]
        return m.Neg(expr, self.span_of(meta)) if children[0].value == "-" else expr

    @v_args(meta=True)
    def binop(self, meta, children):
        left, op, right = children
        return m.BinOp({"×": "*", "÷": "/"}.get(op.value, op.value), left, right, self.span_of(meta))

    @v_args(meta=True)
    def avg(self, meta, children):
        return m.Aggregate("avg", children[1].text, self.span_of(meta))

    @v_args(meta=True)
    def sum_of(self, meta, children):
        return m.Aggregate("sum", children[1].text, self.span_of(meta))

    @v_args(meta=True)
    def ballot_value(self, meta, children):
        return m.BallotValue(children[1].text, self.span_of(meta))

    @v_args(meta=True)
    def rank_decay(self, meta, children):
        expr = children[1]
        opts = {k: v for k, v, _ in children[2:]}
        # 满分 and 每名 are required; when missing they stay None and the compiler says so
        return m.RankDecay(expr, opts.get("max"), opts.get("step"), opts.get("ties", "competition"),
                           bool(opts.get("lower_first", False)), self.span_of(meta))

    @v_args(meta=True)
    def piecewise(self, meta, children):
        return m.Piecewise(children[1], tuple(children[2:]), self.span_of(meta))

    @v_args(meta=True)
    def piece(self, meta, children):
        op, bound, _, value = children
        return m.Piece({"≥": ">=", "≤": "<="}.get(op.value, op.value), bound, value, self.span_of(meta))

    @v_args(meta=True)
    def piece_rest(self, meta, children):
        return m.Piece(None, None, children[-1], self.span_of(meta))

    @v_args(meta=True)
    def count_of(self, meta, children):
        return m.CountOf(children[1].text, self.span_of(meta))

    @v_args(meta=True)
    def count_if(self, meta, children):
        exprs = [c for c in children[1:] if not isinstance(c, Token)]
        ops = [c for c in children[1:] if isinstance(c, Token) and c.type == "CMP"]
        op = {"≥": ">=", "≤": "<="}.get(ops[0].value, ops[0].value) if ops else "=="
        text = self.line[meta.column - 1 : meta.end_column - 1]
        return m.CountIf(m.Condition(op, exprs[0], exprs[1], text, self.span_of(meta)), self.span_of(meta))

    @v_args(meta=True)
    def last_streak(self, meta, children):
        return m.LastStreak(children[1].text, self.span_of(meta))

    @v_args(meta=True)
    def child_avg(self, meta, children):
        return m.ChildAggregate("avg", children[1].text, self.span_of(meta))

    @v_args(meta=True)
    def child_sum(self, meta, children):
        return m.ChildAggregate("sum", children[1].text, self.span_of(meta))

    @v_args(meta=True)
    def condition(self, meta, children):
        left, op, right = children
        text = self.line[meta.column - 1 : meta.end_column - 1]
        return m.Condition({"≥": ">=", "≤": "<="}.get(op.value, op.value), left, right, text, self.span_of(meta))

    # -- statements --
    @v_args(meta=True)
    def statement(self, meta, children):
        return children[0]

    def _statement(self, kind: str, meta, children) -> Statement:
        fields: dict[str, Any] = {}
        opts: list[tuple[str, Any, Span]] = []
        names: list[m.Name] = []
        dates: list[DateText] = []
        strings: list[str] = []
        keywords_seen: list[str] = []
        for c in children:
            if isinstance(c, tuple) and len(c) == 3 and c[0] == "tail":
                for key, value, _ in c[1]:
                    fields[key] = value
            elif isinstance(c, tuple) and len(c) == 3 and c[0] in ("label", "citation"):
                fields[c[0]] = c[1]
            elif isinstance(c, tuple) and len(c) == 3 and isinstance(c[0], str) and isinstance(c[2], Span):
                opts.append(c)
            elif isinstance(c, m.Name):
                names.append(c)
            elif isinstance(c, DateText):
                dates.append(c)
            elif isinstance(c, Token):
                if c.type == "DATE":
                    dates.append(c)
                elif c.type == "STRING":
                    strings.append(self.line[c.column : c.end_column - 2])
                    fields.setdefault("string_span", self.tok_span(c))
                elif c.type == "PERCENT":
                    fields["percent"] = Decimal(c.value[:-1]) / 100
                elif c.type == "VERB":
                    fields["verb"] = c.value
                elif c.type in ("KW_TOP", "KW_BOTTOM"):
                    fields.setdefault("ends", []).append(c.type)
                elif c.type in ("KW_PROMOTE", "KW_DEMOTE"):
                    fields["move"] = "promote" if c.type == "KW_PROMOTE" else "demote"
                else:
                    keywords_seen.append(c.type)
            elif isinstance(c, list):
                fields.setdefault("lists", []).append(c)
            else:
                fields.setdefault("values", []).append(c)
        fields["names"] = names
        fields["dates"] = dates
        fields["strings"] = strings
        return Statement(kind, self.span_of(meta), fields, tuple(opts))


def _alts_list(terminal: str, lang: str) -> list[str]:
    kw = next(k for k in keywords() if k.terminal == terminal)
    return list(getattr(kw, lang))


_STATEMENT_KINDS = (
    "title source jurisdiction effective timezone rounding_mode assumption category subject metric fact grades ballot "
    "assessment section item component total total_bounds base round notice summary banding band move quota_adjust quota_rounding tiebreak"
).split()

for _kind in _STATEMENT_KINDS:
    setattr(
        _ToStatements, _kind,
        v_args(meta=True)(lambda self, meta, children, _k=_kind: self._statement(_k, meta, children)),
    )


_BLANK = re.compile(r"^\s*(#.*)?$")


def _glued_keyword(name: str, first: bool = False) -> Optional[str]:
    """A keyword a name begins or ends with (a likely missing space): the longest, the one at the end first.

    A keyword in the middle of a name (窗口得分异常) is a legitimate name. Single-character keywords
    count only at the start of a line's first word (节纪律)."""
    surfaces = [s for s in keyword_lookup() if s != name and not s.isascii()]
    ends = [s for s in surfaces if len(s) >= 2 and name.endswith(s)]
    starts = [s for s in surfaces if (len(s) >= 2 or first) and name.startswith(s)]
    for found in (ends, starts):
        if found:
            return max(found, key=len)
    return None


def _tokens(line: str) -> list[Token]:
    """The tokens of a line, as far as it lexes (for error messages)."""
    out: list[Token] = []
    try:
        for t in lark_parser().lex(fold(line)):
            out.append(t)
    except lark.exceptions.LarkError:
        pass
    return out


def _syntax_diagnostic(err: lark.exceptions.LarkError, file: str, lineno: int, line: str) -> Diagnostic:
    if isinstance(err, lark.exceptions.UnexpectedCharacters):
        col = err.column
        span = Span(file, lineno, col, lineno, col + 1)
        ch = line[col - 1] if col - 1 < len(line) else ""
        return Diagnostic.make(span, "syntax.unexpected_char", char=ch)
    if isinstance(err, lark.exceptions.UnexpectedToken):
        tok = err.token
        expected = tuple(sorted(t for t in err.expected if not t.startswith("__")))
        hint = [("syntax.expected", {"expected": expected})] if expected else []
        if tok.type == "$END":
            end = len(line.rstrip()) + 1
            return Diagnostic.make(Span(file, lineno, end, lineno, end + 1), "syntax.unexpected_end", hint)
        span = Span(file, lineno, tok.column, lineno, tok.end_column)
        # The culprit is often the token before: a name glued to a keyword (工作纪律满分) or to digits (附件1).
        tokens = _tokens(line)
        before = [t for t in tokens if t.end_pos <= tok.start_pos]
        if before and before[-1].type == "NAME" and before[-1].end_pos == tok.start_pos and tok.type == "NUMBER":
            t = before[-1]
            return Diagnostic.make(Span(file, lineno, t.column, lineno, tok.end_column), "syntax.digit_in_name", name=t.value, digits=tok.value)
        if before and before[-1].type == "NAME" and before[-1].end_pos == tok.start_pos and tok.type == "_LPAR":
            t = before[-1]
            return Diagnostic.make(Span(file, lineno, t.column, lineno, tok.end_column), "syntax.paren_in_name", name=t.value)
        for t in ([tok] if tok.type == "NAME" else []) + (before[-1:] if before else []):
            if t.type != "NAME":
                continue
            glued = _glued_keyword(t.value, first=bool(tokens) and t.start_pos == tokens[0].start_pos)
            if glued:
                return Diagnostic.make(Span(file, lineno, t.column, lineno, t.end_column), "syntax.glued_keyword", name=t.value, keyword=glued)
        if tok.type in keyword_lookup().values() and "NAME" in err.expected:
            return Diagnostic.make(span, "syntax.keyword_as_name", name=tok.value)
        found = (tok.type, tok.value) if tok.type in ("NAME", "NUMBER", "STRING", "PERCENT", "DATE") else (tok.type,)
        return Diagnostic.make(span, "syntax.unexpected_token", hint, found=found)
    return Diagnostic.make(Span(file, lineno, 1, lineno, 2), "syntax.unexpected_end")


def _first_keyword(line: str) -> Optional[str]:
    """The keyword a (broken) line starts with, also when it is glued to a name (节纪律 → KW_SECTION)."""
    tokens = _tokens(line)
    if not tokens:
        return None
    t = tokens[0]
    if t.type == "NAME":
        lookup = keyword_lookup()
        for n in range(len(t.value) - 1, 0, -1):
            if t.value[:n] in lookup:
                return lookup[t.value[:n]]
        return None
    return t.type


def iter_lines(text: str) -> Iterator[tuple[int, str]]:
    for i, line in enumerate(text.splitlines(), start=1):
        if not _BLANK.match(fold(line)):
            yield i, line


def parse_rulebook(text: str, file: str = "<string>") -> tuple[list[Statement], list[Diagnostic]]:
    """Parse every line; return the statements and the syntax errors of all lines."""
    parser = lark_parser()
    statements: list[Statement] = []
    errors: list[Diagnostic] = []
    for lineno, line in iter_lines(text):
        folded = fold(line)
        try:
            tree = parser.parse(folded)
        except lark.exceptions.LarkError as err:
            errors.append(_syntax_diagnostic(err, file, lineno, line))
            statements.append(Statement("broken", Span(file, lineno, 1, lineno, len(line) + 1), {"keyword": _first_keyword(line)}))
            continue
        statements.append(_ToStatements(file, lineno, line).transform(tree))
    return statements, errors
