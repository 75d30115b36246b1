"""The command line: exit codes, atomic output, strict mode, schemas; the installed command and wheel."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from perfrules.cli import main

ROOT = Path(__file__).resolve().parents[1]
RULEBOOK = ROOT / "rulebooks" / "xx-district-2022.rules"
EXAMPLE = ROOT / "examples" / "xx-district-2022"
EVENTS = [str(EXAMPLE / n) for n in ("occurrences.jsonl", "measures.csv", "ballots.jsonl", "facts.json")]


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_usage_errors_exit_2() -> None:
    assert run()[0] == 2
    assert run("score")[0] == 2
    assert run("frobnicate")[0] == 2
    code, _, err = run("explain", str(RULEBOOK), *EVENTS, "--subject", "公按")
    assert code == 2 and "公安" in err  # unknown subject, with a did-you-mean
    code, _, err = run("score", str(RULEBOOK), *EVENTS, "--period", "2022-13")
    assert code == 2 and "2022-13" in err


def test_rule_and_data_errors_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_text('标题 "x"\n生效 2022-01-01 至 2022-12-31\n类别 窗口\n对象 甲 类别 窗囗\n', encoding="utf-8")
    code, out, _ = run("check", str(bad))
    assert code == 1 and "bad.rules:4:" in out and "窗口" in out
    code, _, err = run("score", str(bad), *EVENTS)
    assert code == 1 and "bad.rules:4:" in err
    code, _, err = run("score", str(RULEBOOK), str(tmp_path / "missing.jsonl"))
    assert code == 1 and "missing.jsonl" in err
    assert run("check", str(RULEBOOK))[0] == 0


def test_strict_turns_rejections_into_exit_1() -> None:
    with_problems = EVENTS + [str(EXAMPLE / "problems.jsonl")]
    assert run("score", str(RULEBOOK), *with_problems)[0] == 0
    assert run("score", str(RULEBOOK), *with_problems, "--strict")[0] == 1
    assert run("score", str(RULEBOOK), *EVENTS, "--strict", "--format", "csv")[0] == 1  # 3 invalid ballots


def test_output_is_written_atomically(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "result.json"
    target.write_text("previous", encoding="utf-8")
    code, out, _ = run("score", str(RULEBOOK), *EVENTS, "--format", "json", "--output", str(target))
    assert code == 0 and out == ""
    result = json.loads(target.read_text(encoding="utf-8"))
    acc = result["accounting"]
    assert acc["received"] == acc["counted"] + acc["rejected"]

    # A failure while writing leaves the previous file whole and no temporary file behind.
    import perfrules.cli as cli

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(cli.os, "fsync", boom)
    with pytest.raises(OSError):
        cli.write_output("new content", str(target))
    assert json.loads(target.read_text(encoding="utf-8")) == result
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_json_output_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for target in (a, b):
        assert run("score", str(RULEBOOK), *EVENTS, "--format", "json", "--output", str(target))[0] == 0
    assert a.read_bytes() == b.read_bytes()


def test_schema_and_inspect() -> None:
    for which in ("events", "subjects", "result", "explanation"):
        code, out, _ = run("schema", which)
        assert code == 0 and json.loads(out)
    code, out, _ = run("inspect", str(RULEBOOK), "--json")
    cat = json.loads(out)
    assert code == 0 and len(cat["assumptions"]) == 15
    items = [it for a in cat["assessments"] for s in a["sections"] for it in s["items"]]
    assert {"name": "其他未按标准化", "citation": "附件1 (二)14⑥"}.items() <= next(i for i in items if i["name"] == "其他未按标准化").items()


def test_demo_needs_no_arguments() -> None:
    code, out, _ = run("demo")
    assert code == 0
    assert "区行政审批服务中心窗口年度考绩" in out and "received" in out and "三、等次判定" in out


def _installed_command() -> str | None:
    found = shutil.which("perfrules")
    if found is None and os.environ.get("CI"):
        pytest.fail("the perfrules command is not installed; CI installs the project first")
    return found


def test_installed_command_end_to_end(tmp_path: Path) -> None:
    exe = _installed_command()
    if exe is None:
        pytest.skip("perfrules is not installed in this environment")
    demo = subprocess.run([exe, "demo"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert demo.returncode == 0, demo.stderr
    assert "第一名" in demo.stdout
    out = tmp_path / "公安.md"
    explain = subprocess.run([exe, "explain", str(RULEBOOK), *EVENTS, "--subject", "公安", "--format", "markdown", "--output", str(out)],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert explain.returncode == 0, explain.stderr
    assert out.read_text(encoding="utf-8").startswith("# 公安")
    bad = subprocess.run([exe, "check", str(tmp_path / "nope.rules")], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1


@pytest.mark.slow
def test_pip_install_into_a_fresh_venv_loads_the_grammar(tmp_path: Path) -> None:
    """``pip install .`` into a fresh venv gives a package that loads its grammar, rulebooks and examples
    from the installed files alone (run from elsewhere, so the source checkout cannot stand in)."""
    venv = tmp_path / "venv"
    # --system-site-packages lends the dependencies (no download); the venv's own site-packages come
    # first, so the perfrules imported below is the one this test installs.
    made = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    inst = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(ROOT)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert inst.returncode == 0, inst.stderr
    probe = ("import perfrules, perfrules.resources as r\n"
             "assert str(perfrules.__file__).startswith(%r), perfrules.__file__\n"
             "from perfrules.parser import lark_parser; lark_parser()\n"
             "rb = perfrules.load_rulebook(str(r.shipped('rulebooks').joinpath('xx-district-2022.rules')))\n"
             "names = sorted(p.name for p in r.shipped('examples').joinpath('xx-district-2022').iterdir())\n"
             "print(len(rb.items()), len(names))\n") % str(venv)
    ran = subprocess.run([str(python), "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["63", "6"]
