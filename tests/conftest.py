"""Shared helpers and the deterministic Hypothesis profile for the perfrules test suite.

The helpers are plain functions (``from conftest import book, occ, ...``) so that every test
reads as: a small rulebook written inline, a few events, and exact Decimal expectations.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, Optional

ROOT = Path(__file__).resolve().parent.parent
try:  # the installed package (CI installs it); otherwise the source checkout
    import perfrules  # noqa: F401
except ImportError:
    sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, settings  # noqa: E402

from perfrules import Ballot, Fact, Measure, Occurrence, SubjectRecord, compile_rulebook, evaluate  # noqa: E402
from perfrules import model as m  # noqa: E402
from perfrules.explain import Line  # noqa: E402

# Deterministic, database-less Hypothesis: the same examples on every machine and every run.
settings.register_profile(
    "perfrules-ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# For bug hunting: HYPOTHESIS_PROFILE=perfrules-explore PERFRULES_FUZZ_SCALE=20 python -m pytest tests/test_properties.py
settings.register_profile("perfrules-explore", parent=settings.get_profile("perfrules-ci"), derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "perfrules-ci"))
FUZZ_SCALE = max(1, int(os.environ.get("PERFRULES_FUZZ_SCALE", "1")))


def examples(n: int) -> int:
    """A test's number of Hypothesis examples, scaled by PERFRULES_FUZZ_SCALE (1 in CI)."""
    return n * FUZZ_SCALE

from perfrules.resources import shipped  # noqa: E402

RULEBOOK_XX = str(shipped("rulebooks").joinpath("xx-district-2022.rules"))

HEADER = '标题 "测试规则集"\n生效 2022-01-01 至 2022-12-31\n'


def book(body: str, *, header: bool = True, file: str = "t.rules") -> m.Rulebook:
    """Compile a small inline rulebook; the title and effective dates (2022) are prepended."""
    text = textwrap.dedent(body).strip("\n") + "\n"
    return compile_rulebook((HEADER if header else "") + text, file)


# ---- events ----

def occ(id: str, subject: str, item: str, date: str = "2022-03-10", **kw: Any) -> Occurrence:
    return Occurrence(kind="occurrence", id=id, subject=subject, item=item, date=date, **kw)


def meas(id: str, subject: str, metric: str, period: str, value: Any) -> Measure:
    return Measure(kind="measure", id=id, subject=subject, metric=metric, period=period, value=str(value))


def vote(id: str, group: str, voter: str, ratings: dict[str, str], period: str = "2022") -> Ballot:
    return Ballot(kind="ballot", id=id, group=group, voter=voter, period=period, ratings=ratings)


def fact(id: str, name: str, value: bool, period: str = "2022") -> Fact:
    return Fact(kind="fact", id=id, name=name, period=period, value=value)


def subj(id: str, category: str, **kw: Any) -> SubjectRecord:
    return SubjectRecord(id=id, name=kw.pop("name", id), category=category, **kw)


def D(x: Any) -> Decimal:
    return Decimal(str(x))


# ---- scorecard queries ----

def explain(card, subject: str, assessment: str, period: str):
    """The SubjectResult (score, band, explanation Line tree) of one subject."""
    return card.explain(subject, assessment, period).subject


def score(card, subject: str, assessment: str, period: str) -> Decimal:
    return explain(card, subject, assessment, period).score


def rejections(card) -> dict[str, str]:
    """event id -> rejection reason."""
    return {r.id: r.reason for r in card.result(explanations=False).rejections}


def rejection(card, event_id: str):
    found = [r for r in card.result(explanations=False).rejections if r.id == event_id]
    assert len(found) == 1, f"{event_id}: {found}"
    return found[0]


def accepted(card) -> int:
    """Events that actually made it into the ledger, counted independently of Accounting."""
    ledger = card.ledger
    return (
        sum(1 for sid in ledger.subjects for e in ledger.subject_events(sid) if e.via is None)  # a joint posting is the same event again
        + len(ledger.measures)
        + sum(len(v) for v in ledger.ballots.values())
        + len(ledger.facts)
    )


def assert_accounting(card, received: int) -> None:
    acc = card.result(explanations=False).accounting
    assert acc.received == received
    assert acc.received == acc.counted + acc.rejected
    assert acc.rejected == len(card.ledger.rejections)
    assert acc.counted == accepted(card)


# ---- explanation trees ----

def walk(line: Line, *, inputs: bool = True) -> Iterator[Line]:
    """Every Line of a tree, depth first, following ``lines`` and (optionally) ``inputs``."""
    stack = [line]
    while stack:
        node = stack.pop()
        yield node
        children = list(node.lines) + (list(node.inputs) if inputs else [])
        stack.extend(reversed(children))


def find(line: Line, kind: Optional[str] = None, name: Optional[str] = None, *, inputs: bool = True) -> Line:
    for node in walk(line, inputs=inputs):
        if (kind is None or node.kind == kind) and (name is None or node.name == name):
            return node
    raise AssertionError(f"no line kind={kind!r} name={name!r}")


def find_all(line: Line, kind: Optional[str] = None, name: Optional[str] = None) -> list[Line]:
    return [n for n in walk(line) if (kind is None or n.kind == kind) and (name is None or n.name == name)]


def sum_violations(line: Line) -> list[str]:
    """Nodes whose non-empty ``lines`` do not add up exactly to the node's amount."""
    bad = []
    for node in walk(line):
        if node.lines:
            parts = [c.amount for c in node.lines]
            if node.amount is None or any(p is None for p in parts):
                bad.append(f"{node.kind} {node.name}: missing amount {node.amount} / {parts}")
            elif sum(parts, Decimal(0)) != node.amount:
                bad.append(f"{node.kind} {node.name}: {' + '.join(map(str, parts))} != {node.amount}")
    return bad


# ---- model comparison ----

DROP_FIELDS = {"span", "formula", "total_formula"}


def strip_model(x: Any) -> Any:
    """A rulebook model as plain data, without spans, formula texts and the text of Conditions.

    Two rulebooks that say the same thing (e.g. in the Chinese and the English keyword
    surface) strip to equal values.
    """
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        out: dict[str, Any] = {"__type__": type(x).__name__}
        for f in dataclasses.fields(x):
            if f.name in DROP_FIELDS or not f.compare:
                continue
            if isinstance(x, m.Condition) and f.name == "text":
                continue
            out[f.name] = strip_model(getattr(x, f.name))
        return out
    if isinstance(x, (list, tuple)):
        return [strip_model(v) for v in x]
    if isinstance(x, dict):
        return {k: strip_model(v) for k, v in x.items()}
    return x
