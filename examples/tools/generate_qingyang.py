"""Generate the 庆阳市 2017 Q3 example data set from the shipped rulebook, deterministically.

Usage: python examples/tools/generate_qingyang.py [OUTDIR]   (default: examples/qingyang-2017q3)

Windows, items and metrics are read from ``rulebooks/qingyang-2017q3.rules``; the window staff
are made up here and written to a subjects file. The figures the notice prints (庆政服发〔2017〕49号)
are reproduced exactly: 99248 cases, 时限内办结率 99.95%, 提前办结率 98.2%, 满意率 99.76%,
682 非常满意, 5 yellow and 1 red card, 80 information items submitted and 9 adopted by 12
windows, 9 zero-case windows, 6 windows whose leaders never sat in, 27 staff with full
attendance, 42 sick-leave and 414 personal-leave person-times (26 staff in 18 windows, 77 staff
in 35 windows), 755 temporary absences, 77 online replies all in time. Everything else (the
individual windows' figures, who broke which rule) is invented. The random source is
``random.Random(20171025)`` and nothing depends on hash order or the clock, so two runs give
byte-identical files.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import dumps, partition, write, write_measures_csv  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RULEBOOK = ROOT / "rulebooks" / "qingyang-2017q3.rules"
DEFAULT_OUT = ROOT / "examples" / "qingyang-2017q3"
SEED = 20171025
PERIOD = "2017-Q3"

try:
    from perfrules.compiler import load_rulebook
except ModuleNotFoundError:  # run from a source checkout without installing
    sys.path.insert(0, str(ROOT))
    from perfrules.compiler import load_rulebook

# ---------------------------------------------------------------- what the notice states

TOTAL_CASES = 99248              # 共办理审批服务事项99248件
ON_TIME = 99198                  # 时限内办结率 99.95%: 99198 ÷ 99248 = 99.9496%
EARLY = 97462                    # 提前办结率 98.2%: 97462 ÷ 99248 = 98.2005%
TOP5 = ["市住房公积金中心", "市社保局", "市国税局", "市医保局", "市地税局"]  # 办件量排在前5位
ZERO_CASE = ["市气象局", "市外事办", "市民政局", "市科技局", "市机关事务管理局", "市金融办", "供水排水", "征信查询", "中行庆阳分行"]
NO_LEADER = ["市交通局", "市卫计委", "建行庆阳分行", "供水排水", "征信查询", "中行庆阳分行"]  # 领导坐班次数为零
VERY_SATISFIED = {"市住建局": 292, "市林业局": 71, "市水务局": 67, "市消防支队": 66, "市商务局": 47, "市环保局": 35,
                  "市规划局": 22, "市发改委": 21, "市人防办": 18, "市水保局": 15, "市文广局": 11}
VERY_SATISFIED_TOTAL = 682       # 非常满意数682条 (the 11 windows named give 665)
WITHOUT_EVALUATOR = 30           # 还有30个窗口没有正常启用服务评价器
EVALUATIONS, SATISFIED = 2500, 2494  # 满意率 99.76%
INFO_WINDOWS = ["市住建局", "市水务局", "市消防支队", "市建管局", "市发改委", "市工商局", "市社保局", "市规划局",
                "市文广局", "市国税局", "市商务局", "市安监局"]  # 12个窗口报送了信息
INFO_SUBMITTED, INFO_ADOPTED = 80, 9
CUT_DAYS = {"市安监局": 73, "市不动产登记事务中心": 40, "市林业局": 36, "市农牧局": 25, "市人社局": 21, "市水务局": 20,
            "市食药监局": 15, "市文广局": 10, "市建管局": 8, "市财政局": 6, "市气象局": 4, "市酒管局": 3, "市地震局": 2}
SLIMMED = {"市就业局": 1, "市文广局": 2, "市财政局": 4, "市水务局": 2, "市安监局": 2, "市农牧局": 5, "市工商局": 5}
YELLOW, RED = 5, 1
ONLINE_REPLIES = 77
FULL_ATTENDANCE = 27
SICK = (42, 26, 18)              # 病假：42人次，涉及18个窗口26位工作人员 -> (times, staff, windows)
LEAVE = (414, 77, 35)            # 事假：414人次，涉及35个窗口77位工作人员
OUTINGS = 755                    # 临时外出登记755人次
HONOURED = ["董瑞洋", "赵爽", "陈铁梅", "金天佩", "司朵朵", "赵倩", "张银倩", "魏伊青", "袁明霞", "孙旭蔚", "王敏",
            "冯富华", "何莹", "屈文静", "徐楠", "邱兆琳"]  # 遵守中心各项制度中一直坚持很好的同志
NOT_ENTERED = {"市财政局": 4, "市民政局": 8, "市人社局": 15}  # 二 一是
POOR_AUTHORISATION = ["市卫计委", "市食药监局", "市社保局", "市安监局", "市国土局"]  # 二 三是
ROTATIONS = {"中行庆阳分行": 3, "市人社局": 3, "市人防办": 1, "市安监局": 1, "市水务局": 1,
             "市社保局": 1, "市地税局": 1, "市工商局": 1, "市环保局": 1}  # 二 二是
NEW_ITEMS = {"市不动产登记事务中心": 24}  # 不动产登记证发放工作（包含24小项）纳入中心窗口办理
NEW_STAFF_WINDOW, NEW_STAFF_FROM = "市国土局", date(2017, 8, 1)  # 市国土局增加两名工作人员
OUTSIDE_PROCESSING = {"市财政局": 3, "市人社局": 2, "市民政局": 1}  # 仍在原单位受理办理（办件在单位办结）
NO_ONLINE_ENTRY = ["市外事办"]    # 个别窗口甚至没有录入

# ---------------------------------------------------------------- invented behaviour

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力鹏飞斌波宁浩婷雪琳晨欣怡佳琪思源嘉俊宇轩博涵睿晓燕颖慧海峰春梅志丹凯亮倩蕾雯瑶"

# Staff items besides attendance, and how many times each happens in the quarter (to random staff).
STAFF_ITEMS = {"脱岗串岗": 34, "未指纹签到": 41, "无故缺勤": 2, "未统一着装": 27, "上班玩手机": 19, "后台干无关事": 9,
               "服务态度生硬": 2, "延时网上录入": 31, "一次性告知未落实": 8}
# Window items recorded directly, with how many times in the quarter (to random windows with cases).
WINDOW_ITEMS = {"窗口空岗": 14, "未落实AB岗": 4, "未落实首问责任": 5, "未落实一次性告知制": 3, "办事指南未公开": 2,
                "公开信息未更新": 4, "网上录入不及时": 9, "B岗未选派": 3, "派驻人员不合标准": 2}
LATE_RETURNS = 21     # 销假 records with a due date; some more than 1 working day late


def workdays() -> list[date]:
    """Working days of 2017 Q3 (no public holiday falls in July-September 2017)."""
    d, out = date(2017, 7, 1), []
    while d <= date(2017, 9, 30):
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


DAYS = workdays()


class Hall:
    def __init__(self, rb, rng: random.Random):
        self.rb, self.rng = rb, rng
        self.windows = [s.id for s in rb.subjects if s.category == "窗口"]
        self.items = {it.name: it for it in rb.items()}
        self.metrics = [x.name for x in rb.metrics]
        names = set(self.windows)
        listed = (set(TOP5) | set(ZERO_CASE) | set(NO_LEADER) | set(VERY_SATISFIED) | set(INFO_WINDOWS) | set(CUT_DAYS)
                  | set(SLIMMED) | set(NOT_ENTERED) | set(POOR_AUTHORISATION) | set(ROTATIONS) | set(NEW_ITEMS)
                  | {NEW_STAFF_WINDOW} | set(OUTSIDE_PROCESSING) | set(NO_ONLINE_ENTRY))
        missing = sorted(listed - names)
        unknown = sorted((set(STAFF_ITEMS) | set(WINDOW_ITEMS)) - set(self.items))
        if missing or unknown:
            raise SystemExit(f"generate_qingyang: 规则集中没有：{'、'.join(missing + unknown)}")
        self.with_cases = [w for w in self.windows if w not in ZERO_CASE]
        self.staff: dict[str, list[str]] = {}
        self.active_from: dict[str, date] = {}
        self.make_staff()

    # ---- staff ----
    def make_staff(self) -> None:
        rng = self.rng
        rulebook_staff = {s.id: s.parent for s in self.rb.subjects if s.category == "工作人员"}
        used = set(HONOURED)
        for w in self.windows:
            if w in TOP5:
                n = rng.randint(6, 8)
            elif w in ZERO_CASE:
                n = rng.randint(1, 2)
            else:
                n = rng.randint(2, 4)
            roster = []
            for _ in range(n):
                while True:
                    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
                    if name not in used:
                        break
                used.add(name)
                roster.append(name)
            self.staff[w] = roster
        # The 16 honoured staff: 陈铁梅 is declared in the rulebook; the others join random windows with cases.
        for name in HONOURED:
            window = rulebook_staff.get(name) or rng.choice(self.with_cases)
            self.staff[window].append(name)
        # 市国土局增加两名工作人员 (from August).
        for _ in range(2):
            while True:
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2))
                if name not in used:
                    break
            used.add(name)
            self.staff[NEW_STAFF_WINDOW].append(name)
            self.active_from[name] = NEW_STAFF_FROM
        self.window_of = {p: w for w, roster in self.staff.items() for p in roster}
        self.people = [p for w in self.windows for p in self.staff[w]]
        self.declared = set(rulebook_staff)

    def days_for(self, person: str | None) -> list[date]:
        start = self.active_from.get(person) if person else None
        return [d for d in DAYS if start is None or d >= start]


def subjects_file(hall: Hall) -> list[dict]:
    out = []
    for p in hall.people:
        if p in hall.declared:
            continue
        rec = {"id": p, "name": p, "category": "工作人员", "parent": hall.window_of[p]}
        if p in hall.active_from:
            rec["active_from"] = hall.active_from[p].isoformat()
        out.append(rec)
    return out


# ---------------------------------------------------------------- occurrences


def at(rng: random.Random, day: date, start: int = 8 * 60 + 30, end: int = 17 * 60 + 30) -> str:
    minutes = rng.randint(start, end)
    return f"{day.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}:00+08:00"


def occurrences(hall: Hall) -> tuple[list[dict], dict]:
    rng = hall.rng
    events: list[dict] = []
    facts: dict = {}

    def add(subject, item, day, staff=None, count=1, evidence="", **extra):
        ev = {"id": None, "kind": "occurrence", "subject": subject, "item": item, "date": day if isinstance(day, str) else day.isoformat()}
        if "due" in extra:
            ev["due"] = extra.pop("due")
        if count > 1:
            ev["count"] = count
        if staff:
            ev["staff"] = staff
        ev["evidence"] = evidence
        ev.update(extra)
        events.append(ev)

    honoured = set(HONOURED)
    newcomers = set(hall.active_from)
    # Full attendance: the 16 honoured staff and 11 others (not the two newcomers, who joined in August).
    others = [p for p in hall.people if p not in honoured and p not in newcomers]
    full = set(HONOURED) | set(rng.sample(others, FULL_ATTENDANCE - len(HONOURED)))
    pool = [p for p in hall.people if p not in full]
    facts["full"] = [p for p in hall.people if p in full]

    def pick_group(times: int, staff: int, windows: int) -> dict[str, int]:
        wins = sorted({hall.window_of[p] for p in pool}, key=hall.windows.index)
        chosen_w = rng.sample(wins, windows)
        first = [rng.choice([p for p in pool if hall.window_of[p] == w]) for w in chosen_w]
        rest = [p for p in pool if hall.window_of[p] in chosen_w and p not in first]
        chosen = first + rng.sample(rest, staff - windows)
        weights = [min(rng.paretovariate(1.6), 5.0) for _ in chosen]
        counts = partition(rng, times, weights)
        return dict(zip(chosen, counts))

    sick = pick_group(*SICK)
    leave = pick_group(*LEAVE)
    facts["sick"], facts["leave"] = sick, leave
    for item, group in (("病假", sick), ("事假", leave)):
        for p in sorted(group, key=hall.people.index):
            days = hall.days_for(p)
            for d in sorted(rng.sample(days, min(group[p], len(days)))) + [rng.choice(days) for _ in range(group[p] - len(days))]:
                add(hall.window_of[p], item, d, staff=p, evidence=f"请假审批单 {d.isoformat()}")
            # The subject of a staff item is the staff member (below); fixed up after.
    # Everyone not on full attendance and without leave is late at least once.
    lates = {p: 1 for p in pool if p not in sick and p not in leave}
    for p in rng.sample(pool, 20):
        lates[p] = lates.get(p, 0) + rng.randint(1, 2)
    for p in sorted(lates, key=hall.people.index):
        for _ in range(lates[p]):
            add(hall.window_of[p], "迟到早退", rng.choice(hall.days_for(p)), staff=p, evidence="指纹考勤记录")
    facts["late"] = lates

    # 临时外出: 755 registrations; never by the 16 honoured staff; each of the other 11 on full attendance at least once.
    eligible = [p for p in hall.people if p not in honoured]
    weights = [min(rng.paretovariate(1.3), 8.0) for _ in eligible]
    counts = partition(rng, OUTINGS - 11, weights, minimum=0)
    outings = dict(zip(eligible, counts))
    for p in full - honoured:
        outings[p] += 1
    for p in eligible:
        for _ in range(outings[p]):
            add(hall.window_of[p], "临时外出", rng.choice(hall.days_for(p)), staff=p, evidence="临时外出登记簿")
    facts["outings"] = outings

    # 销假: records with the planned end of the leave as due; those more than 1 working day late are deducted.
    leavers = sorted(set(sick) | set(leave), key=hall.people.index)
    facts["late_returns"] = []
    for p in rng.sample(leavers, LATE_RETURNS):
        due_day = rng.choice(hall.days_for(p)[:-6])
        gap = rng.choice((1, 1, 2, 3, 4))
        back = due_day
        for _ in range(gap):
            back += timedelta(days=1)
            while back.weekday() >= 5:
                back += timedelta(days=1)
        add(hall.window_of[p], "销假不及时", at(rng, back, 8 * 60 + 30, 9 * 60 + 30), staff=p,
            evidence="销假登记", due=f"{due_day.isoformat()}T17:30:00+08:00")
        facts["late_returns"].append((p, gap))

    # Other staff items, never to the honoured staff; attendance-free ones may hit the other 11 on full attendance.
    for item, n in STAFF_ITEMS.items():
        cands = [p for p in hall.people if p not in honoured and (item != "无故缺勤" or p in pool)]
        for _ in range(n):
            p = rng.choice(cands)
            note = {"脱岗串岗": "督查巡查记录", "未指纹签到": "指纹考勤记录", "无故缺勤": "指纹考勤记录", "未统一着装": "督查巡查记录",
                    "上班玩手机": "视频监控抽查", "后台干无关事": "督查巡查记录", "服务态度生硬": "办事群众反映，督查核实",
                    "延时网上录入": "电子政务平台受理时间核查", "一次性告知未落实": "办事群众反映，督查核实"}[item]
            add(hall.window_of[p], item, rng.choice(hall.days_for(p)), staff=p, evidence=note)

    # Staff events name the staff member as the subject; the window is the parent (连带 goes up from there).
    for ev in events:
        if "staff" in ev:
            ev["subject"] = ev.pop("staff")

    # ---- window items ----
    for item, n in WINDOW_ITEMS.items():
        for _ in range(n):
            w = rng.choice(hall.with_cases)
            add(w, item, rng.choice(DAYS), evidence="督查巡查记录" if item not in ("办事指南未公开", "公开信息未更新") else "政务公开专项检查")
    yellow = rng.sample(hall.with_cases, YELLOW)
    for w in yellow:
        d = rng.choice(DAYS)
        add(w, "黄牌警告", at(rng, d), evidence=f"庆阳政务服务网行政审批系统 黄牌（警告件）办件号2017{rng.randint(10**7, 10**8 - 1)}")
    red = rng.choice([w for w in hall.with_cases if w not in yellow])
    add(red, "红牌警告", at(rng, rng.choice(DAYS)), evidence=f"庆阳政务服务网行政审批系统 红牌（超期件）办件号2017{rng.randint(10**7, 10**8 - 1)}")
    facts["yellow"], facts["red"] = yellow, red
    # 网上咨询回复77条，均能按规定时间进行回复: every reply within 1 working day of the question.
    facts["replies"] = {}
    for _ in range(ONLINE_REPLIES):
        w = rng.choice(hall.with_cases)
        qi = rng.randrange(len(DAYS) - 1)
        q_day = DAYS[qi]
        if rng.random() < 0.3:  # answered on the next working day (over a weekend, too)
            asked, answered = at(rng, q_day, 15 * 60, 17 * 60 + 30), at(rng, DAYS[qi + 1], 8 * 60 + 30, 11 * 60)
        else:
            asked = at(rng, q_day, 8 * 60 + 30, 14 * 60)
            answered = at(rng, q_day, int(asked[11:13]) * 60 + int(asked[14:16]) + 10, 17 * 60 + 30)
        add(w, "网上咨询回复", answered, due=asked, evidence=f"庆阳政务服务网网上咨询 第{rng.randint(1000, 9999)}号")
        facts["replies"][w] = facts["replies"].get(w, 0) + 1
    for w, n in NOT_ENTERED.items():
        add(w, "事项未进驻", rng.choice(DAYS[:10]), count=n, evidence="进驻事项清理核查：规定进驻事项仍在原单位受理办理")
    for w in POOR_AUTHORISATION:
        add(w, "授权不到位", rng.choice(DAYS), evidence="窗口运行情况调研：向首席代表授权不到位")
    for w, n in ROTATIONS.items():
        for m in range(n):
            month = 7 + m if n == 3 else rng.randint(7, 9)
            add(w, "随意轮换人员", rng.choice([d for d in DAYS if d.month == month]), evidence="人员备案变更记录")
    for w, n in OUTSIDE_PROCESSING.items():
        for _ in range(n):
            add(w, "体外受理", rng.choice(DAYS), evidence="办件抽查：受理、办结环节在原单位")
    for w in NO_ONLINE_ENTRY:
        add(w, "无网上录入", DAYS[-1], evidence="电子政务平台系统录入统计：本季度录入0件")
    for w, n in NEW_ITEMS.items():
        add(w, "新增进驻事项", date(2017, 8, 1), count=n, evidence="事项进驻调整通知：不动产登记证发放（24小项）纳入中心窗口")
    add(NEW_STAFF_WINDOW, "充实工作力量", NEW_STAFF_FROM, count=2, evidence="人员进驻备案：增加两名工作人员")

    # A few late arrivals were appealed successfully (请假手续补办): kept on record, never deducted.
    # Only where the staff member has another attendance record, so that the 27 on full attendance stay 27.
    late_events = [e for e in events if e["item"] == "迟到早退" and (e["subject"] in sick or e["subject"] in leave or lates[e["subject"]] > 1)]
    for ev in rng.sample(late_events, 3):
        ev["status"] = "overturned"
        ev["evidence"] += "（已补办请假手续，申诉成功）"

    rank = {s: i for i, s in enumerate(hall.windows + hall.people)}
    events.sort(key=lambda e: (e["date"][:10], e["date"][10:], rank[e["subject"]], e["item"], e["evidence"]))
    for n, ev in enumerate(events, 1):
        ev["id"] = f"OC-2017Q3-{n:05d}"
    return events, facts


# ---------------------------------------------------------------- measures


def measures(hall: Hall, facts: dict) -> tuple[list[dict], dict]:
    rng = hall.rng
    w_all = hall.windows
    values: dict[str, dict[str, int]] = {m: {w: 0 for w in w_all} for m in hall.metrics}

    # 办件量: the five busiest in the notice's order, nine windows with none, the rest in between.
    top = [24616, 19873, 14950, 11208, 8742]
    for w, n in zip(TOP5, top):
        values["办件量"][w] = n
    middle = [w for w in hall.with_cases if w not in TOP5]
    weights = [rng.lognormvariate(0, 1.3) for _ in middle]
    weights[middle.index("广电网络便民窗口")] = 0.01  # 本季度新进驻
    parts = partition(rng, TOTAL_CASES - sum(top), weights, minimum=12)
    for w, n in zip(middle, parts):
        values["办件量"][w] = min(n, 8000)
    overflow = TOTAL_CASES - sum(values["办件量"].values())
    smallest = sorted(middle, key=lambda w: values["办件量"][w])
    for w in smallest[5:]:
        if overflow <= 0:
            break
        room = 8000 - values["办件量"][w]
        take = min(room, overflow)
        values["办件量"][w] += take
        overflow -= take
    assert sum(values["办件量"].values()) == TOTAL_CASES

    # 时限内办结: 50 cases not on time, at the windows with cards and a few others.
    late_windows = sorted(set(rng.sample(hall.with_cases, 6)), key=w_all.index)
    late = partition(rng, TOTAL_CASES - ON_TIME, [rng.random() + 0.2 for _ in late_windows])
    for w in w_all:
        values["时限内办结件数"][w] = values["办件量"][w]
    for w, n in zip(late_windows, late):
        n = min(n, values["办件量"][w])
        values["时限内办结件数"][w] -= n
    short = ON_TIME - sum(values["时限内办结件数"].values())
    values["时限内办结件数"][TOP5[0]] += short  # keeps the hall total exact
    assert sum(values["时限内办结件数"].values()) == ON_TIME

    # 提前办结: most windows finish 98-100% early, a few lag (94-97%).
    not_early = {}
    for w in hall.with_cases:
        rate = rng.uniform(0.94, 0.975) if rng.random() < 0.2 else rng.uniform(0.975, 0.999)
        not_early[w] = int(values["时限内办结件数"][w] * (1 - rate))
    gap = (ON_TIME - EARLY) - sum(not_early.values())
    big = sorted(hall.with_cases, key=lambda w: -values["办件量"][w])[:10]
    i = 0
    while gap != 0:
        w = big[i % len(big)]
        step = 1 if gap > 0 else -1
        if 0 <= not_early[w] + step <= values["时限内办结件数"][w]:
            not_early[w] += step
            gap -= step
        i += 1
    for w in hall.with_cases:
        values["提前办结件数"][w] = values["时限内办结件数"][w] - not_early[w]
    assert sum(values["提前办结件数"].values()) == EARLY

    # 服务评价器: 19 windows use it (the 11 named and 8 more), 30 do not.
    others = [w for w in hall.with_cases if w not in VERY_SATISFIED]
    extra = sorted(rng.sample(others, len(w_all) - WITHOUT_EVALUATOR - len(VERY_SATISFIED)), key=w_all.index)
    using = sorted(list(VERY_SATISFIED) + extra, key=w_all.index)
    very = dict(VERY_SATISFIED)
    for w, n in zip(extra, partition(rng, VERY_SATISFIED_TOTAL - sum(VERY_SATISFIED.values()), [1] * len(extra), minimum=0)):
        very[w] = n
    plain = partition(rng, SATISFIED - VERY_SATISFIED_TOTAL, [very[w] + rng.randint(5, 40) for w in using], minimum=3)
    unhappy_at = rng.sample(using, 4)
    unhappy = dict(zip(unhappy_at, partition(rng, EVALUATIONS - SATISFIED, [1, 1, 1, 1])))
    for w, p in zip(using, plain):
        values["非常满意评价数"][w] = very[w]
        values["满意评价数"][w] = very[w] + p
        values["评价总数"][w] = very[w] + p + unhappy.get(w, 0)
    assert sum(values["评价总数"].values()) == EVALUATIONS and sum(values["满意评价数"].values()) == SATISFIED

    # 领导坐班: the six windows named never; the others 1-26 times in the quarter's 13 weeks.
    for w in w_all:
        values["领导坐班次数"][w] = 0 if w in NO_LEADER else min(26, max(1, int(rng.triangular(1, 26, 14))))
    # 信息报送: 80 items from the 12 windows named, 9 adopted.
    sub = partition(rng, INFO_SUBMITTED, [rng.paretovariate(1.5) for _ in INFO_WINDOWS])
    for w, n in zip(INFO_WINDOWS, sub):
        values["信息报送条数"][w] = n
    ranked = sorted(INFO_WINDOWS, key=lambda w: -values["信息报送条数"][w])
    adopted = {}
    for k in range(INFO_ADOPTED):
        w = ranked[min(k, 5) if k < 6 else rng.randrange(len(ranked))]
        if adopted.get(w, 0) < values["信息报送条数"][w]:
            adopted[w] = adopted.get(w, 0) + 1
        else:
            adopted[ranked[0]] = adopted.get(ranked[0], 0) + 1
    for w, n in adopted.items():
        values["信息采用条数"][w] = n
    assert sum(values["信息报送条数"].values()) == INFO_SUBMITTED and sum(values["信息采用条数"].values()) == INFO_ADOPTED
    for w, n in CUT_DAYS.items():
        values["压减工作日数"][w] = n
    for w, n in SLIMMED.items():
        values["精简材料项数"][w] = n
    # 工作人员病假/事假人次: the window's own attendance return, the sum of its staff's leave events (so the
    # 汇总 counts 个数(工作人员病假人次 ≥ 1) = 18 and 个数(工作人员事假人次 ≥ 1) = 35 windows). No random draws.
    for metric, group in (("工作人员病假人次", facts["sick"]), ("工作人员事假人次", facts["leave"])):
        for p, n in group.items():
            values[metric][hall.window_of[p]] += n
    assert sum(values["工作人员病假人次"].values()) == SICK[0] and sum(1 for n in values["工作人员病假人次"].values() if n) == SICK[2]
    assert sum(values["工作人员事假人次"].values()) == LEAVE[0] and sum(1 for n in values["工作人员事假人次"].values() if n) == LEAVE[2]

    rows, n = [], 0
    for metric in hall.metrics:
        for w in w_all:
            n += 1
            rows.append({"id": f"ME-2017Q3-{n:04d}", "kind": "measure", "subject": w, "metric": metric,
                         "period": PERIOD, "value": str(values[metric][w])})
    return rows, {"values": values, "evaluator": using, "late_windows": late_windows}


# ---------------------------------------------------------------- README


def readme(hall: Hall, counts: dict, events: list[dict], facts: dict, mfacts: dict) -> str:
    v = mfacts["values"]
    full = facts["full"]
    over5 = sorted((p for p, n in facts["outings"].items() if n > 5), key=lambda p: -facts["outings"][p])
    late_returns = [p for p, gap in facts["late_returns"] if gap > 1]
    overturned = [e["id"] for e in events if e.get("status") == "overturned"]
    lines = [
        "# 庆阳市政务服务中心 2017 年第三季度示例数据",
        "",
        "本目录是规则集 `rulebooks/qingyang-2017q3.rules` 的示例输入，由 `examples/tools/generate_qingyang.py` 用固定随机种子生成。"
        "通报（庆政服发〔2017〕49号）写明的数字都原样复现，其余（各窗口、各人的具体情况）是虚构的。重新生成（两次运行结果逐字节相同）：",
        "",
        "```",
        "python examples/tools/generate_qingyang.py            # 写入 examples/qingyang-2017q3",
        "```",
        "",
        "计分（工作人员由对象文件提供）：",
        "",
        "```",
        "python -m perfrules score rulebooks/qingyang-2017q3.rules examples/qingyang-2017q3/occurrences.jsonl \\",
        "    examples/qingyang-2017q3/measures.csv --subjects examples/qingyang-2017q3/staff.json \\",
        "    --assessment 窗口季度考核 --period 2017-Q3",
        "```",
        "",
        "| 文件 | 内容 | 记录数 |",
        "|---|---|---|",
        f"| staff.json | 对象文件：窗口工作人员（类别 工作人员，parent 为所在窗口；市国土局两名新进人员 active_from 2017-08-01） | {counts['staff']} |",
        f"| occurrences.jsonl | 扣分、加分事件：工作人员的考勤与行为规范（subject 为工作人员），窗口的各项（subject 为窗口），按日期排序 | {counts['occurrences']} |",
        f"| measures.csv | 度量：49个窗口 × 13项（办件量、时限内办结件数、提前办结件数、评价总数、满意评价数、非常满意评价数、领导坐班次数、信息报送条数、信息采用条数、压减工作日数、精简材料项数、工作人员病假人次、工作人员事假人次） | {counts['measures']} |",
        "",
        "与通报一致的数字（`score` 的「汇总」行可直接核对）：",
        "",
        f"- 办件量合计 {sum(v['办件量'].values())} 件；时限内办结 {sum(v['时限内办结件数'].values())} 件（99.95%），提前办结 {sum(v['提前办结件数'].values())} 件（98.2%）；"
        f"前5位依次为{'、'.join(TOP5)}；零办件的窗口 {len(ZERO_CASE)} 个：{'、'.join(ZERO_CASE)}。",
        f"- 服务评价器：{len(mfacts['evaluator'])} 个窗口启用，{WITHOUT_EVALUATOR} 个未启用；评价 {EVALUATIONS} 条、满意 {SATISFIED} 条（99.76%）、非常满意 {VERY_SATISFIED_TOTAL} 条（点名的11个窗口按通报的条数，另有 "
        f"{'、'.join(w for w in mfacts['evaluator'] if w not in VERY_SATISFIED)} 共 {VERY_SATISFIED_TOTAL - sum(VERY_SATISFIED.values())} 条）。",
        f"- 电子监察：黄牌 {YELLOW} 次（{'、'.join(facts['yellow'])}），红牌 1 次（{facts['red']}）；网上咨询回复 {ONLINE_REPLIES} 条，全部在1个工作日内（记录照收，不扣分）。",
        f"- 信息报送：{len(INFO_WINDOWS)} 个窗口报送 {INFO_SUBMITTED} 条、采用 {INFO_ADOPTED} 条；其余 {len(hall.windows) - len(INFO_WINDOWS)} 个窗口「零报送」。",
        f"- 领导坐班次数为零的窗口：{'、'.join(NO_LEADER)}。",
        f"- 工作人员 {counts['staff'] + 1} 人（对象文件 {counts['staff']} 人，另有规则集中声明的陈铁梅）。病假 {SICK[0]} 人次（{SICK[1]} 人，{SICK[2]} 个窗口），"
        f"事假 {LEAVE[0]} 人次（{LEAVE[1]} 人，{LEAVE[2]} 个窗口），临时外出 {OUTINGS} 人次；全勤 {len(full)} 人"
        f"（通报表扬的16人都在其中，且没有任何扣分，季度考核得满分100分）。窗口度量「工作人员病假人次」「工作人员事假人次」"
        f"是各窗口工作人员病假、事假事件的合计（只用于「病假涉及窗口」「事假涉及窗口」两条汇总，见假设 Q22）。",
        f"- 临时外出超过5次的有 {len(over5)} 人（自第6次起每次扣0.2分），最多的是 {over5[0]}（{facts['outings'][over5[0]]} 次）。",
        f"- 销假记录 {len(facts['late_returns'])} 条带 due（请假应结束的时间），其中 {len(late_returns)} 条超过1个工作日、扣分，其余照收不扣分。",
        f"- {len(overturned)} 条迟到早退已申诉撤销（`\"status\":\"overturned\"`）：{'、'.join(overturned)}。",
        "- 通报点名的问题都有记录：事项未进驻（市财政局4项、市民政局8项、市人社局15项）、授权不到位（市卫计委等5个）、随意轮换人员（中行庆阳分行每月一次等）、"
        "在原单位受理办理、市外事办本季度无网上录入；加分：市不动产登记事务中心新增24小项、市国土局增加两名工作人员、13个窗口压减工作日、7个窗口精简材料。",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    rb = load_rulebook(RULEBOOK)
    hall = Hall(rb, random.Random(SEED))
    staff = subjects_file(hall)
    events, facts = occurrences(hall)
    rows, mfacts = measures(hall, facts)

    write(out / "staff.json", "[\n" + ",\n".join("  " + dumps(s) for s in staff) + "\n]\n")
    write(out / "occurrences.jsonl", "".join(dumps(e) + "\n" for e in events))
    write_measures_csv(out / "measures.csv", rows)
    counts = {"staff": len(staff), "occurrences": len(events), "measures": len(rows)}
    write(out / "README.md", readme(hall, counts, events, facts, mfacts))
    print(" ".join(f"{k}={v}" for k, v in counts.items()), "->", out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
