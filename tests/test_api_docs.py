"""The integrator and auditor docs are tested, so that they cannot drift from the code.

- ``docs/api.md``: its one ```python block (the complete embedding example) runs, in an empty
  directory, and asserts its own results; the error output it shows is what it prints; every
  public name has a heading.
- ``docs/data-contract.md``: the rejection-reason table is ``REASONS``, the CSV columns are
  ``CSV_COLUMNS``, and the JSON excerpts are what perfrules writes.
- ``docs/schemas/*.schema.json``: exactly what ``perfrules schema …`` prints.
- ``docs/explanation.md``: every pasted output is the real output of the command above it.

Markup (an HTML comment before a fenced block, invisible when rendered)::

    <!-- api-docs output[ cwd=DIR]: perfrules ARGS -->     the next ```text block is the command's whole output
    <!-- api-docs excerpt[ cwd=DIR]: perfrules ARGS -->    its lines appear in the output, in order ("…" skips)
    <!-- api-docs json-node KIND/NAME[ cwd=DIR]: perfrules ARGS -->
                                       the next ```json block is the object with that kind and name in the JSON output
    <!-- api-docs json-member KEY[ cwd=DIR]: perfrules ARGS -->
                                       the next ```json block is one element of the list KEY of the JSON output
    <!-- api-docs json-key KEY[ cwd=DIR]: perfrules ARGS -->
                                       the next ```json block is `"KEY": value`, as in the JSON output

DIR is relative to the repository root (the default). Digests and the engine version are
compared loosely: they change with every edit of a rulebook or a release.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

import perfrules
from perfrules.cli import main, schemas
from perfrules.events import CSV_COLUMNS
from perfrules.ledger import REASONS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SCHEMAS = DOCS / "schemas"
API = DOCS / "api.md"
CONTRACT = DOCS / "data-contract.md"
EXPLANATION = DOCS / "explanation.md"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


# ---------------------------------------------------------------- fenced blocks and directives

@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the first content line
    lang: str
    text: str
    directive: Optional[str]  # the api-docs directive on the line(s) just before the fence


_DIRECTIVE = re.compile(r"<!--\s*api-docs\s+(.*?)\s*-->", re.S)


def blocks(path: Path) -> list[Block]:
    lines = read(path).splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        start = i
        j = i + 1
        while j < len(lines) and lines[j] != "```":
            j += 1
        assert j < len(lines), f"{where(path, start + 1)}: unclosed code block"
        directive = None
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        if k >= 0 and lines[k].rstrip().endswith("-->"):
            opening = k
            while opening >= 0 and "<!--" not in lines[opening]:
                opening -= 1
            found = _DIRECTIVE.search("\n".join(lines[opening:k + 1]))
            directive = found.group(1) if found else None
        out.append(Block(path, start + 2, m.group(1), "\n".join(lines[start + 1:j]), directive))
        i = j + 1
    return out


# ---------------------------------------------------------------- running commands

_runs: dict[tuple[str, str], str] = {}


def run(cwd: str, args: str, monkeypatch) -> str:
    """stdout of ``perfrules ARGS`` run in ROOT/cwd (cached: the example data takes half a second)."""
    key = (cwd, args)
    if key not in _runs:
        argv = shlex.split(args)
        with monkeypatch.context() as mp:
            mp.chdir(ROOT / cwd)
            mp.delenv("PERFRULES_LANG", raising=False)
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
        assert code == 0, f"perfrules {args} (in {cwd}) exited {code}: {err.getvalue()}"
        _runs[key] = out.getvalue()
    return _runs[key]


_LOOSE = [(re.compile(r"sha256 [0-9a-f]{12}…"), "sha256 …"), (re.compile(r"perfrules \d+\.\d+\.\d+\S*"), "perfrules VERSION")]


def loose(text: str) -> str:
    for pattern, repl in _LOOSE:
        text = pattern.sub(repl, text)
    return text


def walk_json(x: Any) -> Iterator[dict]:
    if isinstance(x, dict):
        yield x
        for v in x.values():
            yield from walk_json(v)
    elif isinstance(x, list):
        for v in x:
            yield from walk_json(v)


_SPEC = re.compile(r"^(output|excerpt|json-node|json-member|json-key)(?:\s+(?!cwd=)(\S+))?(?:\s+cwd=(\S+))?\s*:\s*perfrules\s+(.+)$", re.S)


@dataclass
class Check:
    block: Block
    mode: str
    arg: Optional[str]
    cwd: str
    args: str

    def __str__(self) -> str:
        return f"{where(self.block.path, self.block.line)} {self.mode}"


def checks() -> list[Check]:
    found = []
    for path in (API, CONTRACT, EXPLANATION):
        for b in blocks(path):
            if b.directive is None:
                continue
            m = _SPEC.match(b.directive)
            assert m, f"{where(b.path, b.line)}: cannot read the directive <!-- api-docs {b.directive} -->"
            mode, arg, cwd, args = m.groups()
            found.append(Check(b, mode, arg, cwd or ".", " ".join(args.split())))
    return found


CHECKS = checks()


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_doc_output_is_real(check: Check, monkeypatch) -> None:
    b = check.block
    out = run(check.cwd, check.args, monkeypatch)
    hint = f"\n{where(b.path, b.line)}: the block no longer matches `perfrules {check.args}` (run in {check.cwd}); paste the new output"
    if check.mode == "output":
        assert b.lang == "text"
        assert loose(b.text.rstrip("\n")) == loose(out.rstrip("\n")), hint
    elif check.mode == "excerpt":
        assert b.lang == "text"
        have = [loose(line.rstrip()) for line in out.splitlines()]
        pos = 0
        for n, line in enumerate(b.text.splitlines()):
            if line.strip() in ("…", "……"):
                continue
            want = loose(line.rstrip())
            try:
                pos = have.index(want, pos) + 1
            except ValueError:
                raise AssertionError(f"line {b.line + n} not found (in order) in the output: {line!r}{hint}") from None
    else:
        assert b.lang == "json"
        data = json.loads(out)
        if check.mode == "json-node":
            kind, _, name = check.arg.partition("/")
            want = json.loads(b.text)
            nodes = [x for x in walk_json(data) if x.get("kind") == kind and x.get("name") == name]
            assert nodes, f"no JSON object with kind={kind!r} name={name!r}{hint}"
            assert want in nodes, hint
        elif check.mode == "json-member":
            assert json.loads(b.text) in data[check.arg], hint
        else:
            assert json.loads("{" + b.text + "}") == {check.arg: data[check.arg]}, hint


def test_the_docs_have_checked_outputs() -> None:
    by_doc = {path: [c for c in CHECKS if c.block.path == path] for path in (CONTRACT, EXPLANATION)}
    assert len(by_doc[EXPLANATION]) >= 5, "explanation.md should show real outputs, each with an api-docs directive"
    assert len(by_doc[CONTRACT]) >= 2, "data-contract.md should show real JSON, each with an api-docs directive"


# ---------------------------------------------------------------- data-contract.md

def test_reason_table_matches_REASONS() -> None:
    text = read(CONTRACT)
    m = re.search(r"<!-- reasons:start -->\n(.*?)<!-- reasons:end -->", text, re.S)
    assert m, "data-contract.md lost its <!-- reasons:start --> … <!-- reasons:end --> markers"
    rows = [line for line in m.group(1).splitlines() if line.startswith("|")]
    assert rows[0].replace(" ", "") == "|Code|中文|English|", rows[0]
    table = []
    for row in rows[2:]:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        assert len(cells) == 3 and cells[0].startswith("`") and cells[0].endswith("`"), row
        table.append((cells[0].strip("`"), cells[1], cells[2]))
    expected = [(code, zh, en) for code, (zh, en) in REASONS.items()]
    generated = "\n".join(f"| `{c}` | {zh} | {en} |" for c, zh, en in expected)
    assert table == expected, "the reason table in data-contract.md differs from REASONS; its rows are now:\n" + generated


def test_csv_columns_match_the_reader() -> None:
    assert ",".join(CSV_COLUMNS) in read(CONTRACT).splitlines(), \
        "data-contract.md §2 must list the CSV columns exactly: " + ",".join(CSV_COLUMNS)


def test_contract_input_examples_are_accepted(tmp_path) -> None:
    """The example records, subjects and calendar in data-contract.md are valid, and the XX rulebook accepts them."""
    from perfrules import evaluate, load_rulebook, read_events, read_subjects
    from perfrules.calendar import Calendar

    rulebook = load_rulebook(ROOT / "rulebooks" / "xx-district-2022.rules")
    seen = {"events": 0, "subjects": 0, "calendar": 0}
    for n, b in enumerate(blocks(CONTRACT)):
        if b.directive is not None or b.lang not in ("json", "csv"):
            continue
        if b.lang == "json" and '"holidays"' in b.text:
            Calendar.load(_write(tmp_path / f"calendar{n}.json", b.text))
            seen["calendar"] += 1
        elif b.lang == "json" and '"category"' in b.text:
            assert read_subjects(_write(tmp_path / f"subjects{n}.json", b.text)), where(CONTRACT, b.line)
            seen["subjects"] += 1
        else:
            name = f"example{n}." + ("csv" if b.lang == "csv" else "json" if b.text.lstrip().startswith("[") else "jsonl")
            records, _ = read_events([_write(tmp_path / name, b.text)])
            card = evaluate(rulebook, records)
            rejected = [(r.id, r.reason, r.message) for r in card.result(explanations=False).rejections]
            assert records and not rejected, f"{where(CONTRACT, b.line)}: the example is rejected: {rejected}"
            seen["events"] += 1
    assert seen["events"] >= 4 and seen["subjects"] and seen["calendar"], seen


def _write(path: Path, text: str) -> Path:
    path.write_text(text + "\n", encoding="utf-8")
    return path


def test_every_reason_code_is_mentioned_in_the_acceptance_order() -> None:
    section = read(CONTRACT).split("## 9.", 1)[1].split("## 10.", 1)[0]
    missing = [code for code in REASONS if f"`{code}`" not in section]
    assert not missing, f"data-contract.md §9 (the order of the checks) does not mention: {missing}"


# ---------------------------------------------------------------- schemas

@pytest.mark.parametrize("which", ["events", "subjects", "result", "explanation"])
def test_schema_file_is_up_to_date(which: str) -> None:
    path = SCHEMAS / f"{which}.schema.json"
    expected = json.dumps(schemas()[which], ensure_ascii=False, indent=2) + "\n"
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: perfrules schema {which} > {path.relative_to(ROOT)}"
    assert read(path) == expected, f"{path.relative_to(ROOT)} is out of date: perfrules schema {which} > {path.relative_to(ROOT)}"
    assert f"perfrules schema {which}" in read(CONTRACT), f"data-contract.md should say how to regenerate {path.name}"


def test_no_stray_schema_files() -> None:
    assert sorted(p.name for p in SCHEMAS.glob("*.json")) == sorted(f"{w}.schema.json" for w in schemas())


# ---------------------------------------------------------------- api.md

def test_every_public_name_is_documented() -> None:
    headings = [line for line in read(API).splitlines() if line.startswith("#")]
    missing = [name for name in perfrules.__all__ if not any(f"`{name}" in h for h in headings)]
    assert not missing, f"docs/api.md has no heading for: {missing}"


def test_api_example_runs(tmp_path, monkeypatch, capsys) -> None:
    python = [b for b in blocks(API) if b.lang == "python"]
    assert len(python) == 1, "docs/api.md must have exactly one ```python block: the complete embedding example"
    code = python[0]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PERFRULES_LANG", raising=False)
    # Line numbers in a traceback point into docs/api.md.
    compiled = compile("\n" * (code.line - 1) + code.text, str(API), "exec")
    exec(compiled, {"__name__": "__api_example__"})
    printed = capsys.readouterr().out
    # It writes what it says it writes, and the JSON is the data contract's.
    result = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert result["accounting"]["received"] == result["accounting"]["counted"] + result["accounting"]["rejected"]
    expl = json.loads((tmp_path / "公安-2022-03.json").read_text(encoding="utf-8"))
    assert expl["subject"]["score"] == "94.8" and expl["period"] == "2022-03"
    # The error output api.md shows after the example is what the example prints.
    shown = [b for b in blocks(API) if b.lang == "text" and b.line > code.line]
    assert shown, "docs/api.md should show what the example prints for a broken rulebook"
    assert shown[0].text.strip() in printed, "the RulebookError output shown in docs/api.md is not what the example prints:\n" + printed
