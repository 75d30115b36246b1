"""The documentation is tested: every rulebook example compiles, every error output shown is the real one.

Markup in ``docs/*.md`` (an HTML comment, invisible when the page is rendered), on the line(s) before a
fenced block::

    <!-- check: prelude=section -->          a ```perfrules block that must compile, after the prelude
    <!-- check: file=demo.rules error -->    a ```perfrules block that must NOT compile ...
    <!-- check: output -->                   ... and the ```text block after it: its error output
    <!-- check: excerpt -->                  a ```text block: lines of the output of the last
                                             ```text block that is a `perfrules …` command
    <!-- check: skip -->                     a ```perfrules block deliberately left unchecked
    <!-- check: save=县中心.rules -->          any block (```perfrules, ```json, ```csv …): its text is
                                             a file of the doc's workspace, for commands shown later

Options of a ```perfrules directive: ``prelude=NAME`` (see ``prelude``; none by default;
``prelude=@FILE`` is a file saved earlier in the same doc), ``file=NAME`` (the file name in
messages, ``x.rules`` by default), ``lang=zh|en`` (message language), ``error``, ``save=FILE``
(the prelude and the block are saved as FILE). Every ```perfrules block needs a directive, so no
example is left unchecked by accident.

A command that names a saved file runs in a fresh directory that holds the doc's saved files (as
they stand at that point of the doc), so an example can show a whole run: a rulebook, its data and
the real output. Other commands run in the repository root.

An error output is compared line by line and must be exact, except that a line ending in ``……``
matches any line that starts with what comes before it (for the long, changing lists of
"expected" words after a syntax error).

An excerpt matches when its lines appear in the command's output in order; a line ``……`` stands for
any number of lines, a line ending in ``……`` matches any line that starts with what comes before it,
and sha256 digests and the version are ignored (they change with every edit of the rulebook).

The keyword table (§11 of language.md) and the message catalogue (§10.2) are compared with
``grammar/keywords.tsv`` and ``perfrules.errors.MESSAGES``, so neither can drift.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest

from perfrules.cli import main
from perfrules.compiler import compile_rulebook
from perfrules.errors import MESSAGES, RulebookError

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("docs/language.md", "docs/tutorial-zh.md")
XX = ROOT / "rulebooks" / "xx-district-2022.rules"

_HEAD = '标题 "示例"\n生效 2022-01-01 至 2022-12-31\n'
_SECTION = _HEAD + "类别 单设窗口\n对象 公安 类别 单设窗口\n考核 示例月度 周期 月\n  节 示例节 满分 25\n"
# prelude name -> the XX rulebook up to (not including) the banner comment that contains this word
_XX_CUTS = {"header": "假设", "subjects": "数据", "decls": "附件1", "monthly": "窗口年度考绩", "assess": "考核奖惩"}


def _xx_until(word: str) -> str:
    lines = XX.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("# -") and word in line:
            return "".join(lines[:i])
    raise AssertionError(f"{XX.relative_to(ROOT)} has no banner comment '# ---- …{word}…' (needed by the docs' preludes)")


def prelude(name: str, files: Optional[dict[str, str]] = None) -> str:
    if name.startswith("@"):
        assert files is not None and name[1:] in files, f"prelude '{name}': no block saved as '{name[1:]}' earlier in the doc"
        return files[name[1:]]
    if name == "none":
        return ""
    if name == "head":
        return _HEAD
    if name == "section":
        return _SECTION
    if name in _XX_CUTS:
        return _xx_until(_XX_CUTS[name])
    raise AssertionError(f"unknown prelude '{name}'")


# ---------------------------------------------------------------- reading the docs

_DIRECTIVE = re.compile(r"<!--\s*check:(.*?)-->")


@dataclass
class Block:
    doc: str
    line: int  # 1-based line of the block's first content line
    lang: str
    body: str
    opts: dict[str, str] = field(default_factory=dict)
    directive: bool = False

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def blocks(doc: str) -> list[Block]:
    lines = (ROOT / doc).read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    opts: Optional[dict[str, str]] = None
    i = 0
    while i < len(lines):
        m = _DIRECTIVE.search(lines[i])
        if m:
            opts = dict(kv.split("=", 1) if "=" in kv else (kv, "1") for kv in m.group(1).split())
        elif lines[i].startswith("```"):
            lang = lines[i][3:].strip()
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            assert j < len(lines), f"{doc}:{i + 1}: unclosed code block"
            out.append(Block(doc, i + 2, lang, "\n".join(lines[i + 1 : j]) + "\n", opts or {}, opts is not None))
            opts = None
            i = j
        elif lines[i].strip() and opts is not None and not lines[i].lstrip().startswith("<!--"):
            raise AssertionError(f"{doc}:{i + 1}: a check directive must come right before a code block")
        i += 1
    return out


@dataclass
class Check:
    kind: str  # compile | error | output | excerpt
    block: Block
    source: Optional[Block] = None  # the perfrules block of an output, the command block of an excerpt
    files: dict[str, str] = field(default_factory=dict)  # the doc's saved files at this point


def checks(doc: str) -> list[Check]:
    found: list[Check] = []
    last_error: Optional[Block] = None
    last_command: Optional[Block] = None
    saved: dict[str, str] = {}
    for b in blocks(doc):
        files = dict(saved)
        if b.lang == "perfrules":
            assert b.directive, f"{b.where}: a ```perfrules block without <!-- check: … --> (use 'skip' to leave it unchecked)"
            if "skip" not in b.opts:
                found.append(Check("error" if "error" in b.opts else "compile", b, files=files))
                last_error = b if "error" in b.opts else None
        elif b.lang == "text":
            if b.body.startswith("perfrules "):
                last_command = b
            if "output" in b.opts:
                assert last_error is not None, f"{b.where}: 'output' must follow a ```perfrules block marked 'error'"
                found.append(Check("output", b, last_error, files=files))
                last_error = None
            elif "excerpt" in b.opts:
                assert last_command is not None, f"{b.where}: 'excerpt' needs an earlier ```text block with a perfrules command"
                found.append(Check("excerpt", b, last_command, files=files))
        if "save" in b.opts:
            text = b.body
            if b.lang == "perfrules":
                text = prelude(b.opts.get("prelude", "none"), saved) + text
            saved[b.opts["save"]] = text
    return found


def _all_checks():
    for doc in DOCS:
        for c in checks(doc):
            yield pytest.param(c, id=f"{Path(doc).name}:{c.block.line}:{c.kind}")


# ---------------------------------------------------------------- running them

def compile_block(b: Block, files: Optional[dict[str, str]] = None) -> Optional[str]:
    """None when the block (after its prelude) compiles, else the rendered errors."""
    text = prelude(b.opts.get("prelude", "none"), files) + b.body
    try:
        compile_rulebook(text, b.opts.get("file", "x.rules"))
    except RulebookError as e:
        return e.render(b.opts.get("lang", "zh"))
    return None


_COMMANDS: dict[tuple, str] = {}


def run_command(command: str, monkeypatch, files: Optional[dict[str, str]] = None, workspace=None) -> str:
    """The output (stdout, then stderr) of a ``perfrules …`` command, run once per command and files."""
    args = shlex.split(command.strip().splitlines()[0])
    assert args[0] == "perfrules"
    used = {k: v for k, v in (files or {}).items() if k in args[1:]}
    key = (command, tuple(sorted((files or {}).items())) if used else ())
    if key not in _COMMANDS:
        if used:
            where = workspace()
            for name, text in files.items():
                (where / name).write_text(text, encoding="utf-8")
            monkeypatch.chdir(where)
        else:
            monkeypatch.chdir(ROOT)
        monkeypatch.setenv("PERFRULES_LANG", "zh")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(args[1:])
        _COMMANDS[key] = out.getvalue() + err.getvalue()
    return _COMMANDS[key]


_VOLATILE = [(re.compile(r"sha256 [0-9a-f]{6,}…?"), "sha256 …"), (re.compile(r"perfrules \d+\.\d+\.\d+\S*"), "perfrules X")]


def _normal(line: str) -> str:
    for pattern, repl in _VOLATILE:
        line = pattern.sub(repl, line)
    return line.rstrip()


def _matches(want: str, got: str) -> bool:
    return got.startswith(want[:-2]) if want.endswith("……") else got == want


def output_mismatch(shown: str, actual: str) -> Optional[str]:
    """None when the output shown in a doc matches the actual one, else the first line that differs."""
    want, got = shown.rstrip("\n").split("\n"), actual.split("\n")
    for k, line in enumerate(want):
        if k >= len(got) or not _matches(line, got[k]):
            return line
    return None if len(want) == len(got) else f"(the real output goes on: {got[len(want)]})"


def excerpt_mismatch(excerpt: str, output: str) -> Optional[str]:
    """None when every excerpt line is found in the output in order, else the first line that is not."""
    out = [_normal(x) for x in output.splitlines()]
    pos, gap = 0, False
    for want in (_normal(x) for x in excerpt.splitlines()):
        if want == "……":
            gap = True
            continue
        if gap or pos == 0:
            hit = next((k for k in range(pos, len(out)) if _matches(want, out[k])), None)
        else:
            hit = pos if pos < len(out) and _matches(want, out[pos]) else None
        if hit is None:
            return want
        pos, gap = hit + 1, False
    return None


@pytest.mark.parametrize("check", list(_all_checks()))
def test_doc_example(check: Check, monkeypatch, tmp_path_factory) -> None:
    b = check.block
    if check.kind == "compile":
        out = compile_block(b, check.files)
        assert out is None, f"{b.where}: this example no longer compiles:\n{out}"
    elif check.kind == "error":
        assert compile_block(b, check.files) is not None, f"{b.where}: this example should show errors, but it compiles"
    elif check.kind == "output":
        actual = compile_block(check.source, check.files)
        assert actual is not None, f"{check.source.where}: compiles, so the output shown at {b.where} is stale"
        differs = output_mismatch(b.body, actual)
        assert differs is None, f"{b.where}: the error output shown differs from the real one at\n{differs}\nthe real one is:\n{actual}"
    else:
        output = run_command(check.source.body, monkeypatch, check.files, lambda: tmp_path_factory.mktemp("doc"))
        missing = excerpt_mismatch(b.body, output)
        assert missing is None, (
            f"{b.where}: this line is not in the output of `{check.source.body.strip()}` (in that place):\n"
            f"{missing}\nthe real output is:\n{output}"
        )


def test_the_docs_have_examples() -> None:
    for doc in DOCS:
        kinds = {c.kind for c in checks(doc)}
        assert {"compile", "error", "output"} <= kinds, doc


# ---------------------------------------------------------------- tables that must not drift

def _table(doc: str, heading: str) -> list[list[str]]:
    """The rows (cells, `\\|` unescaped) of the first table after the heading that starts with ``heading``."""
    lines = (ROOT / doc).read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("#") and line.lstrip("# ").startswith(heading)), None)
    assert start is not None, f"{doc}: no heading '{heading}'"
    rows, seen = [], False
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            seen = True
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not set("".join(cells)) <= set("-: "):
                rows.append(cells)
        elif seen:
            break
    return rows[1:]  # without the header row


def _surfaces(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _keywords() -> dict[str, tuple[list[str], list[str]]]:
    table = {}
    for line in (ROOT / "grammar" / "keywords.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            terminal, zh, en, _meaning = line.split("\t")
            table[terminal] = (zh.split("|"), en.split("|"))
    return table


def test_keyword_table_lists_every_keyword() -> None:
    rows = {_surfaces(r[0])[0]: r for r in _table("docs/language.md", "11. Keyword table")}
    keywords = _keywords()
    missing = [t for t in keywords if t not in rows]
    assert not missing, f"docs/language.md §11 lacks the keywords {missing} of grammar/keywords.tsv"
    extra = [t for t in rows if t not in keywords]
    assert not extra, f"docs/language.md §11 lists {extra}, which grammar/keywords.tsv does not have"
    for terminal, (zh, en) in keywords.items():
        row = rows[terminal]
        assert _surfaces(row[1]) == zh, f"docs/language.md §11, {terminal}: Chinese {_surfaces(row[1])}, keywords.tsv {zh}"
        assert _surfaces(row[2]) == en, f"docs/language.md §11, {terminal}: English {_surfaces(row[2])}, keywords.tsv {en}"


def test_message_catalogue_matches_the_code() -> None:
    rows = {_surfaces(r[0])[0]: (r[1], r[2]) for r in _table("docs/language.md", "10.2 Message catalogue")}
    missing = [code for code in MESSAGES if code not in rows]
    assert not missing, f"docs/language.md §10.2 lacks the messages {missing} of perfrules/errors.py"
    extra = [code for code in rows if code not in MESSAGES]
    assert not extra, f"docs/language.md §10.2 lists {extra}, which perfrules/errors.py does not have"
    for code, (zh, en) in MESSAGES.items():
        assert rows[code] == (zh, en), f"docs/language.md §10.2, {code}: the doc says {rows[code]}, the code {(zh, en)}"


def test_single_character_keywords_are_listed() -> None:
    """§2.3 lists every one-character Chinese keyword, the ones most easily used as a name by mistake."""
    from perfrules.parser import keyword_lookup

    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    section = text[text.index("### 2.3") : text.index("### 2.4")]
    listed = set(re.findall(r"`(.)`", section))
    missing = sorted(s for s in keyword_lookup() if len(s) == 1 and not s.isascii() and s not in listed)
    assert not missing, f"docs/language.md §2.3 does not list the single-character keywords {missing}"
