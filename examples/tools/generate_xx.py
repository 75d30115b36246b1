"""Generate the XX district 2022 example data set from the shipped rulebook, deterministically.

Usage: python examples/tools/generate_xx.py [OUTDIR]   (default: examples/xx-district-2022)

Subjects, items (names, citations, amounts, tiers), metrics and ballot groups are read from
``rulebooks/xx-district-2022.rules``; only the *behaviour* of the hall (how often each item
happens, how good each window is) is written down here. The random source is
``random.Random(2022)`` and nothing depends on hash order or the clock, so two runs give
byte-identical files.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import dumps, problem_lines, write, write_measures_csv  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RULEBOOK = ROOT / "rulebooks" / "xx-district-2022.rules"
DEFAULT_OUT = ROOT / "examples" / "xx-district-2022"
YEAR = 2022

try:
    from perfrules.compiler import load_rulebook
except ModuleNotFoundError:  # run from a source checkout without installing
    sys.path.insert(0, str(ROOT))
    from perfrules.compiler import load_rulebook

# ---------------------------------------------------------------- the hall's behaviour

# Relative frequency of each monthly item. Items of the monthly assessment not listed here
# get DEFAULT_WEIGHT; a name listed here that the rulebook lacks is an error (see check_names).
WEIGHTS = {
    "黄牌警告": 14, "迟到早退离岗": 12, "未着装上岗": 12, "便民用品摆放不齐": 11,
    "未佩证上岗": 6, "个人用品未存放": 6, "审批文本摆放不齐": 5, "线缆杂乱": 5, "环境卫生不洁": 5,
    "会议迟到早退": 5, "下班未关设备": 5, "喧哗串岗": 4, "未放暂停受理牌": 4, "态度生硬": 4,
    "任务未按时完成": 4, "负责人例会缺席": 3, "外出请假违规": 3, "长时间接听无关电话": 3,
    "回访发现问题": 3, "超承诺时限": 3, "红牌警告": 3, "未一事一评": 3, "其他未按标准化": 3,
    "系统操作不规范": 2, "未认真处理咨询": 2, "投诉属实": 2, "未摆放评价器": 2, "差评处理不及时": 2,
    "人员调整未备案": 2, "未一次性告知": 2, "新进人员未报备": 1.5, "会议无故缺席": 1.5,
    "联审迟到早退": 1.5, "工作服未配置": 1, "好差评帐号未落实": 1, "玩游戏购物": 1, "推诿办证": 1,
    "未落实首问责任制": 1, "未按时限办理": 1, "投诉未及时说明": 0.8, "带无关人员进入": 0.8,
    "检查发现问题": 0.8, "网络安全违规": 0.5, "争执未通知负责人": 0.5, "体外循环": 0.5,
    "牵头单位未履职": 0.6, "联审缺席": 0.6, "非进驻人员签字": 0.4, "拒绝免费复印": 0.3,
    "负责人未及时处理争议": 0.3, "无故调整人员": 0.3, "增设前置条件": 0.3, "不配合代办": 0.3,
    "复印被投诉": 0.2, "调解后处理不积极": 0.2, "未出具法律文书": 0.2, "争议扩大": 0.15,
    # Scheduled by hand below, never drawn at random.
    "安全事故": 0, "擅自实施审批": 0, "泄露服务对象资料": 0, "未按要求公开": 0,
}
DEFAULT_WEIGHT = 1.0

# Items whose occurrences name the staff member concerned (besides the 工作纪律 section).
STAFF_ITEMS = {
    "未着装上岗", "未佩证上岗", "未放暂停受理牌", "未认真处理咨询", "推诿办证", "未落实首问责任制",
    "态度生硬", "个人用品未存放", "下班未关设备", "泄露服务对象资料", "拒绝免费复印", "争执未通知负责人",
}
NOT_ABOUT_A_PERSON = {"检查发现问题", "回访发现问题", "任务未按时完成", "网络安全违规"}

# Points a window loses in a month, by quality (low, high).
QUALITY = {"好": (0.0, 3.0), "中": (1.0, 4.5), "差": (5.0, 15.0)}
QUALITY_SHARE = (("好", 17), ("中", 13), ("差", 3))  # of the 33 windows

# The 2022 national holiday schedule (国务院办公厅, 2021-10-25): days off, and weekend workdays.
HOLIDAYS = (
    [date(2022, 1, d) for d in (1, 2, 3)]
    + [date(2022, 1, 31) + timedelta(days=i) for i in range(7)]
    + [date(2022, 4, d) for d in (3, 4, 5)]
    + [date(2022, 4, 30)] + [date(2022, 5, d) for d in (1, 2, 3, 4)]
    + [date(2022, 6, d) for d in (3, 4, 5)]
    + [date(2022, 9, d) for d in (10, 11, 12)]
    + [date(2022, 10, d) for d in range(1, 8)]
)
EXTRA_WORKDAYS = [date(2022, 1, 29), date(2022, 1, 30), date(2022, 4, 2), date(2022, 4, 24),
                  date(2022, 5, 7), date(2022, 10, 8), date(2022, 10, 9)]

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
            "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力鹏飞斌波宁浩婷雪琳晨欣怡"
         "佳琪思源嘉俊宇轩博涵子睿晓燕颖慧海峰春梅志丹凯亮倩蕾雯瑶")

WORKPLACE_NOTES = ("督查科巡查记录", "督查科巡查记录", "督查科巡查记录", "视频监控抽查")


def check_names(items: list) -> None:
    names = {it.name for it in items}
    unknown = [n for n in list(WEIGHTS) + sorted(STAFF_ITEMS | NOT_ABOUT_A_PERSON) if n not in names]
    if unknown:
        raise SystemExit(f"generate_xx: 规则集中没有这些项目，请更新生成器：{'、'.join(unknown)}")


# ---------------------------------------------------------------- small helpers


def dec(hundredths: int, min_places: int = 2) -> str:
    """Format a whole number of hundredths as a decimal string, e.g. 485 -> "4.85"."""
    sign = "-" if hundredths < 0 else ""
    whole, frac = divmod(abs(hundredths), 100)
    text = f"{sign}{whole}.{frac:02d}"
    if min_places == 1 and text.endswith("0"):
        text = text[:-1]
    return text


def workdays(year: int, month: int) -> list[date]:
    d, days = date(year, month, 1), []
    while d.month == month:
        if (d.weekday() < 5 and d not in HOLIDAYS) or d in EXTRA_WORKDAYS:
            days.append(d)
        d += timedelta(days=1)
    return days


def clause(citation: str) -> str:
    """The clause of a citation without its document part: "附件1 (三)8③" -> "(三)8③"."""
    return citation.split(" ", 1)[1] if " " in citation else citation


class Hall:
    """Everything random about the hall, drawn once from one seeded generator, in a fixed order."""

    def __init__(self, rb, rng: random.Random):
        self.rb, self.rng = rb, rng
        monthly = next(a for a in rb.assessments if a.period.value == 1)
        self.monthly = monthly
        self.windows = [s.id for s in rb.subjects if s.category in monthly.categories]
        # Windows that may win 先进: the categories the award band is limited to.
        award_only = [c for b in rb.bandings for band in b.bands if band.award for c in band.only]
        self.single = [s.id for s in rb.subjects if s.category in award_only]
        self.centres = [s.id for s in rb.subjects if s.category not in monthly.categories]
        self.month_items = [it for s in monthly.sections for it in s.items]
        self.annual_items = [it for it in rb.items() if it.assessment != monthly.name]
        check_names(rb.items())

        # A clause can stand for a monthly item when no other item shares it; the annual 瞒报
        # items always go by name (a recorder names a misreport, not a main-text clause).
        seen: dict[str, int] = {}
        for it in rb.items():
            if it.citation:
                seen[clause(it.citation.text)] = seen.get(clause(it.citation.text), 0) + 1
        self.clause_of = {it.name: clause(it.citation.text) for it in self.month_items
                          if it.citation and seen[clause(it.citation.text)] == 1}

        order = self.windows[:]
        rng.shuffle(order)
        self.quality, i = {}, 0
        for level, n in QUALITY_SHARE:
            for w in order[i:i + n]:
                self.quality[w] = level
            i += n
        for w in order[i:]:
            self.quality[w] = "中"
        # A 0..1 merit per window and sub-centre: drives measures and ballots.
        base = {"好": 0.75, "中": 0.5, "差": 0.2}
        self.merit = {w: base[self.quality[w]] + rng.uniform(-0.15, 0.15) for w in self.windows}
        for c in self.centres:
            self.merit[c] = rng.uniform(0.2, 0.9)

        used: list[str] = []
        self.staff = {}
        for w in self.windows:
            roster = []
            for _ in range(rng.randint(2, 5)):
                while True:
                    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
                    name = rng.choice(SURNAMES) + given
                    if name not in used:
                        break
                used.append(name)
                roster.append(name)
            self.staff[w] = roster  # roster[0] is the window's 负责人


# ---------------------------------------------------------------- occurrences


def evidence(item: str, day: date, half: str, rng: random.Random) -> str:
    if item in ("黄牌警告", "红牌警告", "超承诺时限"):
        card = {"黄牌警告": "黄牌", "红牌警告": "红牌"}.get(item, "超时预警")
        return f"省电子监察系统{card} 办件号{YEAR}{rng.randint(10**7, 10**8 - 1)}"
    if item.startswith("会议") or item == "负责人例会缺席":
        return f"会议签到表 {day.isoformat()}"
    if item.startswith("联审") or item == "牵头单位未履职":
        return f"联审会议记录 {day.isoformat()}"
    if item.startswith("投诉"):
        return f"12345热线工单 {day.strftime('%Y%m%d')}{rng.randint(1000, 9999)}"
    if item == "回访发现问题":
        return f"电话回访记录 第{rng.randint(1, 400)}号"
    if item == "检查发现问题":
        return "市对区政务服务季度考核反馈问题清单"
    if item in ("差评处理不及时", "好差评帐号未落实"):
        return f"好差评系统核查 {day.isoformat()}"
    if item == "网络安全违规":
        return f"信息科网络安全检查记录 {day.isoformat()}"
    if item == "任务未按时完成":
        return f"督查科任务台账 {day.month}月"
    if item in ("系统操作不规范", "体外循环", "非进驻人员签字", "未按时限办理", "未出具法律文书", "增设前置条件"):
        return f"办件抽查记录 办件号{YEAR}{rng.randint(10**7, 10**8 - 1)}"
    if item in ("玩游戏购物", "长时间接听无关电话", "喧哗串岗", "带无关人员进入"):
        return f"视频监控抽查 {day.isoformat()} {half}"
    return f"{rng.choice(WORKPLACE_NOTES)} {day.isoformat()} {half}"


def occurrence(hall: Hall, subject: str, item, day: date, *, count: int = 1, tier: str | None = None,
               amount: str | None = None, note: str | None = None, may_overturn: bool = True) -> dict:
    rng = hall.rng
    when, half = day.isoformat(), rng.choice(("上午", "下午"))
    if rng.random() < 0.2:
        # Office hours 08:30-12:00 and 14:00-17:30; the note's 上午/下午 agrees with the time.
        minutes = rng.randint(8 * 60 + 30, 11 * 60 + 59) if half == "上午" else rng.randint(14 * 60, 17 * 60 + 30)
        when += f"T{minutes // 60:02d}:{minutes % 60:02d}:00+08:00"
    name = item.name
    if name in hall.clause_of and rng.random() < 0.1:
        name = hall.clause_of[name]
    ev: dict = {"id": None, "kind": "occurrence", "subject": subject, "item": name, "date": when}
    if count > 1:
        ev["count"] = count
    if tier:
        ev["tier"] = tier
    if item.amount.discretionary:
        ev["amount"] = amount
    staff_item = (item.section == hall.monthly.sections[0].name and item.name not in NOT_ABOUT_A_PERSON) \
        or item.name in STAFF_ITEMS
    if staff_item and subject in hall.staff:
        roster = hall.staff[subject]
        ev["staff"] = roster[0] if item.name == "负责人例会缺席" else rng.choice(roster)
    ev["evidence"] = note or evidence(item.name, day, half, rng)
    if may_overturn and rng.random() < 0.02:
        ev["status"] = "overturned"
    return ev


def discretionary(item, rng: random.Random, step: int = 5, at_most: int | None = None) -> str:
    """A recorder's amount inside the item's range, in steps of ``step`` hundredths."""
    low, high = int(item.amount.low * 100), int(item.amount.high * 100)
    if at_most is not None:
        high = min(high, at_most)
    return dec(low + step * rng.randint(0, (high - low) // step), min_places=1)


def points(item, count: int, tier: str | None, amount: str | None) -> float:
    if amount is not None:
        return float(amount) * count
    return float(item.amount_for(tier).low) * count


def occurrences(hall: Hall) -> list[dict]:
    rng = hall.rng
    by_name = {it.name: it for it in hall.rb.items()}
    drawn = [it for it in hall.month_items if WEIGHTS.get(it.name, DEFAULT_WEIGHT) > 0]
    weights = [WEIGHTS.get(it.name, DEFAULT_WEIGHT) for it in drawn]
    tiers = {it.name: [t.name for t in it.tiers] for it in hall.month_items}
    events: list[dict] = []
    days = {m: workdays(YEAR, m) for m in range(1, 13)}

    for w in hall.windows:
        low, high = QUALITY[hall.quality[w]]
        for m in range(1, 13):
            budget = rng.uniform(low, high)
            lost = 0.0
            while lost < budget:
                item = rng.choices(drawn, weights)[0]
                count, tier, amount = 1, None, None
                if item.amount.per_unit == "件" and rng.random() < (0.3 if item.name == "黄牌警告" else 0.08):
                    count = rng.randint(2, 4 if item.name == "黄牌警告" else 3)
                if tiers[item.name] and rng.random() < 0.05:
                    tier = tiers[item.name][0]
                if item.amount.discretionary:
                    amount = discretionary(item, rng)
                ev = occurrence(hall, w, item, rng.choice(days[m]), count=count, tier=tier, amount=amount)
                events.append(ev)
                if ev.get("status") != "overturned":
                    lost += points(item, count, tier, amount)

    weak = [w for w in hall.windows if hall.quality[w] == "差"]
    middling = [w for w in hall.windows if hall.quality[w] == "中"]

    # Rare, heavy items, placed by hand: one safety accident in the hall all year, the rest once or twice.
    hall.accident = rng.choice(weak)
    events.append(occurrence(hall, hall.accident, by_name["安全事故"], rng.choice(days[rng.randint(1, 12)]),
                             note="安全事故调查报告：窗口电暖器引燃废纸，无人员伤亡", may_overturn=False))
    events.append(occurrence(hall, rng.choice(middling), by_name["擅自实施审批"],
                             rng.choice(days[rng.randint(1, 12)]), note="市对区审批事项专项检查通报"))
    for _ in range(2):
        events.append(occurrence(hall, rng.choice(weak + middling), by_name["泄露服务对象资料"],
                                 rng.choice(days[rng.randint(1, 12)]), note="服务对象投诉并经核实：申请材料外传"))
    # 未按要求公开 is a state, charged at most once a month (假设 A4): a few window-months.
    for w, m in sorted({(rng.choice(weak + middling), rng.randint(1, 12)) for _ in range(4)},
                       key=lambda wm: (hall.windows.index(wm[0]), wm[1])):
        events.append(occurrence(hall, w, by_name["未按要求公开"], rng.choice(days[m]),
                                 note=f"政务公开专项检查 {m}月：办事指南未在网上公开"))

    # 瞒报错报漏报: two 单设窗口 lose their eligibility; one sub-centre does the same. The
    # recorder deducts "相应得分", the points the false figures earned: a few points, not ten.
    window_item = next(it for it in hall.annual_items
                       if set(hall.rb.assessment(it.assessment).categories) & set(hall.monthly.categories))
    centre_item = next(it for it in hall.annual_items if it is not window_item)
    good_single = [w for w in hall.single if hall.quality[w] == "好"]
    mid_single = [w for w in hall.single if hall.quality[w] == "中"]
    hall.misreported = [rng.choice(good_single), rng.choice(mid_single)]
    notes = ("年度考绩材料核查：办件量统计数据多报", "年度考绩材料核查：差评整改情况漏报")
    for w, note in zip(hall.misreported, notes):
        events.append(occurrence(hall, w, window_item, rng.choice(days[rng.randint(10, 12)]),
                                 amount=discretionary(window_item, rng, 25, at_most=300), note=note, may_overturn=False))
    hall.misreported_centre = rng.choice(hall.centres)
    events.append(occurrence(hall, hall.misreported_centre, centre_item, rng.choice(days[12]),
                             amount=discretionary(centre_item, rng, 25, at_most=300),
                             note="年度考绩材料核查：季度考核数据未及时报送", may_overturn=False))

    subject_rank = {s.id: i for i, s in enumerate(hall.rb.subjects)}
    events.sort(key=lambda e: (e["date"][:10], e["date"][10:], subject_rank[e["subject"]], e["item"], e["evidence"]))
    for n, ev in enumerate(events, 1):
        ev["id"] = f"OC-{YEAR}-{n:06d}"
    return events


# ---------------------------------------------------------------- measures, ballots, facts


def spread(rng: random.Random, subjects: list[str], merit: dict, low: int, high: int) -> dict[str, int]:
    """Distinct values in hundredths between low and high, higher merit tending to higher values."""
    grid = sorted(rng.sample(range(low, high + 1), len(subjects)))
    ranked = sorted(subjects, key=lambda s: merit[s] + rng.uniform(-0.12, 0.12))
    return dict(zip(ranked, grid))


def measures(hall: Hall) -> list[dict]:
    rng, rows = hall.rng, []
    targets = {m.name: [s.id for s in hall.rb.subjects if s.category in m.categories] for m in hall.rb.metrics}
    for metric in hall.rb.metrics:
        subjects = targets[metric.name]
        high = int(metric.high * 100)
        if metric.period.value == 12:
            if high == 500:       # 纪委 on 5 points
                values = spread(rng, subjects, hall.merit, 380, 498)
                a, b = sorted(subjects, key=values.get)[len(subjects) // 2: len(subjects) // 2 + 2]
                hall.tie = (a, b, values[b])
                values[a] = values[b]  # two windows share a place in the rank-decay scoring
            elif high == 1000:    # 分中心纪委 on 10 points
                values = spread(rng, subjects, hall.merit, 850, 980)
            else:                 # 第三方 satisfaction, percent
                values = spread(rng, subjects, hall.merit, 8800, 9950)
            for s in subjects:
                rows.append((metric.name, s, str(YEAR), values[s]))
        else:
            for s in subjects:
                centre = 8100 + int(hall.merit[s] * 1700)
                for q in range(1, 13 // metric.period.value + 1):
                    value = max(8000, min(9900, centre + rng.randint(-300, 300)))
                    rows.append((metric.name, s, f"{YEAR}-Q{q}", value))
    return [{"id": f"ME-{YEAR}-{n:04d}", "kind": "measure", "subject": s, "metric": name, "period": period,
             "value": dec(v)} for n, (name, s, period, v) in enumerate(rows, 1)]


def ballots(hall: Hall) -> list[dict]:
    rng, out = hall.rng, []
    invalid_for = {}  # group -> (voter number, top grades over the limit)
    window_groups = [g for g in hall.rb.ballots if set(g.categories) & set(hall.monthly.categories)]
    centre_groups = [g for g in hall.rb.ballots if g not in window_groups]
    # One invalid ballot in each window group and in one sub-centre group, by this many top
    # grades over the limit: 1 is the edge case (10 of 33 when 9.9 is the 30% line).
    for g, over in zip(window_groups + [rng.choice(centre_groups)], (1, 3, 1)):
        invalid_for[g.name] = (rng.randint(1, 15 if "监督员" in g.name else 12), over)
    hall.invalid_ballots = []

    n = 0
    for g in hall.rb.ballots:
        subjects = [s.id for s in hall.rb.subjects if s.category in g.categories]
        grades = [name for name, _ in g.scheme.grades]  # best first
        limit = int(g.top_limit * len(subjects))  # the most top grades a valid ballot may give
        prefix, voters = ("监督员", 15) if "监督员" in g.name else ("领导", 12)
        for v in range(1, voters + 1):
            voter = f"{prefix}{v:02d}"
            view = {s: hall.merit[s] + rng.gauss(0, 0.12) for s in subjects}
            ranked = sorted(subjects, key=view.get, reverse=True)
            top = rng.randint(max(0, limit - 3), limit) if limit > 1 else rng.randint(0, limit)
            if g.name in invalid_for and invalid_for[g.name][0] == v:
                top = limit + invalid_for[g.name][1]
            ratings = {}
            for s in subjects:
                if ranked.index(s) < top:
                    ratings[s] = grades[0]
                elif view[s] > 0.35:
                    ratings[s] = grades[1]
                elif view[s] > 0.12:
                    ratings[s] = grades[2]
                else:
                    ratings[s] = grades[3]
            n += 1
            ballot = {"id": f"BA-{YEAR}-{n:03d}", "kind": "ballot", "group": g.name, "voter": voter,
                      "period": str(YEAR), "ratings": ratings}
            if top > limit:
                hall.invalid_ballots.append((ballot["id"], g.name, voter, top, len(subjects), limit))
            out.append(ballot)
    return out


def facts(hall: Hall) -> list[dict]:
    fact = hall.rb.facts[0]
    return [{"id": f"FA-{YEAR}-001", "kind": "fact", "name": fact.name, "period": str(YEAR), "value": True}]


# ---------------------------------------------------------------- problems


def problems(hall: Hall, events: list[dict]) -> list[tuple[str, str]]:
    """Deliberately bad records (JSON Lines text, what it demonstrates), one rejection reason each."""
    by_name = {it.name: it for it in hall.rb.items()}
    w = hall.windows
    lines: list[tuple[dict | str, str]] = []

    def occ(n, subject, item, day, **extra):
        ev = {"id": f"OC-{YEAR}-9{n:05d}", "kind": "occurrence", "subject": subject, "item": item, "date": day}
        ev.update(extra)
        return ev

    lines.append((occ(1, w[2], "迟到早退离港", "2022-04-12", staff=hall.staff[w[2]][1], evidence="督查科巡查记录 2022-04-12 上午"),
                  "未知项目：「迟到早退离港」是「迟到早退离岗」的同音错字（输入法选错字），规则集中没有这个项目。"))
    lines.append((occ(2, "市场监督", "未着装上岗", "2022-05-09", evidence="督查科巡查记录 2022-05-09 下午"),
                  "未知对象：「市场监督」不是规则集中的对象编号（应为「市场监管」）。"))
    lines.append((occ(3, w[5], "便民用品摆放不齐", "2023-01-04", evidence="督查科巡查记录 2023-01-04 上午"),
                  "日期超出考核期：2023-01-04 不在规则集的生效期 2022-01-01 至 2022-12-31 内（次年补录的记录）。"))
    dup = events[len(events) // 3]
    lines.append((occ(4, w[7], "线缆杂乱", dup["date"][:10], evidence=f"督查科巡查记录 {dup['date'][:10]} 下午") | {"id": dup["id"]},
                  f"重复编号：编号 {dup['id']} 已被 occurrences.jsonl 中的另一条记录使用。"))
    item = by_name["其他未按标准化"]
    lines.append((occ(5, w[10], "其他未按标准化", "2022-07-19", amount="0.5", evidence="督查科巡查记录 2022-07-19 上午"),
                  f"酌情扣分超出范围：「其他未按标准化」只能扣 {item.amount.low} 至 {item.amount.high} 分，记录填了 0.5 分。"))
    item = by_name["迟到早退离岗"]
    lines.append((occ(6, w[12], "迟到早退离岗", "2022-08-23", amount="1", staff=hall.staff[w[12]][0], evidence="督查科巡查记录 2022-08-23 上午"),
                  f"固定分值的项目填了不同的分数：「迟到早退离岗」每次扣 {item.amount.low} 分，记录却填了 1 分。"))
    lines.append((occ(7, w[15], "态度生硬", "2022-09-14", tier="情节严重", staff=hall.staff[w[15]][0], evidence="12345热线工单 202209141203"),
                  "项目没有这个情节档次：「情节严重」只属于「投诉属实」，「态度生硬」没有档次。"))
    lines.append(('{"id":"OC-2022-900008","kind":"occurrence","subject":"' + w[18] + '","item":"未佩证上岗","date":"2022-06-',
                  "格式错误：这一行在传输中被截断，不是完整的 JSON。"))
    metric = hall.rb.metrics[0]
    lines.append(({"id": f"ME-{YEAR}-9001", "kind": "measure", "subject": w[20], "metric": metric.name, "period": str(YEAR), "value": "9.20"},
                  f"度量值超出范围：「{metric.name}」的范围是 {metric.low} 至 {metric.high}，记录填了 9.20（误按分中心的10分制打分）。"))
    return [(x if isinstance(x, str) else dumps(x), why) for x, why in lines]


# ---------------------------------------------------------------- README


def readme(hall: Hall, counts: dict[str, int], events: list[dict], bad: list[tuple[str, str]]) -> str:
    n_overturned = sum(1 for e in events if e.get("status") == "overturned")
    n_clause = sum(1 for e in events if e["item"] not in {it.name for it in hall.rb.items()})
    n_time = sum(1 for e in events if "T" in e["date"])
    a, b, tie = hall.tie
    lines = [
        "# XX区 2022 年度考绩示例数据",
        "",
        "本目录是规则集 `rulebooks/xx-district-2022.rules` 的示例输入，由 `examples/tools/generate_xx.py` 用固定随机种子生成，"
        "数据是虚构的。重新生成（两次运行结果逐字节相同）：",
        "",
        "```",
        "python examples/tools/generate_xx.py            # 写入 examples/xx-district-2022",
        "python examples/tools/generate_xx.py 其他目录    # 写入指定目录",
        "```",
        "",
        "| 文件 | 内容 | 记录数 |",
        "|---|---|---|",
        f"| occurrences.jsonl | 扣分事件（月度考核各项目与年度「瞒报错报漏报」），33个窗口、12个月，按日期排序 | {counts['occurrences']} |",
        f"| measures.csv | 度量：纪委评分、第三方满意度、分中心纪委评分、分中心季度得分 | {counts['measures']} |",
        f"| ballots.jsonl | 评议票：四个评议组，每张票给所评对象打「非常满意/满意/一般/不满意」 | {counts['ballots']} |",
        f"| facts.json | 事实：本区2022年度被评为考绩优秀单位（先进比例增加10%） | {counts['facts']} |",
        f"| problems.jsonl | 故意做错的记录，每条演示一种拒收原因（见下） | {counts['problems']} |",
        "",
        "值得注意的数据：",
        "",
        "- 窗口表现有好有差：" + "，".join(f"{n} 个窗口每月约扣 {QUALITY[q][0]:g}–{QUALITY[q][1]:g} 分"
                                      for q, n in QUALITY_SHARE)
        + f"。黄牌警告、迟到早退离岗、未着装上岗、便民用品摆放不齐最常见；全年只有「{hall.accident}」发生一起安全事故。",
        f"- 扣分事件中 {n_time} 条的日期带时间和时区（`+08:00`），{n_clause} 条的项目写成条款号（如 `(三)8③` 即「黄牌警告」），"
        f"{n_overturned} 条已申诉成功（`\"status\":\"overturned\"`），不应扣分。",
        f"- 单设窗口「{hall.misreported[0]}」「{hall.misreported[1]}」各有一条「瞒报错报漏报」，分中心「{hall.misreported_centre}」"
        "有一条「分中心瞒报错报漏报」：扣分并取消评先资格。",
        f"- 纪委评分中「{a}」与「{b}」同为 {dec(tie)} 分，排名并列。",
        "- 以下评议票「非常满意」超过所评对象数的30%，是无效票，应在结果中列出且不计入统计：",
    ]
    for bid, group, voter, top, n, limit in hall.invalid_ballots:
        lines.append(f"  - {bid}（{group}，{voter}）：{n} 个对象中给了 {top} 个「非常满意」，上限 {limit} 个。")
    lines += ["", "problems.jsonl 中每一行应被拒收，原因依次为：", ""]
    lines += problem_lines(bad)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    rb = load_rulebook(RULEBOOK)
    hall = Hall(rb, random.Random(2022))

    events = occurrences(hall)
    rows = measures(hall)
    votes = ballots(hall)
    fact_list = facts(hall)
    bad = problems(hall, events)

    write(out / "occurrences.jsonl", "".join(dumps(e) + "\n" for e in events))
    write_measures_csv(out / "measures.csv", rows)
    write(out / "ballots.jsonl", "".join(dumps(b) + "\n" for b in votes))
    write(out / "facts.json", json.dumps(fact_list, ensure_ascii=False, indent=2) + "\n")
    write(out / "problems.jsonl", "".join(text + "\n" for text, _ in bad))
    counts = {"occurrences": len(events), "measures": len(rows), "ballots": len(votes),
              "facts": len(fact_list), "problems": len(bad)}
    write(out / "README.md", readme(hall, counts, events, bad))
    print(" ".join(f"{k}={v}" for k, v in counts.items()), "->", out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
