"""Generate the 驻马店市民中心 May 2021 example data set from the shipped rulebook, deterministically.

Usage: python examples/tools/generate_zhumadian.py [OUTDIR]   (default: examples/zhumadian-2021-05)

Window units, items and metrics are read from ``rulebooks/zhumadian-2021-05.rules``; only the
behaviour of the hall is written down here, shaped after the May 2021 notice (seed 002):
131762 cases with exactly one overdue case (市农业农村局: 5 cases, 1 overdue, 种畜禽生产经营许可),
an invitation rate of 94%, waiting within 6 minutes and handling within 4 minutes on average,
90% of the matters done within 10 minutes, 391 帮办代办 services by 28 units (上门 86, 延时 34,
咨询辅导 117, 双休日 154), a few complaints, late arrivals, early leaves and empty posts.
The random source is ``random.Random(20210531)``; nothing depends on hash order or the clock,
so two runs give byte-identical files.
"""

from __future__ import annotations

import random
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import dumps, problem_lines, write, write_measures_csv  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RULEBOOK = ROOT / "rulebooks" / "zhumadian-2021-05.rules"
DEFAULT_OUT = HERE.parent / "zhumadian-2021-05"
YEAR, MONTH = 2021, 5

try:
    from perfrules.compiler import load_rulebook
except ModuleNotFoundError:  # run from a source checkout without installing
    sys.path.insert(0, str(ROOT))
    from perfrules.compiler import load_rulebook

# ---------------------------------------------------------------- what the notice says

TOTAL_CASES = 131762          # 一(一) 共办理业务131762件
OVERDUE_UNIT = "农业农村"      # 二(二) 市农业农村局 办理业务5件、超期1件
OVERDUE_UNIT_CASES = 5
INVITE_RATE = 0.94            # 一(二) 主动邀评率94%
TEN_MINUTE_SHARE = 0.90       # 一(一) 90%的事项可在10分钟内办结
HELP_UNITS = 28               # 一(三) 共28个窗口单位开展帮办代办服务391次
HELP_COUNTS = {"上门服务": 86, "延时服务": 34, "咨询辅导": 117, "双休日服务": 154}
DISCIPLINE = ("迟到", "早退", "空岗", "服务用语不规范", "服务态度生硬", "主动服务不到位", "业务不熟练")

# Relative case volume of each unit (市民中心 windows: tax, police, real estate and social
# insurance carry most of the load). Units not listed get 1.
VOLUME = {
    "税务": 30, "公安": 22, "不动产登记": 20, "人社": 16, "医保": 14, "市场监管": 12, "公积金": 10,
    "住建": 5, "自然资源": 4, "交通运输": 4, "民政": 3, "卫健": 3, "供电": 3, "供水": 3, "司法": 2,
    "教育": 2, "公共资源交易": 1.5, "残联": 1.2, "退役军人": 1, "生态环境": 1, "文广旅": 0.8,
    "商务": 0.6, "发改": 0.6, "城管": 0.6, "应急管理": 0.5, "林业": 0.3, "水利": 0.3, "人防": 0.25,
    "气象": 0.15, "烟草": 0.2, "财政": 0.4,
}
# Units that did no 帮办代办 in May (32 units − 28).
NO_HELP = ("气象", "人防", "烟草", "财政")
# Units that lean on one kind of 帮办代办 (weights per kind).
HELP_BIAS = {
    "不动产登记": {"双休日服务": 9, "上门服务": 4, "咨询辅导": 3, "延时服务": 2},
    "税务": {"咨询辅导": 8, "双休日服务": 6, "延时服务": 3},
    "公安": {"双休日服务": 6, "上门服务": 3, "延时服务": 2},
    "人社": {"上门服务": 4, "咨询辅导": 4, "双休日服务": 3},
    "医保": {"上门服务": 3, "咨询辅导": 3},
    "市场监管": {"咨询辅导": 5, "延时服务": 2, "双休日服务": 2},
    "残联": {"上门服务": 4},
    "民政": {"上门服务": 3},
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力鹏飞斌波宁浩婷雪琳晨欣怡佳琪思源嘉俊宇轩博涵子睿晓燕颖慧海峰春梅志丹凯亮"

# May 2021: 劳动节 1–5 May off, Saturday 8 May worked (国务院办公厅 2020-11-25).
HOLIDAYS = {date(2021, 5, d) for d in (1, 2, 3, 4, 5)}
EXTRA_WORKDAYS = {date(2021, 5, 8)}


def is_workday(d: date) -> bool:
    return d in EXTRA_WORKDAYS or (d.weekday() < 5 and d not in HOLIDAYS)


DAYS = [date(YEAR, MONTH, d) for d in range(1, 32)]
WORKDAYS = [d for d in DAYS if is_workday(d)]
WEEKENDS = [d for d in DAYS if not is_workday(d) and d.weekday() >= 5]


def at(d: date, minutes: int, seconds: int = 0) -> str:
    return f"{d.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}+08:00"


def apportion(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` into whole numbers proportional to ``weights`` (largest remainders)."""
    s = sum(weights.values())
    raw = {k: total * w / s for k, w in weights.items()}
    out = {k: int(v) for k, v in raw.items()}
    rest = total - sum(out.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - out[k]), list(weights).index(k)))[:rest]:
        out[k] += 1
    return out


class Hall:
    def __init__(self, rb, rng: random.Random):
        self.rb, self.rng = rb, rng
        self.units = [s.id for s in rb.subjects]
        self.items = {it.name: it for it in rb.items()}
        self.metrics = [x.name for x in rb.metrics]
        missing = [u for u in list(VOLUME) + list(NO_HELP) + list(HELP_BIAS) + [OVERDUE_UNIT] if u not in self.units]
        missing += [i for i in list(HELP_COUNTS) + ["群众投诉", "超期办件", "迟到", "早退", "空岗", "服务用语不规范",
                                                    "服务态度生硬", "主动服务不到位", "业务不熟练"] if i not in self.items]
        if missing:
            raise SystemExit(f"generate_zhumadian: 规则集中没有这些对象或项目，请更新生成器：{'、'.join(missing)}")
        used: set[str] = set()
        self.staff: dict[str, list[str]] = {}
        for u in self.units:
            roster = []
            for _ in range(rng.randint(2, 6)):
                while True:
                    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
                    if name not in used:
                        break
                used.add(name)
                roster.append(name)
            self.staff[u] = roster


# ---------------------------------------------------------------- measures


def measures(hall: Hall) -> list[dict]:
    rng = hall.rng
    weights = {u: VOLUME.get(u, 1) * rng.uniform(0.85, 1.15) for u in hall.units if u != OVERDUE_UNIT}
    cases = apportion(TOTAL_CASES - OVERDUE_UNIT_CASES, weights)
    cases[OVERDUE_UNIT] = OVERDUE_UNIT_CASES
    cases = {u: cases[u] for u in hall.units}

    # 好差评 invitations: most units 88–99%; a few lag behind. The hall-wide total is fixed at 94%.
    laggards = {"林业": 0.84, "水利": 0.83, OVERDUE_UNIT: 0.80, "城管": 0.86}
    invited = {u: round(cases[u] * laggards.get(u, rng.uniform(0.90, 0.985))) for u in hall.units}
    target = round(TOTAL_CASES * INVITE_RATE)
    big = max(hall.units, key=lambda u: cases[u])
    invited[big] += target - sum(invited.values())

    # Queue system: a share of the cases take a ticket at the counter; the rest are online or back-office.
    tickets = {u: max(cases[u], 1) if cases[u] < 40 else round(cases[u] * rng.uniform(0.35, 0.65)) for u in hall.units}
    slow_wait = {"不动产登记": 7.4, "住建": 9.2, "林业": 8.6}
    slow_handle = {"不动产登记": 5.6, "自然资源": 6.3, "住建": 4.8, "林业": 9.0}
    wait = {u: round(tickets[u] * slow_wait.get(u, rng.uniform(2.5, 6.2))) for u in hall.units}
    handle = {u: round(tickets[u] * slow_handle.get(u, rng.uniform(1.8, 4.0))) for u in hall.units}

    # Matters: 90% of all matters can be done within 10 minutes; licensing-heavy units fewer.
    matters = {u: rng.randint(6, 40) for u in hall.units}
    for u, n in {"公安": 126, "税务": 118, "人社": 96, "市场监管": 88, "不动产登记": 42, "自然资源": 64, "住建": 72}.items():
        matters[u] = n
    slow_matters = {"自然资源": 0.62, "住建": 0.68, "生态环境": 0.66, "农业农村": 0.75, "林业": 0.70}
    quick = {u: round(matters[u] * slow_matters.get(u, rng.uniform(0.88, 1.0))) for u in hall.units}
    want = round(sum(matters.values()) * TEN_MINUTE_SHARE)
    # put the difference on the larger fast units, one matter at a time, within their own count
    fast = sorted((u for u in hall.units if u not in slow_matters), key=lambda u: -matters[u])
    i = 0
    while sum(quick.values()) != want:
        u = fast[i % len(fast)]
        step = 1 if sum(quick.values()) < want else -1
        if 0 <= quick[u] + step <= matters[u]:
            quick[u] += step
        i += 1

    period = f"{YEAR}-{MONTH:02d}"
    columns = {"办件量": cases, "主动邀评件数": invited, "取号人次": tickets, "等待总分钟": wait,
               "办理总分钟": handle, "进驻事项数": matters, "十分钟可办结事项数": quick}
    unknown = [c for c in columns if c not in hall.metrics]
    if unknown:
        raise SystemExit(f"generate_zhumadian: 规则集中没有这些度量：{'、'.join(unknown)}")
    rows, n = [], 0
    for u in hall.units:
        for metric in hall.metrics:
            n += 1
            rows.append({"id": f"ZMD-ME-{period}-{n:04d}", "kind": "measure", "subject": u, "metric": metric,
                         "period": period, "value": str(columns[metric][u])})
    hall.cases, hall.invited, hall.tickets, hall.wait, hall.handle = cases, invited, tickets, wait, handle
    hall.matters, hall.quick = matters, quick
    return rows


# ---------------------------------------------------------------- occurrences


def occurrences(hall: Hall) -> list[dict]:
    rng = hall.rng
    out: list[dict] = []

    def occ(unit: str, item: str, when: str, evidence: str, **extra) -> None:
        ev = {"id": None, "kind": "occurrence", "subject": unit, "item": item, "date": when}
        ev.update(extra)
        ev["evidence"] = evidence
        out.append(ev)

    # 帮办代办: 391 services by 28 units, each one a line of the unit's 帮办代办台账.
    helpers = [u for u in hall.units if u not in NO_HELP]
    assert len(helpers) == HELP_UNITS, len(helpers)
    for kind, total in HELP_COUNTS.items():
        weights = {u: HELP_BIAS.get(u, {}).get(kind, 0.6) * (1 + VOLUME.get(u, 1) ** 0.5 / 3) for u in helpers}
        # every helping unit does at least one service of some kind: give each a floor weight
        per_unit = apportion(total, weights)
        for u in helpers:
            for _ in range(per_unit[u]):
                staff = rng.choice(hall.staff[u])
                if kind == "双休日服务":
                    d = rng.choice(WEEKENDS)
                    occ(u, kind, at(d, rng.randint(9 * 60, 16 * 60)), f"双休日值班登记 {d.isoformat()}", staff=staff)
                elif kind == "延时服务":
                    d = rng.choice(WORKDAYS)
                    occ(u, kind, at(d, rng.randint(18 * 60 + 5, 19 * 60 + 30)), f"延时服务登记 {d.isoformat()} 下班后", staff=staff)
                elif kind == "上门服务":
                    d = rng.choice(WORKDAYS)
                    place = rng.choice(("行动不便老人家中", "企业现场", "项目工地", "社区服务站", "医院病房"))
                    occ(u, kind, d.isoformat(), f"上门服务登记 {d.isoformat()} {place}", staff=staff)
                else:
                    d = rng.choice(WORKDAYS)
                    occ(u, kind, d.isoformat(), f"帮办代办台账 {d.isoformat()} 咨询辅导", staff=staff)
    hall.help_by_unit = {u: sum(1 for e in out if e["subject"] == u) for u in helpers}

    # 超期办件: the one overdue case of the month, and two cases the e-supervision system flagged as
    # due that were done on their due day (recorded, not overdue).
    occ(OVERDUE_UNIT, "超期办件", "2021-05-19", "河南政务服务网 种畜禽生产经营许可 办件号4117002105100031 承诺5月14日办结",
        due="2021-05-14")
    occ("自然资源", "超期办件", "2021-05-21", "电子监察临期预警 建设用地规划许可 办件号4117002105070112 当日办结",
        due="2021-05-21")
    occ("市场监管", "超期办件", "2021-05-27", "电子监察临期预警 食品经营许可 办件号4117002105200457 当日办结",
        due="2021-05-27")

    # 群众投诉: two upheld against two units, one overturned on appeal.
    occ("住建", "群众投诉", "2021-05-12", "12345热线工单 202105120318 商品房预售资金监管咨询推诿", staff=hall.staff["住建"][1])
    occ("人社", "群众投诉", "2021-05-25", "「办不成事」反映窗口登记 第21号 社保转移办理多次往返", staff=hall.staff["人社"][0])
    occ("公安", "群众投诉", "2021-05-18", "12345热线工单 202105180907（经核实系政策理解差异，申诉成功）",
        staff=hall.staff["公安"][2], status="overturned")

    # 作风纪律: 督查 patrols and the attendance system. 迟到 carries the start of work as due.
    late = [("林业", 17, 8 * 60 + 30, 14), ("林业", 24, 8 * 60 + 30, 9), ("住建", 11, 15 * 60, 6), ("公积金", 20, 8 * 60 + 30, 3),
            ("医保", 26, 8 * 60 + 30, 12), ("水利", 13, 8 * 60 + 30, 22), ("城管", 31, 15 * 60, 4)]
    for u, day, start, minutes in late:
        d = date(YEAR, MONTH, day)
        occ(u, "迟到", at(d, start + minutes, rng.randint(0, 59)), f"考勤系统签到记录 {d.isoformat()}",
            due=at(d, start), staff=rng.choice(hall.staff[u]))
    # signed in 40 seconds after the start: recorded, not a late arrival under 当 超时时长 ≥ 1 分钟
    d = date(YEAR, MONTH, 10)
    occ("税务", "迟到", at(d, 8 * 60 + 30, 40), f"考勤系统签到记录 {d.isoformat()}", due=at(d, 8 * 60 + 30),
        staff=hall.staff["税务"][3 % len(hall.staff["税务"])])
    patrol = [("早退", "林业", 21), ("早退", "水利", 28), ("早退", "残联", 14),
              ("空岗", "林业", 12), ("空岗", "林业", 19), ("空岗", "不动产登记", 25), ("空岗", "商务", 7), ("空岗", "住建", 26),
              ("服务用语不规范", "林业", 18), ("服务用语不规范", "交通运输", 20), ("服务用语不规范", "医保", 11), ("服务用语不规范", "税务", 27),
              ("服务态度生硬", "住建", 12), ("服务态度生硬", "林业", 26), ("服务态度生硬", "供电", 17),
              ("主动服务不到位", "自然资源", 13), ("主动服务不到位", "林业", 25), ("主动服务不到位", "教育", 24),
              ("业务不熟练", "林业", 11), ("业务不熟练", "退役军人", 19), ("业务不熟练", "生态环境", 27)]
    for item, u, day in patrol:
        d = date(YEAR, MONTH, day)
        half = rng.choice(("上午", "下午"))
        source = "视频监控抽查" if item in ("空岗", "早退") and rng.random() < 0.4 else "督查巡查记录"
        occ(u, item, d.isoformat(), f"{source} {d.isoformat()} {half}", staff=rng.choice(hall.staff[u]))

    rank = {u: i for i, u in enumerate(hall.units)}
    out.sort(key=lambda e: (e["date"][:10], e["date"][10:], rank[e["subject"]], e["item"], e["evidence"]))
    for n, ev in enumerate(out, 1):
        ev["id"] = f"ZMD-OC-{YEAR}{MONTH:02d}-{n:04d}"
    return out


def problems(hall: Hall) -> list[tuple[str, str]]:
    bad = [
        ({"id": "ZMD-OC-202105-9001", "kind": "occurrence", "subject": "农业农村", "item": "超期办件", "date": "2021-05-28",
          "evidence": "河南政务服务网 办件号4117002105210008（导出时漏了承诺办结日期）"},
         "超期办件按超时时长计，记录缺少应办结时间 due，拒收（due_required）。"),
        ({"id": "ZMD-OC-202105-9002", "kind": "occurrence", "subject": "农业局", "item": "上门服务", "date": "2021-05-20",
          "evidence": "上门服务登记 2021-05-20"},
         "未知对象：「农业局」不是规则集中的对象编号（应为「农业农村」）。"),
        ({"id": "ZMD-OC-202105-9003", "kind": "occurrence", "subject": "林业", "item": "迟到", "date": "2021-06-01T08:41:00+08:00",
          "due": "2021-06-01T08:30:00+08:00", "evidence": "考勤系统签到记录 2021-06-01"},
         "日期超出考核期：2021-06-01 不在生效期 2021-05-01 至 2021-05-31 内（属6月份）。"),
    ]
    return [(dumps(x), why) for x, why in bad]


# ---------------------------------------------------------------- README


def readme(hall: Hall, counts: dict, events: list[dict], bad: list[tuple[str, str]]) -> str:
    help_total = sum(HELP_COUNTS.values())
    top = sorted(hall.help_by_unit.items(), key=lambda kv: (-kv[1], hall.units.index(kv[0])))[:3]
    lines = [
        "# 驻马店市民中心 2021年5月 服务效能评价示例数据",
        "",
        "本目录是规则集 `rulebooks/zhumadian-2021-05.rules` 的示例输入，由 `examples/tools/generate_zhumadian.py` "
        "用固定随机种子生成，数据是虚构的，但总数与《驻马店市民中心2021年5月份进驻窗口单位服务效能评价情况通报》一致。"
        "重新生成（两次运行结果逐字节相同）：",
        "",
        "```",
        "python examples/tools/generate_zhumadian.py",
        "```",
        "",
        "| 文件 | 内容 | 记录数 |",
        "|---|---|---|",
        f"| occurrences.jsonl | 事件：帮办代办、超期办件、群众投诉、迟到早退空岗等，32个窗口单位，5月份 | {counts['occurrences']} |",
        f"| measures.csv | 度量：办件量、主动邀评件数、取号人次、等待/办理总分钟、进驻事项数、十分钟可办结事项数 | {counts['measures']} |",
        f"| problems.jsonl | 故意做错的记录，每条演示一种拒收原因 | {counts['problems']} |",
        "",
        "与通报对得上的数字：",
        "",
        f"- 办件量合计 {sum(hall.cases.values())} 件；超期办件 1 件，在「农业农村」（办件量 {hall.cases[OVERDUE_UNIT]} 件，"
        "种畜禽生产经营许可，承诺5月14日办结、5月19日办结，超时3个工作日）。",
        "- 另有 2 条电子监察临期预警（自然资源、市场监管），当日办结，超时时长 0 个工作日：计入但不扣分。",
        f"- 主动邀评件数合计 {sum(hall.invited.values())}，邀评率 {sum(hall.invited.values()) / sum(hall.cases.values()):.2%}。",
        f"- 平均等待 {sum(hall.wait.values()) / sum(hall.tickets.values()):.2f} 分钟，平均办理 "
        f"{sum(hall.handle.values()) / sum(hall.tickets.values()):.2f} 分钟（取号人次 {sum(hall.tickets.values())}）。",
        f"- 进驻事项 {sum(hall.matters.values())} 项，其中十分钟可办结 {sum(hall.quick.values())} 项（"
        f"{sum(hall.quick.values()) / sum(hall.matters.values()):.0%}）。",
        f"- 帮办代办 {help_total} 次，由 {len(hall.help_by_unit)} 个窗口单位完成："
        + "、".join(f"{k} {v} 次" for k, v in HELP_COUNTS.items())
        + f"；最多的是 " + "、".join(f"{u} {n} 次" for u, n in top) + "。未开展的单位：" + "、".join(NO_HELP) + "。",
        "- 群众投诉 3 条：住建、人社各 1 条经查实；公安 1 条申诉成功（`\"status\":\"overturned\"`），不扣分。",
        "- 迟到记录带上班时间 `due`：税务有 1 条签到只晚 40 秒，未达「超时时长 ≥ 1 分钟」，计入但不扣分。",
        f"- 林业作风纪律问题最集中（迟到、早退、空岗、用语、态度、辅导、业务）：{len([e for e in events if e['subject'] == '林业' and e['item'] in DISCIPLINE])} 条。",
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
    hall = Hall(rb, random.Random(20210531))
    rows = measures(hall)
    events = occurrences(hall)
    bad = problems(hall)

    write(out / "occurrences.jsonl", "".join(dumps(e) + "\n" for e in events))
    write_measures_csv(out / "measures.csv", rows)
    write(out / "problems.jsonl", "".join(text + "\n" for text, _ in bad))
    counts = {"occurrences": len(events), "measures": len(rows), "problems": len(bad)}
    write(out / "README.md", readme(hall, counts, events, bad))
    print(" ".join(f"{k}={v}" for k, v in counts.items()), "->", out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
