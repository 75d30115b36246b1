"""Generate the 新郑市 January 2018 example data set from the shipped rulebook, deterministically.

Usage: python examples/tools/generate_xinzheng.py [OUTDIR]   (default: examples/xinzheng-2018-01)

Departments, items and metrics are read from ``rulebooks/xinzheng-2018-01.rules``. The data is
built so that the scores reproduce the notice (新郑市政务服务工作月通报2018年第一期) exactly:
highest 128.037 (国税局), lowest 98.304 (旅游文物局), average 102.962, spread 29.733, 32
departments above the base 100, top three 国税局/地税局/人社局, bottom three 旅游文物局/安监局/
畜牧局; and so do the hall-wide figures: 118214 cases received and completed, 103534 completed on
the spot (即时办结率 100%), 14680 completed early, 212 extended/on-site services by 25
departments, 50 staff in the individual top 50 from 20 departments, the 10 departments with the
most four-level entries as listed. Every problem the notice names is recorded against the
department it names. The rest (the other departments' routine deductions and figures) is drawn
from ``random.Random(20180222)``; scores are computed here with the rulebook's amounts, in exact
decimals, and checked against the targets, so two runs give byte-identical files.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import dumps, partition, write, write_measures_csv  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RULEBOOK = ROOT / "rulebooks" / "xinzheng-2018-01.rules"
DEFAULT_OUT = ROOT / "examples" / "xinzheng-2018-01"
SEED = 20180222
MONTH = "2018-01"

try:
    from perfrules.compiler import load_rulebook
except ModuleNotFoundError:  # run from a source checkout without installing
    sys.path.insert(0, str(ROOT))
    from perfrules.compiler import load_rulebook

D = Decimal

# ---------------------------------------------------------------- what the notice states

HIGHEST, LOWEST, MEAN, ABOVE_BASE = D("128.037"), D("98.304"), D("102.962"), 32
TOP3 = ["国税局", "地税局", "人社局"]
BOTTOM3 = ["旅游文物局", "安监局", "畜牧局"]          # 旅游文物局 last (assumed order: worst first)
RECEIVED = 118214                                      # 共受理业务118214件，办结118214件
ON_THE_SPOT = 103534                                   # 即时办结103534件，全部为当场办结
EARLY = 14680                                          # 提前办结14680件
ENTRIES_TOP10 = {"国税局": 25777, "地税局": 19706, "社保局": 2003, "房管中心": 1300, "公安局": 1144, "住房公积金": 1088,
                 "不动产登记中心": 1036, "人社局": 830, "卫计委": 816, "民政局": 597}
TOWNSHIP_ENTRIES = 941                                 # 孟庄镇302、梨河镇270、辛店镇208、新华办145、新建办7、郭店镇5、新村镇4
TOP50 = {"国税局": 10, "民政局": 6, "卫计委": 6, "地税局": 4, "规划中心": 4, "住房公积金": 3, "工商质监局": 3, "国土局": 2,
         "发改委": 1, "残联": 1, "房管中心": 1, "公安局": 1, "行政执法局": 1, "交运局": 1, "人社局": 1, "农委": 1,
         "食药监局": 1, "盐业局": 1, "人防办": 1, "住建局": 1}
# 延时、上门、预约等服务212次，25个部门 (the notice lists 26 names; 「文物局」 is read as 旅游文物局 listed twice and left out)
EXTENDED = ["发改委", "国税局", "规划中心", "环保局", "住房公积金", "社保局", "人社局", "住建局", "公安局", "消防大队", "国土局",
            "不动产登记中心", "工商质监局", "地税局", "文广新局", "房管中心", "食药监局", "烟草局", "水务局", "交运局", "林业局",
            "民政局", "行政执法局", "残联", "畜牧局"]
EXTENDED_TOTAL = 212
INNOVATION = {"工商质监局": "出台《注册登记窗口管理规范》，实施「容缺受理」", "交运局": "实施办理IC卡式电子营运证（带ETC功能）"}

# ---------------------------------------------------------------- the plan: named problems and the edge departments

# Occurrences fixed by hand: (department, item, count). Items are checked against the rulebook.
FIXED = [
    # the notice's named problems
    ("工商质监局", "漏报四级联动信息", 1), ("人防办", "漏报四级联动信息", 1), ("旅游文物局", "漏报四级联动信息", 1),
    ("住建局", "日清周结报表无备注", 1), ("旅游文物局", "日清周结报表无备注", 2), ("林业局", "早报日清周结", 1),
    ("环保局", "视频通话无人接听", 1), ("农委", "视频通话无人接听", 2),
    ("不动产登记中心", "两集中两到位不到位", 1), ("规划中心", "审批科外人员参与审批", 1),
    ("不动产登记中心", "标准化清单要素不完善", 1), ("不动产登记中心", "信息化平台分中心未建立", 1),
    # 个别单位审批卷宗装订不规范、无受理通知书
    ("国税局", "卷宗装订不规范", 2), ("林业局", "卷宗装订不规范", 1), ("安监局", "卷宗装订不规范", 1),
    ("畜牧局", "无受理通知书", 1),
    # the top and bottom departments' other deductions, so that the notice's scores come out exactly
    ("国税局", "自检问题未整改", 3), ("国税局", "迟到早退脱岗", 6),
    ("地税局", "自检问题未整改", 2), ("地税局", "未落实三项制度", 1),
    ("人社局", "迟到早退脱岗", 3),
    ("旅游文物局", "自检问题未整改", 6), ("旅游文物局", "事项未按时配置入省网", 1), ("旅游文物局", "迟到早退脱岗", 3),
    ("旅游文物局", "外勤图片未报送", 2), ("旅游文物局", "实施清单编制不合格", 1),
    ("安监局", "自检问题未整改", 4), ("安监局", "事项未按时配置入省网", 1), ("安监局", "迟到早退脱岗", 4), ("安监局", "未落实三项制度", 1),
    ("畜牧局", "自检问题未整改", 3), ("畜牧局", "事项未按时配置入省网", 1), ("畜牧局", "迟到早退脱岗", 2), ("畜牧局", "外勤图片未报送", 1),
    ("人防办", "自检问题未整改", 4), ("人防办", "事项未按时配置入省网", 1), ("人防办", "迟到早退脱岗", 1),
    ("林业局", "自检问题未整改", 5), ("林业局", "事项未按时配置入省网", 1), ("林业局", "迟到早退脱岗", 1),
    ("住建局", "自检问题未整改", 3), ("住建局", "事项未按时配置入省网", 1), ("住建局", "迟到早退脱岗", 2),
]
# 咨询辅导人员不能按时到岗 (工商质监局、住建局): minutes late for each record; > 5 counts, the 3rd and later at 0.5.
LATE_ARRIVALS = {"工商质监局": [12, 3, 25, 8], "住建局": [15, 4, 7]}
# 延时服务 for the departments whose scores are pinned; the rest of the 212 is drawn.
EXTENDED_FIXED = {"国税局": 3, "地税局": 6, "人社局": 30, "畜牧局": 2, "林业局": 3, "住建局": 4, "不动产登记中心": 2}
# 提前办结 for the pinned departments; the rest of the 14680 is drawn.
EARLY_FIXED = {"国税局": 0, "地税局": 0, "人社局": 3217, "不动产登记中心": 2480, "旅游文物局": 0, "安监局": 120, "畜牧局": 95,
               "人防办": 160, "林业局": 230, "住建局": 180}
# 四级联动录入 for the edge departments outside the ten listed; 旅游文物局's is solved for 98.304.
ENTRIES_FIXED = {"安监局": 11, "畜牧局": 7, "人防办": 9, "林业局": 12, "住建局": 15}
PINNED = set(EARLY_FIXED) | set(ENTRIES_FIXED) | set(TOP3) | set(BOTTOM3)
# Routine deductions drawn for the other departments (item -> weight); 0.1 and 0.2 points each.
ROUTINE = {"自检问题未整改": 5, "迟到早退脱岗": 5, "外勤图片未报送": 2, "实施清单编制不合格": 2}
ROUTINE_MAX = D("1.2")  # per department, so that all of them stay above the base

EVIDENCE = {
    "自检问题未整改": "省事项管理系统自检反馈问题清单", "实施清单编制不合格": "实施清单审核意见",
    "漏报四级联动信息": "四级联动审批系统核查", "事项未按时配置入省网": "省政务服务网事项配置进度通报",
    "咨询辅导人员未按时到岗": "咨询辅导值班签到", "视频通话无人接听": "视频通话系统呼叫记录",
    "日清周结报表无备注": "日清周结报表审核", "早报日清周结": "日清周结报表审核", "迟到早退脱岗": "中心考勤记录",
    "外勤图片未报送": "外出现场办公报备核查", "卷宗装订不规范": "审批卷宗抽查", "无受理通知书": "审批卷宗抽查",
    "未落实三项制度": "督查科暗访", "两集中两到位不到位": "「两集中、两到位」落实情况检查",
    "审批科外人员参与审批": "「两集中、两到位」落实情况检查", "标准化清单要素不完善": "标准化清单检查",
    "信息化平台分中心未建立": "信息化平台建设督查", "临时性工作按时完成": "「一次办妥」事项梳理统计报送",
}


def workdays() -> list[date]:
    """Working days of January 2018 (1 January is 元旦; no adjusted working weekend that month)."""
    d, out = date(2018, 1, 2), []
    while d.month == 1:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


DAYS = workdays()


class Model:
    """The rulebook's amounts, read once, and a scorer that mirrors it for this data (caps checked, never hit)."""

    def __init__(self, rb):
        self.rb = rb
        a = rb.assessments[0]
        self.base = a.base
        self.items = {it.name: it for it in rb.items()}
        self.section_of = {it.name: it.section for it in rb.items()}
        self.caps = {s.name: (s.deduction_cap, s.bonus_cap) for s in a.sections}
        self.depts = [s.id for s in rb.subjects]
        names = {n for _, n, _ in FIXED} | set(ROUTINE) | set(EVIDENCE) | {"咨询辅导人员未按时到岗", "延时预约上门服务", "工作机制创新"}
        listed = set(TOP3) | set(BOTTOM3) | set(ENTRIES_TOP10) | set(TOP50) | set(EXTENDED) | set(INNOVATION) | {d for d, _, _ in FIXED}
        missing = sorted((names - set(self.items)) | (listed - set(self.depts)))
        if missing:
            raise SystemExit(f"generate_xinzheng: 规则集中没有：{'、'.join(missing)}")

    def item_points(self, name: str, count: int) -> Decimal:
        it = self.items[name]
        if it.amount.per_unit is None:
            return it.amount.low if count else D(0)
        if it.escalation is not None:
            start = it.escalation.start
            normal = min(count, start - 1)
            return it.amount.low * normal + it.escalation.amount.low * (count - normal)
        return it.amount.low * count

    def score(self, counts: dict[str, int], m: dict[str, int]) -> Decimal:
        """counts: item -> upheld count (lateness already applied); m: metric -> value."""
        total = self.base
        per_section: dict[str, list[Decimal]] = {}
        for name, n in counts.items():
            pts = self.item_points(name, n)
            ded, bon = per_section.setdefault(self.section_of[name], [D(0), D(0)])
            if self.items[name].amount.sign < 0:
                per_section[self.section_of[name]][0] += pts
            else:
                per_section[self.section_of[name]][1] += pts
        for sec, (ded, bon) in per_section.items():
            dcap, bcap = self.caps[sec]
            assert (dcap is None or ded <= dcap) and (bcap is None or bon <= bcap), (sec, ded, bon)
            total += bon - ded
        rate = D(m["当场办结件数"]) / D(m["即时办件数"])
        total += D(1) if rate >= 1 else (D("0.5") if rate >= D("0.95") else D(0))
        total += D(m["四级联动录入件数"]) * D("0.001") + D(m["提前办结件数"]) * D("0.001") + D(m["个人绩效前50名人数"]) * D("0.2")
        return total.quantize(D("0.001"))


def build(model: Model, rng: random.Random):
    depts = model.depts
    counts = {d: {} for d in depts}

    def bump(d, item, n=1):
        counts[d][item] = counts[d].get(item, 0) + n

    for d, item, n in FIXED:
        bump(d, item, n)
    for d, minutes in LATE_ARRIVALS.items():
        met = sum(1 for x in minutes if x > 5)
        if met:
            bump(d, "咨询辅导人员未按时到岗", met)
    for d in INNOVATION:
        bump(d, "工作机制创新")
    for d in depts:
        bump(d, "临时性工作按时完成")

    # 延时服务: the pinned departments as planned, the remaining services over the other listed departments.
    extended = dict(EXTENDED_FIXED)
    free = [d for d in EXTENDED if d not in extended]
    for d, n in zip(free, partition(rng, EXTENDED_TOTAL - sum(extended.values()), [rng.uniform(0.5, 3) for _ in free])):
        extended[d] = n
    for d, n in extended.items():
        bump(d, "延时预约上门服务", n)

    # Measures.
    m = {d: {} for d in depts}
    spot = partition(rng, ON_THE_SPOT - 30000 - 21500, [rng.lognormvariate(0, 1.1) for _ in depts[2:]], minimum=40)
    for d, n in zip(depts, [30000, 21500] + spot):
        m[d]["即时办件数"] = m[d]["当场办结件数"] = n
    early = dict(EARLY_FIXED)
    free = [d for d in depts if d not in early]
    for d, n in zip(free, partition(rng, EARLY - sum(early.values()), [rng.uniform(0.2, 1.5) for _ in free], minimum=10)):
        early[d] = min(n, 1150)
    spill = EARLY - sum(early.values())
    for d in sorted(free, key=lambda d: early[d]):
        if spill <= 0:
            break
        take = min(1150 - early[d], spill)
        early[d] += take
        spill -= take
    for d in depts:
        m[d]["提前办结件数"] = early[d]
        m[d]["办结件数"] = m[d]["受理件数"] = m[d]["即时办件数"] + early[d]
        m[d]["个人绩效前50名人数"] = TOP50.get(d, 0)
        m[d]["四级联动录入件数"] = ENTRIES_TOP10.get(d, ENTRIES_FIXED.get(d, 0))
    assert sum(m[d]["受理件数"] for d in depts) == RECEIVED and sum(early.values()) == EARLY

    # 旅游文物局's entries make its score exactly the notice's lowest.
    last = BOTTOM3[0]
    without = model.score(counts[last], dict(m[last], 四级联动录入件数=0))
    m[last]["四级联动录入件数"] = int((LOWEST - without) * 1000)
    assert 0 <= m[last]["四级联动录入件数"] < 100, without

    # Routine deductions for the other departments, until the total of all scores is the notice's average × 38.
    others = [d for d in depts if d not in PINNED]
    target_sum = MEAN * len(depts)
    items = list(ROUTINE)
    weights = [ROUTINE[i] for i in items]
    spent = {d: D(0) for d in others}
    # Entries of the departments outside the ten listed (pinned ones excepted) are drawn small; the last
    # thousandths of the sum are taken up by them.
    small = [d for d in others if d not in ENTRIES_TOP10]
    for d in small:
        m[d]["四级联动录入件数"] = rng.randint(0, 6)
    while True:
        current = sum(model.score(counts[d], m[d]) for d in depts)
        excess = current - target_sum
        if excess < D("0.2"):
            break
        d = rng.choice(others)
        item = rng.choices(items, weights)[0]
        pts = model.items[item].amount.low
        if spent[d] + pts > ROUTINE_MAX or pts > excess:
            continue
        bump(d, item)
        spent[d] += pts
    # The remaining excess (< 0.2) in 0.1 steps, then the thousandths through the small departments' entries.
    while excess >= D("0.1"):
        d = min(others, key=lambda x: (spent[x], others.index(x)))
        bump(d, "自检问题未整改")
        spent[d] += D("0.1")
        excess -= D("0.1")
    shortfall = int(-excess * 1000)  # thousandths still missing (excess is now in (-0.1, 0.1))
    if shortfall < 0:
        d = min(others, key=lambda x: (spent[x], others.index(x)))
        bump(d, "自检问题未整改")
        spent[d] += D("0.1")
        shortfall += 100
    for k in range(shortfall):
        m[small[k % len(small)]]["四级联动录入件数"] += 1

    scores = {d: model.score(counts[d], m[d]) for d in depts}
    check(scores, m)
    return counts, m, extended, scores


def check(scores: dict[str, Decimal], m: dict) -> None:
    ranked = sorted(scores, key=lambda d: -scores[d])
    assert ranked[:3] == TOP3, [(d, scores[d]) for d in ranked[:4]]
    assert ranked[-3:][::-1] == BOTTOM3, [(d, scores[d]) for d in ranked[-4:]]
    assert scores[TOP3[0]] == HIGHEST and scores[BOTTOM3[0]] == LOWEST, (scores[TOP3[0]], scores[BOTTOM3[0]])
    assert sum(scores.values()) == MEAN * len(scores), sum(scores.values()) / len(scores)
    assert sum(1 for v in scores.values() if v > 100) == ABOVE_BASE
    entries = sum(x["四级联动录入件数"] for x in m.values())
    assert entries + TOWNSHIP_ENTRIES <= 55384, entries


# ---------------------------------------------------------------- events


def events_from(model: Model, rng: random.Random, counts: dict, extended: dict) -> list[dict]:
    depts = model.depts
    out: list[dict] = []
    for d in depts:
        for item, n in counts[d].items():
            if item in ("咨询辅导人员未按时到岗",):
                continue
            if item == "延时预约上门服务":
                days = sorted(rng.choice(DAYS) for _ in range(n))
                kinds = ("延时服务", "预约服务", "上门服务", "午间不间断服务")
                for day in days:
                    out.append({"subject": d, "item": item, "date": day.isoformat(),
                                "evidence": f"{rng.choice(kinds)}登记 {day.isoformat()}"})
                continue
            if item == "工作机制创新":
                out.append({"subject": d, "item": item, "date": "2018-01-19", "evidence": INNOVATION[d]})
                continue
            if item == "临时性工作按时完成":
                out.append({"subject": d, "item": item, "date": "2018-01-26", "evidence": EVIDENCE[item]})
                continue
            per_unit = model.items[item].amount.per_unit
            if per_unit is None or n == 1 or item in ("自检问题未整改", "实施清单编制不合格"):
                # one record (a check finds several problems at once)
                out.append({"subject": d, "item": item, "date": rng.choice(DAYS).isoformat(), "count": n, "evidence": EVIDENCE[item]})
            else:
                for _ in range(n):
                    out.append({"subject": d, "item": item, "date": rng.choice(DAYS).isoformat(), "evidence": EVIDENCE[item]})
    # 咨询辅导人员值班：due is the start of the duty (08:30 or 14:30), date the arrival.
    for d, minutes in LATE_ARRIVALS.items():
        for late in minutes:
            day = rng.choice(DAYS)
            hh, mm = rng.choice(((8, 30), (14, 30)))
            arrive = hh * 60 + mm + late
            out.append({"subject": d, "item": "咨询辅导人员未按时到岗", "date": f"{day.isoformat()}T{arrive // 60:02d}:{arrive % 60:02d}:00+08:00",
                        "due": f"{day.isoformat()}T{hh:02d}:{mm:02d}:00+08:00", "evidence": EVIDENCE["咨询辅导人员未按时到岗"]})
    rank = {d: i for i, d in enumerate(depts)}
    out.sort(key=lambda e: (e["date"][:10], e["date"][10:], rank[e["subject"]], e["item"], e["evidence"]))
    events = []
    for n, e in enumerate(out, 1):
        ev = {"id": f"OC-201801-{n:04d}", "kind": "occurrence", "subject": e["subject"], "item": e["item"], "date": e["date"]}
        if "due" in e:
            ev["due"] = e["due"]
        if e.get("count", 1) > 1:
            ev["count"] = e["count"]
        ev["evidence"] = e["evidence"]
        events.append(ev)
    return events


METRICS = ["受理件数", "办结件数", "即时办件数", "当场办结件数", "提前办结件数", "四级联动录入件数", "个人绩效前50名人数"]


def measures(model: Model, m: dict) -> list[dict]:
    rows, n = [], 0
    names = [x.name for x in model.rb.metrics]
    assert names == METRICS, names
    for metric in METRICS:
        for d in model.depts:
            n += 1
            rows.append({"id": f"ME-201801-{n:03d}", "kind": "measure", "subject": d, "metric": metric, "period": MONTH,
                         "value": str(m[d][metric])})
    return rows


def readme(model: Model, counts: dict, m: dict, scores: dict, extended: dict, n_events: int, n_measures: int) -> str:
    ranked = sorted(model.depts, key=lambda d: -scores[d])
    entries = sum(x["四级联动录入件数"] for x in m.values())
    at_or_below = [d for d in ranked if scores[d] <= 100]
    lines = [
        "# 新郑市 2018 年 1 月示例数据",
        "",
        "本目录是规则集 `rulebooks/xinzheng-2018-01.rules` 的示例输入，由 `examples/tools/generate_xinzheng.py` 用固定随机种子生成。"
        "数据按通报（新郑市政务服务工作月通报2018年第一期）的数字构造：计分结果与通报一致，其余细节是虚构的。重新生成（两次运行结果逐字节相同）：",
        "",
        "```",
        "python examples/tools/generate_xinzheng.py            # 写入 examples/xinzheng-2018-01",
        "python -m perfrules score rulebooks/xinzheng-2018-01.rules examples/xinzheng-2018-01/occurrences.jsonl \\",
        "    examples/xinzheng-2018-01/measures.csv --period 2018-01",
        "```",
        "",
        "| 文件 | 内容 | 记录数 |",
        "|---|---|---|",
        f"| occurrences.jsonl | 加分、扣分事件（38个部门，2018年1月），按日期排序 | {n_events} |",
        f"| measures.csv | 度量：38个部门 × 7项（受理件数、办结件数、即时办件数、当场办结件数、提前办结件数、四级联动录入件数、个人绩效前50名人数） | {n_measures} |",
        "",
        "与通报一致的结果：",
        "",
        f"- 最高 {scores[ranked[0]]}（{ranked[0]}），最低 {scores[ranked[-1]]}（{ranked[-1]}），平均 {sum(scores.values()) / len(scores)}，"
        f"分差 {scores[ranked[0]] - scores[ranked[-1]]}，高于基础分100的 {sum(1 for v in scores.values() if v > 100)} 个。",
        f"- 前三名 {'、'.join(f'{d} {scores[d]}' for d in ranked[:3])}；后三名 {'、'.join(f'{d} {scores[d]}' for d in ranked[::-1][:3])}（通报依次列「旅游文物局、安监局、畜牧局」，本数据按最低在前理解）。",
        f"- 不高于100分的 {len(at_or_below)} 个：{'、'.join(f'{d} {scores[d]}' for d in at_or_below)}。",
        f"- 受理、办结各 {RECEIVED} 件；即时办结 {ON_THE_SPOT} 件，全部当场办结（各部门即时办结率都是100%）；提前办结 {EARLY} 件。",
        f"- 四级联动录入：通报点名的10个部门按原数字（国税局25777件……民政局597件），38个部门合计 {entries} 件；加上乡镇办 {TOWNSHIP_ENTRIES} 件为 {entries + TOWNSHIP_ENTRIES} 件，"
        f"通报的全市数字55384件中其余 {55384 - entries - TOWNSHIP_ENTRIES} 件视为其他单位（管委会等）的录入。",
        f"- 个人绩效前50名：20个部门共 {sum(TOP50.values())} 人，按通报的人数。",
        f"- 延时、预约、上门服务：{len(extended)} 个部门共 {sum(extended.values())} 次（通报列出26个名称而称25个部门，「文物局」按旅游文物局的重复处理，未计入）。",
        "- 通报点名的问题都记在点名的部门：工商质监局、住建局咨询辅导人员不能按时到岗（带 due；迟到不超过5分钟的记录照收、不扣分，工商质监局第3次起按0.5分）；"
        "环保局、农委视频通话无人接听；工商质监局、人防办、旅游文物局漏报四级联动信息；住建局、旅游文物局日清周结报表无备注；林业局早报日清周结；"
        "不动产登记中心「两集中两到位」不到位、标准化清单要素不完善、信息化平台及分中心未建立；规划中心审批科之外人员参与审批；"
        "工商质监局「容缺受理」、交运局IC卡式电子营运证两项机制创新；38个部门按时完成「一次办妥」事项梳理。",
        "- 为使通报的最高分、最低分、平均分分毫不差，国税局、地税局、人社局与最低的六个部门的其余扣分是按目标配好的；"
        "其余部门的日常扣分（自检问题、迟到早退、外勤图片、实施清单）由随机数抽取，合计凑足平均分。",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    model = Model(load_rulebook(RULEBOOK))
    rng = random.Random(SEED)
    counts, m, extended, scores = build(model, rng)
    events = events_from(model, rng, counts, extended)
    rows = measures(model, m)
    write(out / "occurrences.jsonl", "".join(dumps(e) + "\n" for e in events))
    write_measures_csv(out / "measures.csv", rows)
    write(out / "README.md", readme(model, counts, m, scores, extended, len(events), len(rows)))
    print(f"occurrences={len(events)} measures={len(rows)} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
