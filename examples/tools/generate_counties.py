"""Generate the 柳城县 2022 example data set (county work summaries, seed 001) deterministically.

Usage: python examples/tools/generate_counties.py [OUTDIR]   (default: examples/counties)

Windows, items and metrics are read from ``rulebooks/county-summaries.rules``; the window staff
are made here and written as a subjects file (``staff.json``, each person with the window as
``parent``). The figures follow the three summaries: about 2000 cases a month (柳城: 月均办结1980件,
当月办结率98.63%), no overdue case (连续16个月保持零超时件), 服务评价率98.91% and 满意率99.99%,
现场办结率 about 99.8% (富顺), 200余 延时服务, 30余 预约服务 and 3 上门服务 (柳城 九), 15 拾金不昧 in
7 windows in the first half (沙区), one complaint that an appeal overturned (未发生一例有效投诉), and
the hall's promised time limits: 200 matters, 法定 4120 and 承诺 2348 working days in total, i.e.
20.6 → 11.74 days on average, 承诺提速 43.01%.
The random source is ``random.Random(2022)``; two runs give byte-identical files.
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
RULEBOOK = ROOT / "rulebooks" / "county-summaries.rules"
DEFAULT_OUT = HERE.parent / "counties"
YEAR = 2022

try:
    from perfrules.compiler import load_rulebook
except ModuleNotFoundError:  # run from a source checkout without installing
    sys.path.insert(0, str(ROOT))
    from perfrules.compiler import load_rulebook

# ---------------------------------------------------------------- what the summaries say

MONTHLY_CASES = 2000           # 柳城 一: 月均办结1980件
DONE_RATE = 0.9863             # 柳城 一: 当月办结率98.63%
ON_SITE_RATE = 0.998           # 富顺 一(二)1: 现场办结率99.8%
RATED_RATE = 0.9891            # 柳城 一: 服务评价率98.91%
UNSATISFIED = 3                # 柳城 一: 满意率99.99% (about 3 unsatisfied ratings in a year)
MATTERS, LEGAL_DAYS, PROMISED_DAYS = 200, 4120, 2348   # 柳城 一: 法定20.6 → 承诺11.74个工作日
BONUS_COUNTS = {"延时服务": 206, "预约服务": 33, "上门服务": 3}   # 柳城 九: 200余、30余、3人次
FOUND_ITEMS, FOUND_WINDOWS = 15, 7                              # 沙区 一(四): 7个窗口，共15人次（上半年）

# Relative case volume of each window.
VOLUME = {"税务": 24, "不动产登记": 18, "人社": 14, "医保": 12, "公安": 12, "市场监管": 10, "公积金": 6, "住建": 5,
          "自然资源": 4, "交通运输": 3, "民政": 3, "卫健": 3, "供电": 3, "农业农村": 2, "司法": 2, "残联": 1.5,
          "生态环境": 1.5, "林业": 1.5, "文体广旅": 1, "商务": 1, "发改": 1, "水利": 1, "应急管理": 0.8, "财政": 0.6}
BIG = {"税务": 5, "不动产登记": 5, "人社": 4, "医保": 4, "公安": 4, "市场监管": 4}
SEASON = {1: 1.0, 2: 0.7, 3: 1.15, 4: 1.0, 5: 1.0, 6: 1.05, 7: 1.0, 8: 1.0, 9: 1.05, 10: 0.8, 11: 1.1, 12: 1.15}

# Guangxi surnames first: 柳城 is in 柳州.
SURNAMES = "韦覃莫蓝黄梁陆廖潘罗卢吴李张刘陈杨周谭何唐邓曾蒙农欧黎龙谢"
GIVEN = "丽娟芳敏静艳婷燕萍玲霞红梅兰琼秀凤春桂华军伟强勇明斌杰涛波刚峰宁海林志文辉"

# The 2022 national holiday schedule (国务院办公厅, 2021-10-25): days off, and weekend workdays.
HOLIDAYS = set(
    [date(2022, 1, d) for d in (1, 2, 3)]
    + [date(2022, 1, 31) + timedelta(days=i) for i in range(7)]
    + [date(2022, 4, d) for d in (3, 4, 5)]
    + [date(2022, 4, 30)] + [date(2022, 5, d) for d in (1, 2, 3, 4)]
    + [date(2022, 6, d) for d in (3, 4, 5)]
    + [date(2022, 9, d) for d in (10, 11, 12)]
    + [date(2022, 10, d) for d in range(1, 8)]
)
EXTRA_WORKDAYS = {date(2022, 1, 29), date(2022, 1, 30), date(2022, 4, 2), date(2022, 4, 24),
                  date(2022, 5, 7), date(2022, 10, 8), date(2022, 10, 9)}


def workdays(month: int) -> list[date]:
    d, out = date(YEAR, month, 1), []
    while d.month == month:
        if d in EXTRA_WORKDAYS or (d.weekday() < 5 and d not in HOLIDAYS):
            out.append(d)
        d += timedelta(days=1)
    return out


DAYS = {m: workdays(m) for m in range(1, 13)}


def at(d: date, minutes: int, seconds: int = 0) -> str:
    return f"{d.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}+08:00"


def apportion(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` into whole numbers proportional to ``weights`` (largest remainders, ties by order)."""
    s = sum(weights.values())
    raw = {k: total * w / s for k, w in weights.items()}
    out = {k: int(v) for k, v in raw.items()}
    order = list(weights)
    for k in sorted(raw, key=lambda k: (-(raw[k] - out[k]), order.index(k)))[:total - sum(out.values())]:
        out[k] += 1
    return out


class Hall:
    def __init__(self, rb, rng: random.Random):
        self.rb, self.rng = rb, rng
        self.windows = [s.id for s in rb.subjects if s.category == "窗口"]
        self.items = {it.name: it for it in rb.items()}
        self.metrics = {x.name: x for x in rb.metrics}
        need = ["迟到", "早退", "擅离岗位", "着装不规范", "服务用语不规范", "未挂牌上岗", "离岗未放提示牌", "有效投诉",
                "群众表扬", "拾金不昧", "上门服务", "延时服务", "预约服务", "体外循环"]
        missing = [w for w in VOLUME if w not in self.windows] + [i for i in need if i not in self.items]
        if missing:
            raise SystemExit(f"generate_counties: 规则集中没有这些对象或项目，请更新生成器：{'、'.join(missing)}")

        # Staff: 2–5 a window; a 0..1 diligence per person drives deductions and bonuses.
        used: set[str] = set(self.windows)
        self.staff: list[dict] = []
        for w in self.windows:
            for _ in range(BIG.get(w, rng.choice((2, 2, 3, 3, 3)))):
                while True:
                    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
                    if name not in used:
                        break
                used.add(name)
                self.staff.append({"id": name, "name": name, "category": "工作人员", "parent": w})
        # Two join in July, one leaves at the end of April (to show partial years).
        joiners = [self.staff[i] for i in (5, 40)]
        for p in joiners:
            p["active_from"] = "2022-07-01"
        self.staff[22]["active_to"] = "2022-04-30"
        self.by_window = {w: [p["id"] for p in self.staff if p["parent"] == w] for w in self.windows}
        self.diligence = {p["id"]: min(1.0, max(0.0, rng.gauss(0.65, 0.2))) for p in self.staff}
        # one chronic late-comer, to show 自第 3 次起 (全年累计)
        self.late_comer = self.staff[11]["id"]
        self.diligence[self.late_comer] = 0.15

    def active(self, person: str, d: date) -> bool:
        p = next(x for x in self.staff if x["id"] == person)
        if "active_from" in p and d < date.fromisoformat(p["active_from"]):
            return False
        if "active_to" in p and d > date.fromisoformat(p["active_to"]):
            return False
        return True

    def on_duty(self, window: str, d: date) -> list[str]:
        return [s for s in self.by_window[window] if self.active(s, d)]


# ---------------------------------------------------------------- measures


def measures(hall: Hall) -> list[dict]:
    rng = hall.rng
    rows: list[tuple[str, str, str, int]] = []
    weak_site = {"住建": (3, 8), "自然资源": (5,)}       # windows × months with 现场办结率 below 99%
    weak_rating = {"林业": (2, 9), "水利": (6,)}        # windows × months with 服务评价率 below 95%
    unsatisfied = [("不动产登记", 3), ("人社", 8), ("税务", 11)][:UNSATISFIED]
    hall.totals = {}
    for m in range(1, 13):
        volume = round(MONTHLY_CASES * SEASON[m] * rng.uniform(0.95, 1.05))
        accepted = apportion(volume, {w: VOLUME[w] * rng.uniform(0.8, 1.2) for w in hall.windows})
        period = f"{YEAR}-{m:02d}"
        for w in hall.windows:
            a = max(accepted[w], 3)
            done = min(a, round(a * rng.uniform(DONE_RATE - 0.01, DONE_RATE + 0.01)))
            on_time = done                                       # 零超时件
            site_rate = rng.uniform(0.955, 0.985) if m in weak_site.get(w, ()) else rng.uniform(0.995, 1.0)
            on_site = min(done, round(done * site_rate))
            rated_rate = rng.uniform(0.91, 0.94) if m in weak_rating.get(w, ()) else rng.uniform(RATED_RATE - 0.006, min(1.0, RATED_RATE + 0.006))
            rated = max(1, min(done, round(done * rated_rate)))
            satisfied = rated - sum(1 for x in unsatisfied if x == (w, m))
            for metric, value in (("受理件数", a), ("办结件数", done), ("按时办结件数", on_time), ("现场办结件数", on_site),
                                  ("评价数", rated), ("满意评价数", satisfied)):
                rows.append((metric, w, period, value))
                hall.totals[metric] = hall.totals.get(metric, 0) + value
    # Promised time limits (yearly): the hall's totals are fixed by the 柳城 figures.
    matters = apportion(MATTERS, {w: 2 + VOLUME[w] ** 0.5 * rng.uniform(0.7, 1.3) for w in hall.windows})
    days_per = {w: rng.uniform(8, 40) for w in hall.windows}
    legal = apportion(LEGAL_DAYS, {w: matters[w] * days_per[w] for w in hall.windows})
    speed = {w: rng.uniform(0.22, 0.62) for w in hall.windows}
    promised = apportion(PROMISED_DAYS, {w: legal[w] * (1 - speed[w]) for w in hall.windows})
    for w in hall.windows:
        rows += [("进驻事项数", w, str(YEAR), matters[w]), ("法定时限", w, str(YEAR), legal[w]), ("承诺时限", w, str(YEAR), promised[w])]
    hall.legal, hall.promised, hall.matters = legal, promised, matters
    order = list(hall.metrics)
    rows.sort(key=lambda r: (r[2] if len(r[2]) > 4 else "9999", hall.windows.index(r[1]), order.index(r[0])))
    return [{"id": f"LC-ME-{n:05d}", "kind": "measure", "subject": s, "metric": metric, "period": period, "value": str(v)}
            for n, (metric, s, period, v) in enumerate(rows, 1)]


def found_measures(hall: Hall, events: list[dict], numbered: int) -> list[dict]:
    """窗口拾金不昧人次 (yearly): each window's count of its staff's 拾金不昧 events (假设 C17), numbered after
    the other measures so their ids stay as they were. No random draws."""
    parent = {p["id"]: p["parent"] for p in hall.staff}
    found = {w: 0 for w in hall.windows}
    for e in events:
        if e["item"] == "拾金不昧":
            found[parent[e["subject"]]] += 1
    assert sum(found.values()) == FOUND_ITEMS and sum(1 for n in found.values() if n) == FOUND_WINDOWS
    hall.found = found
    return [{"id": f"LC-ME-{n:05d}", "kind": "measure", "subject": w, "metric": "窗口拾金不昧人次", "period": str(YEAR),
             "value": str(found[w])} for n, w in enumerate(hall.windows, numbered + 1)]


# ---------------------------------------------------------------- occurrences


def occurrences(hall: Hall) -> list[dict]:
    rng = hall.rng
    out: list[dict] = []
    people = [p["id"] for p in hall.staff]

    def pick_day(person: str, months=range(1, 13)) -> date:
        while True:
            d = rng.choice(DAYS[rng.choice(list(months))])
            if hall.active(person, d):
                return d

    def occ(subject: str, item: str, when: str, evidence: str, **extra) -> None:
        ev = {"id": None, "kind": "occurrence", "subject": subject, "item": item, "date": when}
        ev.update(extra)
        ev["evidence"] = evidence
        out.append(ev)

    def sloppy(n: int) -> list[str]:
        """n people drawn with weight on low diligence."""
        return rng.choices(people, [(1.05 - hall.diligence[p]) ** 2 for p in people], k=n)

    # 劳动纪律: 迟到 carries the start of work (08:00, or 15:00 in the afternoon) as due.
    for person in sloppy(52) + [hall.late_comer] * 5:
        d = pick_day(person)
        start = rng.choice((8 * 60, 8 * 60, 15 * 60))
        minutes = rng.choice((1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25))
        occ(person, "迟到", at(d, start + minutes, rng.randint(0, 59)), f"考勤机签到记录 {d.isoformat()}", due=at(d, start))
    for person in sloppy(3):  # within the first minute: recorded, not a late arrival
        d = pick_day(person)
        occ(person, "迟到", at(d, 8 * 60, rng.randint(5, 55)), f"考勤机签到记录 {d.isoformat()}", due=at(d, 8 * 60))
    for item, n in (("早退", 12), ("擅离岗位", 18), ("着装不规范", 34), ("服务用语不规范", 20), ("未挂牌上岗", 25), ("离岗未放提示牌", 18)):
        for person in sloppy(n):
            d = pick_day(person)
            half = rng.choice(("上午", "下午"))
            source = "视频监控抽查" if item in ("擅离岗位", "离岗未放提示牌") and rng.random() < 0.5 else "督查股日巡查记录"
            occ(person, item, d.isoformat(), f"{source} {d.isoformat()} {half}")
    # 有效投诉: one complaint, overturned on review (柳城: 未发生一例有效投诉).
    person = hall.by_window["不动产登记"][1]
    occ(person, "有效投诉", "2022-06-14", "12345热线工单 202206140233（经核查系申请材料不全，投诉不成立）", status="overturned")
    # 体外循环: two cases found by the window spot checks (window-level, no person).
    occ("住建", "体外循环", "2022-04-20", "办件抽查记录 施工许可 未经中心系统受理")
    occ("自然资源", "体外循环", "2022-09-15", "办件抽查记录 用地预审 两头受理")

    # Bonuses: 群众表扬, 便民服务 (延时、预约、上门), 拾金不昧 in 7 windows in the first half.
    diligent = [hall.diligence[p] ** 2 for p in people]
    for person in rng.choices(people, diligent, k=46):
        d = pick_day(person)
        occ(person, "群众表扬", d.isoformat(), f"服务评价器表扬留言 {d.isoformat()}")
    for item, n in BONUS_COUNTS.items():
        for person in rng.choices(people, diligent, k=n):
            d = pick_day(person)
            if item == "延时服务":
                occ(person, item, at(d, rng.randint(18 * 60 + 5, 19 * 60 + 40)), f"延时服务登记表 {d.isoformat()} 下班后")
            elif item == "预约服务":
                occ(person, item, d.isoformat(), f"预约服务登记表 {d.isoformat()}")
            else:
                occ(person, item, d.isoformat(), f"上门服务登记表 {d.isoformat()} 行动不便群众家中")
    found_windows = rng.sample(hall.windows, FOUND_WINDOWS)
    finders = [rng.choice(hall.by_window[w]) for w in found_windows]
    finders += [rng.choice(finders) for _ in range(FOUND_ITEMS - FOUND_WINDOWS)]
    for person in finders:
        d = pick_day(person, range(1, 7))
        occ(person, "拾金不昧", d.isoformat(), f"拾金不昧登记 {d.isoformat()} " + rng.choice(("钱包", "手机", "身份证", "现金", "钥匙")))

    # June's best person by points is late once (3 minutes): still the best score of the month, but no
    # 服务明星 for June (假设 C5: 违纪者取消当月评优资格).
    def points(e: dict) -> float:
        amount = hall.items[e["item"]].amount
        return float(amount.sign * amount.low) if e.get("status") != "overturned" else 0.0
    june = {p: sum(points(e) for e in out if e["subject"] == p and e["date"].startswith(f"{YEAR}-06")) for p in people}
    hall.star = max(people, key=lambda p: (june[p], -people.index(p)))
    occ(hall.star, "迟到", at(date(YEAR, 6, 20), 8 * 60 + 3, 12), "考勤机签到记录 2022-06-20", due=at(date(YEAR, 6, 20), 8 * 60))

    rank = {s: i for i, s in enumerate(hall.windows + people)}
    out.sort(key=lambda e: (e["date"][:10], e["date"][10:], rank[e["subject"]], e["item"], e["evidence"]))
    for n, ev in enumerate(out, 1):
        ev["id"] = f"LC-OC-{YEAR}-{n:04d}"
    hall.found_windows = found_windows
    return out


def problems(hall: Hall) -> list[tuple[str, str]]:
    leaver = next(p for p in hall.staff if "active_to" in p)
    someone = hall.staff[3]["id"]
    bad = [
        ({"id": "LC-OC-2022-9001", "kind": "occurrence", "subject": someone, "item": "迟到", "date": "2022-03-09T08:12:00+08:00",
          "evidence": "督查股日巡查记录 2022-03-09 上午（未写上班时间）"},
         f"迟到按超时时长计，记录缺少上班时间 due，拒收（due_required）。"),
        ({"id": "LC-OC-2022-9002", "kind": "occurrence", "subject": leaver["id"], "item": "着装不规范", "date": "2022-05-10",
          "evidence": "督查股日巡查记录 2022-05-10 上午"},
         f"对象当时不在考：{leaver['id']} 已于 {leaver['active_to']} 调离（subject_inactive）。"),
    ]
    return [(dumps(x), why) for x, why in bad]


# ---------------------------------------------------------------- README


def readme(hall: Hall, counts: dict, events: list[dict], bad: list[tuple[str, str]]) -> str:
    t = hall.totals
    n = {k: sum(1 for e in events if e["item"] == k) for k in hall.items}
    partial = [p for p in hall.staff if "active_from" in p or "active_to" in p]
    lines = [
        "# 柳城县政务服务中心 2022 年度考核示例数据",
        "",
        "本目录是规则集 `rulebooks/county-summaries.rules` 的示例输入，由 `examples/tools/generate_counties.py` 用固定随机种子生成，"
        "数据是虚构的，总数按三篇工作总结写明的数字构造。重新生成（两次运行结果逐字节相同）：",
        "",
        "```",
        "python examples/tools/generate_counties.py",
        "```",
        "",
        "| 文件 | 内容 | 记录数 |",
        "|---|---|---|",
        f"| staff.json | 对象文件：窗口工作人员，`parent` 为所在窗口（`--subjects staff.json`） | {counts['staff']} |",
        f"| occurrences.jsonl | 事件：工作人员的加分、扣分（按比例连带计入窗口），窗口的体外循环 | {counts['occurrences']} |",
        f"| measures.csv | 度量：24个窗口每月的受理、办结、按时办结、现场办结、评价、满意评价件数；每年的事项数与法定、承诺时限，窗口拾金不昧人次 | {counts['measures']} |",
        f"| problems.jsonl | 故意做错的记录，每条演示一种拒收原因 | {counts['problems']} |",
        "",
        "与工作总结对得上的数字：",
        "",
        f"- 全年受理 {t['受理件数']} 件、办结 {t['办结件数']} 件（办结率 {t['办结件数'] / t['受理件数']:.2%}，月均办结 {t['办结件数'] / 12:.0f} 件）；"
        f"按时办结 {t['按时办结件数']} 件，零超时件。",
        f"- 现场办结率 {t['现场办结件数'] / t['办结件数']:.2%}，服务评价率 {t['评价数'] / t['办结件数']:.2%}，"
        f"满意率 {t['满意评价数'] / t['评价数']:.2%}（全年 {t['评价数'] - t['满意评价数']} 个不满意评价）。",
        f"- 进驻事项 {sum(hall.matters.values())} 项，法定时限合计 {sum(hall.legal.values())} 个工作日（平均 "
        f"{sum(hall.legal.values()) / sum(hall.matters.values()):.2f}），承诺时限合计 {sum(hall.promised.values())}（平均 "
        f"{sum(hall.promised.values()) / sum(hall.matters.values()):.2f}），承诺提速 "
        f"{1 - sum(hall.promised.values()) / sum(hall.legal.values()):.2%}。",
        f"- 延时服务 {n['延时服务']} 人次、预约服务 {n['预约服务']} 人次、上门服务 {n['上门服务']} 人次、群众表扬 {n['群众表扬']} 次；"
        f"上半年拾金不昧 {n['拾金不昧']} 人次，分布在 {len(hall.found_windows)} 个窗口（"
        + "、".join(f"{w} {c}" for w, c in hall.found.items() if c)
        + "）；窗口的年度度量「窗口拾金不昧人次」就是这些数（假设 C17，只用于汇总「拾金不昧窗口」）。",
        f"- 有效投诉 0 起：唯一一条投诉（不动产登记）已申诉撤销（`\"status\":\"overturned\"`）。体外循环 {n['体外循环']} 件（住建、自然资源）。",
        f"- 迟到 {n['迟到']} 条，都带上班时间 `due`；其中 3 条签到晚不到 1 分钟，计入但不扣分。{hall.late_comer} 全年迟到 "
        f"{sum(1 for e in events if e['subject'] == hall.late_comer and e['item'] == '迟到')} 次，自第 3 次起每次扣 2 分（全年累计）。",
        f"- {hall.star}（6月加分最多的工作人员）6月20日迟到3分钟：当月得分仍居第一，但取消当月服务明星评选资格。",
        "- 在考时间不满一年的工作人员：" + "、".join(
            f"{p['id']}（{p['parent']}，" + (f"{p['active_from']} 起" if "active_from" in p else f"至 {p['active_to']}") + "）" for p in partial) + "。",
        "",
        "problems.jsonl 中每一行应被拒收，原因依次为：",
        "",
    ]
    lines += problem_lines(bad)
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    rb = load_rulebook(RULEBOOK)
    hall = Hall(rb, random.Random(2022))
    rows = measures(hall)
    events = occurrences(hall)
    rows += found_measures(hall, events, len(rows))
    bad = problems(hall)

    write(out / "staff.json", json.dumps(hall.staff, ensure_ascii=False, indent=1) + "\n")
    write(out / "occurrences.jsonl", "".join(dumps(e) + "\n" for e in events))
    write_measures_csv(out / "measures.csv", rows)
    write(out / "problems.jsonl", "".join(text + "\n" for text, _ in bad))
    counts = {"staff": len(hall.staff), "occurrences": len(events), "measures": len(rows), "problems": len(bad)}
    write(out / "README.md", readme(hall, counts, events, bad))
    print(" ".join(f"{k}={v}" for k, v in counts.items()), "->", out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
