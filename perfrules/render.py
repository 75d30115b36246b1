"""Render scorecards and explanations as text (rich tables and trees), Markdown or CSV; the data is built elsewhere."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Iterable, Optional

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from .numbers import fmt, shorten
from .explain import Explanation, Line, Result

WIDTH = 120


def _console(width: int = WIDTH) -> Console:
    # Plain, fixed-width output: the same inputs always render to the same bytes.
    return Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False, highlight=False,
                   emoji=False, markup=False, legacy_windows=False, soft_wrap=False)


def _text(renderable, width: int = WIDTH) -> str:
    con = _console(width)
    con.print(renderable)
    return "\n".join(line.rstrip() for line in con.file.getvalue().splitlines()) + "\n"



def signed(v: Optional[Decimal]) -> str:
    if v is None:
        return "—"
    return ("+" if v > 0 else "") + fmt(v)


def _cite(line: Line) -> str:
    return f" 【{line.citation}】" if line.citation else ""


def _assume(line: Line) -> str:
    return f" 〔假设 {'、'.join(line.assumptions)}〕" if line.assumptions else ""


def describe(line: Line) -> str:
    """One line of text for an explanation node: name, amount, clause, and how the amount came about."""
    d = line.detail
    k = line.kind
    if k == "total":
        head = f"{line.name}：{line.amount:f}{_cite(line)}"
        if d.get("formula"):
            head += f"  {d['formula']}"
        return head + _assume(line)
    if k == "section":
        cap = f"（满分 {d['max']}）" if d.get("max") else ""
        return f"{line.name} {fmt(line.amount)}{cap}{_cite(line)}{_assume(line)}"
    if k == "max":
        return f"满分 {signed(line.amount)}"
    if k == "base":
        return f"基础分 {signed(line.amount)}{_cite(line)}"
    if k == "item":
        extra = []
        if d.get("overturned"):
            extra.append(f"另有 {d['overturned']} 次已申诉撤销，不扣分")
        if d.get("not_met"):
            extra.append(f"另有 {d['not_met']} 次未达「{d['condition']}」，不扣分")
        if d.get("disqualify") and line.amount:
            extra.append("取消评先资格")
        if d.get("veto") and line.amount:
            extra.append("一票否决")
        tail = f"（{'；'.join(extra)}）" if extra else ""
        return f"{line.name} {signed(line.amount)}{_cite(line)}{tail}{_assume(line)}"
    if k == "occurrences":
        if d.get("once"):
            return f"{line.name}：发生 {d['count']} 次，每期只计一次 {signed(line.amount)}"
        if "range" in d:
            return f"{line.name}：{d['count']} {d['unit']}，酌情（{d['range'][0]}–{d['range'][1]}）合计 {signed(line.amount)}"
        share = f" × {d['share']}" if d.get("share") else ""
        return f"{line.name}：{d['count']} {d['unit']} × {d['per']}{share} = {signed(line.amount)}"
    if k in ("cap", "floor"):
        return f"{line.name} {d.get('limit', '')}：吸收 {d.get('absorbed')}，{signed(line.amount)}"
    if k == "component":
        text = f"{line.name} {fmt(line.amount)}{_cite(line)}  {d.get('formula', '')}"
        if d.get("missing"):
            text += "（缺少数据，计 0 分）"
        elif not line.lines or (len(line.lines) == 1 and line.lines[0].kind != "rank_decay"):
            text += f"：{d.get('computation', '')}"
        return text + _assume(line)
    if k == "streak":
        return f"{line.name} = {fmt(line.amount)}：{d.get('computation')}"
    if k == "count":
        per = "，".join(f"{p} {n} 次" for p, n in d.get("periods", {}).items())
        return f"{line.name} = {fmt(line.amount)}" + (f"（{per}）" if per else "") + _cite(line)
    if k == "formula":
        return f"公式 {line.name} = {fmt(line.amount)}"
    if k == "aggregate":
        if d.get("missing_all"):
            return f"{line.name}：没有可用数据"
        text = f"{line.name} = {d.get('computation', fmt(line.amount))}"
        if d.get("missing"):
            text += f"（缺少：{'、'.join(d['missing'])}）"
        return text
    if k == "metric":
        if d.get("missing"):
            return f"度量 {line.name}（{d['period']}）：缺少数据{_cite(line)}"
        return f"度量 {line.name}（{d['period']}）= {fmt(line.amount)}，事件 {d.get('event')}{_cite(line)}{_assume(line)}"
    if k == "ballot":
        votes = "，".join(f"{g} {v['votes']} 票" for g, v in d.get("grades", {}).items())
        text = f"评议 {line.name}（{d.get('period')}）：{votes}；"
        text += f"{d.get('computation')}" if not d.get("missing") else "没有有效票"
        if d.get("top_limit"):
            text += f"；规则：{d['top_limit']}"
        for b in d.get("invalid_ballots", []):
            text += f"；无效票 {b['id']}（{b['voter']}：最高等级 {b['top']} 票，上限 {b['limit']}，不计入）"
        return text + _cite(line)
    if k == "rank_decay":
        if d.get("place") is None:
            return "排名递减：缺少原始值，计 0 分"
        tied = f"，与 {'、'.join(d['tied_with'])} 并列" if d.get("tied_with") else ""
        first = d.get("first") or {}
        return (f"排名递减：原始值 {d['value']}，第 {d['place']} 名（共 {d['population']} 个{tied}；"
                f"第一名 {'、'.join(first.get('subjects', []))} {first.get('value')}，{d['ties']}，{d['order']}）："
                f"{d['computation']}")
    if k == "rounding":
        return f"舍入（{d['digits']} 位，{d['mode']}）：{d['exact']} → 调整 {signed(line.amount)}{_cite(line)}"
    if k == "veto":
        return f"一票否决（{'、'.join(d.get('items', []))}）：总分归零 {signed(line.amount)}{_cite(line)}"
    if k == "band":
        return f"等次 {line.name}{_cite(line)}"
    return f"{line.name} {fmt(line.amount)}"


def _label(line: Line) -> str:
    """A tree label: long decimals shortened (≈) for reading; the JSON keeps them exact."""
    return shorten(describe(line))


def _events_text(line: Line) -> Optional[str]:
    if not line.events:
        return None
    parts = []
    for e in line.events:
        bits = [e.id, e.date]
        if e.count != 1:
            bits.append(f"×{e.count}")
        if e.tier:
            bits.append(e.tier)
        if e.amount is not None:
            bits.append(f"{fmt(e.amount)}分")
        if e.status == "overturned":
            bits.append("已申诉撤销")
        if e.staff:
            bits.append(e.staff)
        if e.via:
            bits.append(f"（连带：{e.via}）")
        if e.note:
            bits.append(f"（{e.note}）")
        parts.append(" ".join(bits))
    return "事件：" + "；".join(parts)


def _tree(line: Line, tree: Tree, depth: int, root: Optional[str] = None) -> None:
    events = _events_text(line)
    if events:
        tree.add(events)
    if line.kind == "component" and len(line.lines) == 1 and line.lines[0].kind == "rank_decay":
        rd = line.lines[0]
        node = tree.add(_label(rd))
        for child in rd.inputs:
            _tree(child, node.add(_label(child)), depth + 1, root)
        return
    for child in line.lines:
        if child.kind == "max":
            continue
        _tree(child, tree.add(_label(child)), depth + 1, root)
    for child in line.inputs:
        if child.kind == "total" and depth > 0:
            # A sub-period score inside an average: one line, expanded only when it lost points.
            who = child.detail.get("subject")
            head = child.detail.get("period", child.name) if who in (None, line.detail.get("subject"), root) else f"{who} {child.detail.get('period', '')}"
            sub = tree.add(f"{head}：{fmt(child.amount)}")
            for part in child.lines:
                lost = part.kind == "section" and (part.detail.get("deducted", "0") != "0" or part.detail.get("added", "0") != "0")
                if lost or part.kind not in ("section", "max"):  # sections that lost points, and every other part
                    _tree(part, sub.add(_label(part)), depth + 1, root)
            continue
        _tree(child, tree.add(_label(child)), depth + 1, root)


def deductions(line: Line, period: Optional[str] = None, subject: Optional[str] = None) -> list[tuple[Line, Optional[str]]]:
    """Every item line of the subject's own scores under ``line`` that moved them, with its period.

    A subordinate's score (下属平均) is an input, not the subject's own deductions: it is left out."""
    out: list[tuple[Line, Optional[str]]] = []
    if line.kind == "total":
        who = line.detail.get("subject")
        if subject is not None and who is not None and who != subject:
            return out
        subject = subject or who
        period = line.detail.get("period", period)
    if line.kind == "item" and (line.amount or line.detail.get("overturned") or line.detail.get("not_met")):
        out.append((line, period))
    for child in list(line.lines) + list(line.inputs):
        out.extend(deductions(child, period, subject))
    return out


def render_explanation(expl: Explanation, format: str = "text") -> str:  # noqa: A002 (the CLI's --format)
    """An explanation as ``text``, ``markdown`` or ``json``."""
    if format == "json":
        return expl.model_dump_json(indent=2) + "\n"
    if format == "markdown":
        return _markdown(expl)
    s = expl.subject
    out = [
        f"{s.name}（{s.subject}，{s.category}）· {expl.assessment_label or expl.assessment} · {expl.period}",
        f"得分 {s.score:f}" + (f"（精确值 {shorten(fmt(s.exact_score))}）" if s.exact_score != s.score else "")
        + f"  第 {s.rank} 名" + (f"  等次：{s.band}" if s.band else ""),
        f"规则集：{expl.rulebook.title}（sha256 {expl.rulebook.sha256[:12]}…）  输入 sha256 {expl.inputs_sha256[:12]}…  {expl.engine}",
        "",
        "一、得分构成",
    ]
    tree = Tree(_label(s.explanation))
    _tree(s.explanation, tree, 0, s.subject)
    out.append(_text(tree).rstrip("\n"))
    items = sorted(deductions(s.explanation), key=lambda x: (x[0].amount or 0, x[1] or "", x[0].name))
    out += ["", "二、扣分与加分明细（按金额从大到小）"]
    if items:
        table = Table(show_edge=False, box=None, pad_edge=False)
        for col in ("金额", "项目", "条款", "周期", "次数", "事件与日期"):
            table.add_column(col, justify="right" if col in ("金额", "次数") else "left", overflow="fold")
        for line, period in items:
            ev = "；".join(f"{e.id} {e.date}" + ("（已撤销）" if e.status == "overturned" else "") for e in line.events)
            table.add_row(signed(line.amount), line.name, line.citation or "", period or "", str(line.detail.get("count", "")), ev)
        out.append(_text(table).rstrip("\n"))
    else:
        out.append("（无）")
    if s.band_explanation is not None:
        out += ["", "三、等次判定", _band_text(s.band_explanation)]
    if expl.warnings:
        out += ["", "注意："] + [f"- {w.message}" for w in expl.warnings]
    return "\n".join(out) + "\n"


def _band_text(b: Line) -> str:
    d = b.detail
    first = d.get("first") or {}
    lines = [f"总分 {d['score']}，第 {d.get('rank', d['place'])} 名 / {d['population']}；第一名 {first.get('subject')} {first.get('score')}"]
    for q in d.get("quotas", []):
        lines.append(f"名额：{q['band']} " + (f"{q['places']} 个" if "places" in q else f"{q['share']} × {q['of']} = {q['exact']} → {q['size']} 个（{q['rounding']}）"))
    for x in d.get("ineligible", []):
        lines.append(f"不参加「{x['band']}」：{x['reason']}")
    if d.get("phase") == "quota":
        lines.append(f"按名额进入「{b.name if not d.get('moves') else d['moves'][0]['from']}」：该档第 {d['position']} 位（名额 {d['size']}，末位得分 {d['cutoff']}）")
    elif d.get("phase") == "rest":
        lines.append("名额已满，归入其余档")
    for mv in d.get("moves", []):
        verb = "提档" if mv["kind"] == "promote" else "降档"
        lines.append(f"{verb}：{mv['from']} → {mv['to']}，条件 {mv['condition']}：{mv['left']} 对 {mv['right']}" + (f" 【{mv['citation']}】" if mv.get("citation") else ""))
    if d.get("tie"):
        t = d["tie"]
        lines.append(f"！并列跨越名额边界：{'、'.join(t['subjects'])} 同分 {t['score']}（比较 {'、'.join(d.get('tiebreak', [])) or '无'} 后仍并列），"
                     f"按规则集中的顺序取 {'、'.join(t['inside']) or '无'}，请人工复核")
    lines.append(f"结果：{b.name}{_cite(b)}")
    return "\n".join("  " + x for x in lines)


def _markdown(expl: Explanation) -> str:
    s = expl.subject
    out = [
        f"# {s.name}（{s.subject}）· {expl.assessment_label or expl.assessment} · {expl.period}", "",
        f"- 得分：**{s.score:f}**（精确值 {fmt(s.exact_score)}）", f"- 名次：第 {s.rank} 名",
    ]
    if s.band:
        out.append(f"- 等次：**{s.band}**")
    out += [f"- 规则集：{expl.rulebook.title}（sha256 `{expl.rulebook.sha256}`）", f"- 输入 sha256：`{expl.inputs_sha256}`", "", "## 得分构成", ""]

    def walk(line: Line, depth: int) -> None:
        out.append("  " * depth + "- " + describe(line))
        ev = _events_text(line)
        if ev:
            out.append("  " * (depth + 1) + "- " + ev)
        for child in list(line.lines) + list(line.inputs):
            if child.kind != "max":
                walk(child, depth + 1)

    walk(s.explanation, 0)
    items = sorted(deductions(s.explanation), key=lambda x: (x[0].amount or 0, x[1] or "", x[0].name))
    out += ["", "## 扣分与加分明细", "", "| 金额 | 项目 | 条款 | 周期 | 次数 | 事件 |", "|---:|---|---|---|---:|---|"]
    for line, period in items:
        ev = "；".join(f"{e.id} {e.date}" for e in line.events)
        out.append(f"| {signed(line.amount)} | {line.name} | {line.citation or ''} | {period or ''} | {line.detail.get('count', '')} | {ev} |")
    if s.band_explanation is not None:
        out += ["", "## 等次判定", "", "```", _band_text(s.band_explanation), "```"]
    if expl.warnings:
        out += ["", "## 注意", ""] + [f"- {w.message}" for w in expl.warnings]
    return "\n".join(out) + "\n"


def render_table(result: Result, max_rejections: Optional[int] = None) -> str:
    """The ranked table of each assessment and period in ``result``, then bands, the accounting line and rejections."""
    parts: list[str] = []
    for a in result.assessments:
        st = a.statistics
        title = f"{a.label or a.assessment} · {a.period}" + (f" 【{a.citation}】" if a.citation else "")
        table = Table(title=title, title_justify="left", show_lines=False)
        table.add_column("名次", justify="right")
        table.add_column("对象")
        table.add_column("名称")
        table.add_column("类别")
        table.add_column("得分", justify="right")
        has_band = any(s.band for s in a.subjects)
        if has_band:
            table.add_column("等次")
            table.add_column("备注")
        for s in a.subjects:
            row = [str(s.rank), s.subject, s.name, s.category, format(s.score, "f")]
            if has_band:
                note = "取消评先" if s.disqualified else ""
                row += [s.band or "", note]
            table.add_row(*row)
        parts.append(_text(table).rstrip("\n"))
        if st.count:
            parts.append(
                f"最高 {st.highest:f}（{'、'.join(st.highest_subjects)}）  最低 {st.lowest:f}（{'、'.join(st.lowest_subjects)}）  "
                f"平均 {shorten(fmt(st.mean), 3)}  分差 {st.spread:f}  共 {st.count} 个"
            )
        if st.count and st.above_base is not None:
            parts.append(f"高于基础分 {fmt(st.base)} 的 {st.above_base} 个")
        if st.top or st.bottom:
            def listed(n: int, rows: list) -> str:
                tie = f"（含并列共 {len(rows)} 个）" if len(rows) > n else ""
                return f"{n} 名{tie}：" + "、".join(f"{r['name']} {r['score']}" for r in rows)
            parts.append("；".join(x for x in ("前 " + listed(st.top_n, st.top) if st.top else "",
                                                "后 " + listed(st.bottom_n, st.bottom) if st.bottom else "") if x))
        for sm in st.summaries:
            sums = "，".join(f"{k} {v}" for k, v in sm["sums"].items() if k != sm["formula"])
            parts.append(f"汇总 {sm['name']} = {sm['formula']} = {shorten(sm['value']) if sm['value'] is not None else '—'}" + (f"（{sums}）" if sums else "")
                         + (f" 【{sm['citation']}】" if sm.get("citation") else ""))
        for b in a.bandings:
            fp = b.first_place or {}
            parts.append(f"等次「{b.banding}」：第一名 {fp.get('subject')} {fp.get('score')}")
            for q in b.quotas:
                parts.append(f"  名额 {q['band']}：" + (f"{q['places']} 个" if "places" in q else f"{q['share']} × {q['of']} = {q['exact']} → {q['size']} 个（{q['rounding']}）"))
            for adj in b.adjustments:
                state = "已适用" if adj["applied"] else ("未提供，按否" if adj["value"] is None else "不适用")
                parts.append(f"  若 {adj['fact']}：{adj['band']} 名额 {adj['delta']}（{state}）")
            parts.append("  " + "  ".join(f"{band or '未评'} {len(members)} 个" for band, members in b.bands.items()))
            for mv in b.moves:
                parts.append(f"  {'提档' if mv['kind'] == 'promote' else '降档'} {mv['subject']}：{mv['from']} → {mv['to']}（{mv['condition']}：{mv['left']} 对 {mv['right']}）")
            for t in b.ties:
                parts.append(f"  ！并列跨越「{t['band']}」名额边界：{'、'.join(t['subjects'])} 同分 {t['score']}，请人工复核")
        parts.append("")
    parts.append(accounting_text(result))
    shown = result.rejections if max_rejections is None else result.rejections[:max_rejections]
    for r in shown:
        where = f"{r.source}:{r.line}" if r.source else "（接口）"
        parts.append(f"  拒收 {where} {r.id or '—'}：{r.message}")
    if max_rejections is not None and len(result.rejections) > max_rejections:
        parts.append(f"  ……另有 {len(result.rejections) - max_rejections} 条拒收，见 --format json")
    if result.warnings:
        parts.append("注意：")
        parts += ["  " + " ".join(x for x in (w.assessment, w.period, w.subject) if x) + ("：" if w.assessment or w.subject else "") + w.message
                  for w in result.warnings]
    return "\n".join(parts) + "\n"


def accounting_text(result: Result) -> str:
    acc = result.accounting
    return (f"收到 {acc.received} 条，计入 {acc.counted} 条（其中申诉撤销 {acc.overturned} 条不扣分），拒收 {acc.rejected} 条"
            f"  [received {acc.received} = counted {acc.counted} + rejected {acc.rejected}]")


def render_csv(result: Result) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["assessment", "period", "rank", "subject", "name", "category", "score", "exact_score", "band", "disqualified"])
    for a in result.assessments:
        for s in a.subjects:
            w.writerow([a.assessment, a.period, s.rank, s.subject, s.name, s.category, fmt(s.score), fmt(s.exact_score),
                        s.band or "", "；".join(s.disqualified)])
    return buf.getvalue()


def render_rejections(lines: Iterable) -> str:
    return "\n".join(f"{r.source}:{r.line} {r.id or '—'} {r.reason} {r.message}" for r in lines) + "\n"


def render_catalogue(cat: dict) -> str:
    """The item catalogue as text: header, assumptions, data the rulebook expects, assessments and bandings."""
    out = [f"{cat['title']}", f"辖区 {cat['jurisdiction'] or '—'}  生效 {cat['effective'][0]} 至 {cat['effective'][1]}  时区 {cat['timezone']}  舍入方式 {cat['rounding_mode']}", ""]
    if cat["assumptions"]:
        out.append(f"假设（{len(cat['assumptions'])} 条）")
        out += [f"  {x['id']} 第 {x['line']} 行" + (f" 【{x['citation']}】" if x["citation"] else "") + f"：{x['text']}" for x in cat["assumptions"]]
        out.append("")
    out.append("对象：" + "；".join(f"{c['name']} {sum(1 for s in cat['subjects'] if s['category'] == c['name'])} 个" for c in cat["categories"]))
    for x in cat["metrics"]:
        rng = f"{x['min']}–{x['max']}" if x["min"] is not None else "不限"
        out.append(f"度量 {x['name']}：每{_PERIOD_ZH[x['period']]}、{rng}、{'、'.join(x['categories'])}" + (f" 【{x['citation']}】" if x["citation"] else ""))
    for f in cat["facts"]:
        out.append(f"事实 {f['name']}：每{_PERIOD_ZH[f['period']]} true/false" + (f" 【{f['citation']}】" if f["citation"] else ""))
    for g in cat["ballots"]:
        grades = "、".join(f"{n} {w}" for n, w in g["grades"].items())
        out.append(f"评议 {g['group']}：{grades}；{g['top_grade']} ≤ {fmt(Decimal(g['top_limit']) * 100)}%；{'、'.join(g['categories'])}" if g["top_grade"] else f"评议 {g['group']}：{grades}")
    for a in cat["assessments"]:
        out += ["", f"考核 {a['name']}" + (f"（{a['label']}）" if a["label"] else "") + f" 每{_PERIOD_ZH[a['period']]}，对象 {'、'.join(a['categories'])}" + (f" 【{a['citation']}】" if a["citation"] else "")]
        if a["base"]:
            out.append(f"基础分 {a['base']}")
        for s in a["sections"]:
            head = f"节 {s['name']}" + (f" 满分 {s['max']}" if s["max"] else "")
            head += f" 下限 {s['floor']}" if s["floor"] else (" 不设下限" if s["max"] is not None else "")
            head += (f" 扣分上限 {s['deduction_cap']}" if s["deduction_cap"] else "") + (f" 加分上限 {s['bonus_cap']}" if s["bonus_cap"] else "")
            head += f" 【{s['citation']}】" if s["citation"] else ""
            table = Table(title=head, title_justify="left", box=None, pad_edge=False)
            for col in ("项目", "条款", "分值", "单位", "分档", "其他"):
                table.add_column(col)
            for it in s["items"]:
                sign = "扣" if it["direction"] == "deduct" else "加"
                value = f"酌情{sign} {it['min']}–{it['max']}" if it.get("discretionary") else f"{sign} {it['points']}"
                unit = "每期一次" if it.get("once_per_period") else f"每{it['unit']}"
                tiers = "；".join(f"{t['name']} {t.get('points') or (t.get('min') + '–' + t.get('max'))}" for t in it["tiers"])
                esc = it.get("escalation")
                other = "、".join(x for x in (
                    ("上限 " + it["cap"]) if it["cap"] else "",
                    f"自第 {esc['from']} 次起 每次 {esc['points']}" + ("（全年累计）" if esc["over_year"] else "") if esc else "",
                    f"连带 {it['joint']['item']} {fmt(Decimal(it['joint']['share']) * 100)}%" if it.get("joint") else "",
                    f"当 {it['condition']}" if it.get("condition") else "",
                    "取消评先" if it["disqualify"] and not it["veto"] else "", "一票否决" if it["veto"] else "",
                    ("假设 " + "、".join(it["assumptions"])) if it["assumptions"] else "") if x)
                table.add_row(it["name"], it["citation"] or "", value, unit, tiers, other)
            out.append(_text(table).rstrip("\n") if s["items"] else f"节 {s['name']} 满分 {s['max']}（无条目）" + (f" 假设 {'、'.join(s['assumptions'])}" if s["assumptions"] else ""))
        for c in a["components"]:
            out.append(f"分项 {c['name']}" + (f" 满分 {c['max']}" if c["max"] else "") + (f" 下限 {c['floor']}" if c.get("floor") else "")
                       + f" = {c['formula']}" + (f" 【{c['citation']}】" if c["citation"] else ""))
        if a["total_formula"]:
            out.append(f"总分 = {a['total_formula']}")
        if a["total_cap"]:
            out.append(f"总分 上限 {a['total_cap']}")
        out.append(f"通报 前 {a['notice']['top']} 名 后 {a['notice']['bottom']} 名")
        for x in a["summaries"]:
            out.append(f"汇总 {x['name']} = {x['formula']}" + (f" 【{x['citation']}】" if x["citation"] else ""))
        if a["rounding"]:
            out.append(f"舍入 {a['rounding']['digits']} 位 {a['rounding']['mode']}")
    for b in cat["bandings"]:
        out += ["", f"等次 {b['name']} 依据 {b['assessment']}（名额取整 {b['quota_rounding']}；并列比较 {'、'.join(b['tiebreak']) or '无'}）"]
        for x in b["bands"]:
            extra = [f"名额 {fmt(Decimal(x['quota']) * 100)}%" if x["quota"] else (f"名额 {x['places']} 个" if x.get("places") is not None
                     else ("其余" if x["rest"] else "仅经提档/降档"))]
            if x.get("condition"):
                extra.append("当 " + x["condition"])
            if x["only"]:
                extra.append("仅限 " + "、".join(x["only"]))
            if x["award"]:
                extra.append("评先")
            out.append(f"  档 {x['name']}：{'，'.join(extra)}")
        out += [f"  {'提档' if mv['kind'] == 'promote' else '降档'} {mv['from']} → {mv['to']} 当 {mv['condition']}" for mv in b["moves"]]
        out += [f"  若 {x['fact']} 则 {x['band']} 名额 {fmt(Decimal(x['delta']) * 100)}%" for x in b["adjustments"]]
    return "\n".join(out) + "\n"


_PERIOD_ZH = {"month": "月", "quarter": "季", "half": "半年", "year": "年"}
