"""The ``perfrules`` command: a thin layer over the public API. Exit codes: 0 ok, 1 rule or data errors, 2 usage."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Iterator, Optional, Sequence

from . import __version__
from .calendar import Calendar
from .catalogue import catalogue
from .compiler import load_rulebook
from .errors import DataError, QueryError, RulebookError, default_lang
from .events import EVENT_ADAPTER, SUBJECTS_ADAPTER, EventReader, read_subjects
from .explain import Explanation, Result
from .render import render_catalogue, render_csv, render_explanation, render_table
from .periods import parse_period
from .resources import shipped
from .scorecard import Scorecard, evaluate

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
DEMO_RULEBOOK = "xx-district-2022.rules"
DEMO_EVENTS = ("occurrences.jsonl", "measures.csv", "ballots.jsonl", "facts.json", "problems.jsonl")
DEMO_SUBJECT = "公安"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 with a hint, as argparse does, in our words
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"perfrules: 用法错误 / usage error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="perfrules", description="政务服务中心窗口考核规则集：检查、计分、解释。Score and explain hall assessment rulebooks.")
    p.add_argument("--version", action="version", version=f"perfrules {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    c = sub.add_parser("check", help="检查规则集，列出全部错误 / check rulebooks and report every error")
    c.add_argument("rulebooks", nargs="+", metavar="RULEBOOK")
    c.add_argument("--lang", choices=("zh", "en"))

    s = sub.add_parser("score", help="计分、排名、定等次 / score, rank and band")
    s.add_argument("rulebook", metavar="RULEBOOK")
    s.add_argument("events", nargs="+", metavar="EVENTS", help="JSON Lines、JSON 数组或 CSV 文件")
    s.add_argument("--subjects", metavar="FILE", help="规则集之外的对象清单 / subjects supplied with the data")
    s.add_argument("--calendar", metavar="FILE", help="本大厅的节假日与调休补充（JSON）/ the hall's own calendar overrides")
    s.add_argument("--assessment", metavar="NAME")
    s.add_argument("--period", metavar="P", help="2022、2022-H1、2022-Q3 或 2022-03")
    s.add_argument("--format", choices=("text", "json", "csv"), default="text")
    s.add_argument("--output", metavar="FILE", help="写入文件（原子写入）/ write atomically to FILE")
    s.add_argument("--strict", action="store_true", help="有任何拒收即返回 1 / exit 1 on any rejection")
    s.add_argument("--no-explanations", action="store_true", help="JSON 中不含解释树 / leave explanations out of JSON")
    s.add_argument("--lang", choices=("zh", "en"))

    e = sub.add_parser("explain", help="解释某个对象的得分与等次 / explain one subject's score and band")
    e.add_argument("rulebook", metavar="RULEBOOK")
    e.add_argument("events", nargs="+", metavar="EVENTS")
    e.add_argument("--subject", required=True, metavar="S")
    e.add_argument("--subjects", metavar="FILE")
    e.add_argument("--calendar", metavar="FILE")
    e.add_argument("--assessment", metavar="NAME")
    e.add_argument("--period", metavar="P")
    e.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    e.add_argument("--output", metavar="FILE")
    e.add_argument("--lang", choices=("zh", "en"))

    i = sub.add_parser("inspect", help="列出规则集的条目目录 / list the item catalogue")
    i.add_argument("rulebook", metavar="RULEBOOK")
    i.add_argument("--json", action="store_true")
    i.add_argument("--lang", choices=("zh", "en"))

    sc = sub.add_parser("schema", help="输出 JSON Schema / print JSON Schemas")
    sc.add_argument("which", nargs="?", choices=("events", "subjects", "result", "explanation"), default="events")

    sub.add_parser("demo", help="用内置的 XX 区示例计分并解释一个窗口 / score the shipped XX district example")
    return p


def schemas() -> dict[str, dict]:
    return {
        "events": EVENT_ADAPTER.json_schema(),
        "subjects": SUBJECTS_ADAPTER.json_schema(),
        # what perfrules writes: decimals as strings, every field present
        "result": Result.model_json_schema(mode="serialization"),
        "explanation": Explanation.model_json_schema(mode="serialization"),
    }


def write_output(text: str, output: Optional[str]) -> None:
    """Print, or write ``output`` atomically: a temporary file beside it, renamed over it when complete."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(output)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent if str(target.parent) else ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _records(reader: EventReader, paths: Sequence[str]) -> Iterator:
    """Stream the records of every file; a progress bar on stderr for large inputs when it is a terminal."""
    total = sum(Path(p).stat().st_size for p in paths)
    if not (sys.stderr.isatty() and total > 20_000_000):
        yield from reader.batches(paths)
        return
    from rich.progress import Progress

    with Progress(transient=True, console=None) as progress:
        task = progress.add_task("读取并计分 / reading and scoring", total=total)
        for p in paths:
            yield from reader.batches([p])
            progress.advance(task, Path(p).stat().st_size)


def _scorecard(args) -> Scorecard:
    rulebook = load_rulebook(args.rulebook)
    subjects = read_subjects(args.subjects) if args.subjects else []
    missing = [p for p in args.events if not Path(p).is_file()]
    if missing:
        raise DataError(f"找不到事件文件 / events file not found: {', '.join(missing)}")
    reader = EventReader()
    # --period chooses what is shown; the whole effective range is scored, so that year-to-date counts,
    # averages and streaks see every event they depend on.
    calendar = Calendar.load(args.calendar) if args.calendar else None
    card = evaluate(rulebook, _records(reader, args.events), subjects=subjects, inputs_sha256="", calendar=calendar)
    card.inputs_sha256 = reader.digest.hexdigest()  # complete only once every file has been read
    return card


def cmd_check(args) -> int:
    status = EXIT_OK
    for path in args.rulebooks:
        try:
            rb = load_rulebook(path)
        except RulebookError as err:
            sys.stdout.write(err.render(args.lang) + "\n")
            n = len(err.diagnostics)
            sys.stdout.write(f"{path}：{n} 个错误\n" if (args.lang or default_lang()) == "zh" else f"{path}: {n} error(s)\n")
            status = EXIT_ERRORS
            continue
        items = len(rb.items())
        sys.stdout.write(f"{path}：通过。{len(rb.assessments)} 个考核，{items} 个项目，{len(rb.assumptions)} 条假设，{len(rb.bandings)} 个等次方案\n")
    return status


def cmd_score(args) -> int:
    card = _scorecard(args)
    assessment = args.assessment
    if assessment is not None:
        card.pick(assessment)  # a clear error for an unknown name
    if args.period is not None and parse_period(args.period) is None:
        raise QueryError(f"周期写法错误「{args.period}」，应如 2022、2022-H1、2022-Q3、2022-03 / malformed period")
    period = args.period
    if args.format == "text" and assessment is None:
        banded = [b.assessment for b in card.rulebook.bandings]
        names = [a.name for a in card.rulebook.assessments if a.name in banded] or [a.name for a in card.rulebook.assessments]
        if period is not None:  # show what the period holds: the banded assessments, else every assessment in it
            names = [n for n in names if card.result(n, period, explanations=False).assessments] or \
                    [a.name for a in card.rulebook.assessments if card.result(a.name, period, explanations=False).assessments]
        if not names:
            raise QueryError(f"所选周期「{period}」内没有任何考核结果 / nothing scored in that period")
        results = [card.result(n, period, explanations=False) for n in names]
        merged = results[0].model_copy(update={"assessments": [x for r in results for x in r.assessments],
                                               "warnings": [w for r in results for w in r.warnings]})
        text = render_table(merged, max_rejections=50)
    elif args.format == "text":
        text = render_table(card.result(assessment, period, explanations=False), max_rejections=50)
    elif args.format == "csv":
        text = render_csv(card.result(assessment, period, explanations=False))
    else:
        text = card.result(assessment, period, explanations=not args.no_explanations).model_dump_json(indent=2) + "\n"
    write_output(text, args.output)
    if args.format != "text" and args.output is None and card.accounting.rejected:
        sys.stderr.write(f"拒收 {card.accounting.rejected} 条（见 rejections）/ {card.accounting.rejected} rejected\n")
    return EXIT_ERRORS if args.strict and card.accounting.rejected else EXIT_OK


def cmd_explain(args) -> int:
    card = _scorecard(args)
    expl = card.explain(args.subject, args.assessment, args.period)
    write_output(render_explanation(expl, args.format), args.output)
    return EXIT_OK


def cmd_inspect(args) -> int:
    cat = catalogue(load_rulebook(args.rulebook))
    text = json.dumps(cat, ensure_ascii=False, indent=2) + "\n" if args.json else render_catalogue(cat)
    write_output(text, None)
    return EXIT_OK


def cmd_schema(args) -> int:
    write_output(json.dumps(schemas()[args.which], ensure_ascii=False, indent=2) + "\n", None)
    return EXIT_OK


def cmd_demo(args) -> int:
    rulebook_path = shipped("rulebooks").joinpath(DEMO_RULEBOOK)
    example = shipped("examples").joinpath("xx-district-2022")
    rulebook = load_rulebook(str(rulebook_path))
    reader = EventReader()
    records = []
    for name in DEMO_EVENTS:
        records.extend(reader.read_bytes(example.joinpath(name).read_bytes(), f"examples/xx-district-2022/{name}"))
    card = evaluate(rulebook, records, inputs_sha256=reader.digest.hexdigest())
    banded = [b.assessment for b in rulebook.bandings]
    results = [card.result(n, explanations=False) for n in banded]
    merged = results[0].model_copy(update={"assessments": [x for r in results for x in r.assessments],
                                           "warnings": [w for r in results for w in r.warnings]})
    sys.stdout.write("perfrules 示例：XX区2022年度窗口、分中心考绩（数据见 examples/xx-district-2022/）\n\n")
    sys.stdout.write(render_table(merged))
    sys.stdout.write("\n" + "=" * 100 + "\n\n")
    sys.stdout.write(render_explanation(card.explain(DEMO_SUBJECT)))
    return EXIT_OK


COMMANDS = {"check": cmd_check, "score": cmd_score, "explain": cmd_explain, "inspect": cmd_inspect, "schema": cmd_schema, "demo": cmd_demo}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if getattr(args, "lang", None):
        os.environ["PERFRULES_LANG"] = args.lang
    try:
        return COMMANDS[args.command](args)
    except RulebookError as err:
        sys.stderr.write(err.render() + "\n")
        return EXIT_ERRORS
    except DataError as err:
        sys.stderr.write(f"perfrules: {err}\n")
        return EXIT_ERRORS
    except QueryError as err:
        sys.stderr.write(f"perfrules: {err}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
