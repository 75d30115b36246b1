"""Golden cases: each tests/cases/<name>/ holds a rulebook, events, case.json (the CLI runs and a
description a domain expert can check by hand) and expected/ with the exact output of each run.

Regenerate after an intended change with ``PERFRULES_UPDATE_GOLDEN=1 pytest tests/test_golden.py``
and read the diff before committing it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest

from perfrules.cli import main

CASES = Path(__file__).parent / "cases"
UPDATE = os.environ.get("PERFRULES_UPDATE_GOLDEN") == "1"


def _runs():
    for case in sorted(CASES.iterdir()):
        spec = json.loads((case / "case.json").read_text(encoding="utf-8"))
        for run in spec["runs"]:
            yield pytest.param(case, run, id=f"{case.name}/{run['expect']}")


@pytest.mark.parametrize("case,run", list(_runs()))
def test_golden(case: Path, run: dict, monkeypatch) -> None:
    monkeypatch.chdir(case)
    monkeypatch.setenv("PERFRULES_LANG", "zh")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(run["args"])
    assert code == run.get("exit", 0), err.getvalue() + out.getvalue()
    expected = case / "expected" / run["expect"]
    if UPDATE:
        expected.parent.mkdir(exist_ok=True)
        expected.write_text(out.getvalue(), encoding="utf-8")
    assert expected.exists(), f"missing golden file {expected}; run with PERFRULES_UPDATE_GOLDEN=1"
    assert out.getvalue() == expected.read_text(encoding="utf-8")


def test_every_case_has_a_description() -> None:
    for case in CASES.iterdir():
        spec = json.loads((case / "case.json").read_text(encoding="utf-8"))
        assert spec.get("description"), case.name
