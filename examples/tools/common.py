"""What the example generators share: stable JSON, file writing, the measures CSV, apportioning."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

MEASURE_COLUMNS = ["id", "kind", "subject", "metric", "period", "value"]


def dumps(obj: dict) -> str:
    """One record as compact JSON with Chinese kept as is (keys in insertion order)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_jsonl(path: Path, records: list[dict]) -> None:
    write(path, "".join(dumps(r) + "\n" for r in records))


def write_measures_csv(path: Path, rows: list[dict]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(MEASURE_COLUMNS)
    for r in rows:
        writer.writerow([r[c] for c in MEASURE_COLUMNS])
    write(path, buf.getvalue())


def problem_lines(bad: list[tuple[str, str]]) -> list[str]:
    """The README's numbered list of deliberately bad records and the reason each is rejected."""
    lines = []
    for i, (text, why) in enumerate(bad, 1):
        rid = text.split('"id":"', 1)[1].split('"', 1)[0]
        lines.append(f"{i}. `{rid}` {why}")
    return lines


def partition(rng: random.Random, total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """Split ``total`` into len(weights) integers >= minimum, roughly proportional to the weights."""
    n = len(weights)
    rest = total - minimum * n
    if rest < 0:
        raise ValueError("total too small")
    s = sum(weights)
    raw = [rest * w / s for w in weights]
    parts = [int(x) for x in raw]
    order = sorted(range(n), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[: rest - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]
