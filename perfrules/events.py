"""The data contract: event and subject models, and readers for JSON Lines, JSON arrays and CSV.

Every record read is either an event (with the file and line it came from) or a rejection
naming where it was and why; nothing is dropped.
"""

from __future__ import annotations

import csv
import hashlib
import re
import io
import json
from dataclasses import dataclass
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Iterable, Iterator, Literal, NamedTuple, Optional, Union

from typing_extensions import NotRequired, TypedDict

from pydantic import (
    AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PositiveInt, StrictBool, StringConstraints, TypeAdapter,
    ValidationError,
    WithJsonSchema, field_serializer,
)

from .errors import DataError

_CONFIG = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

_LIMIT = Decimal("1E12")


def _sane(value: Decimal) -> Decimal:
    """Points and measures are ordinary numbers: finite, below 10^12, at most 12 decimals."""
    if not value.is_finite() or abs(value) >= _LIMIT or value.as_tuple().exponent < -12:
        raise ValueError("数值应为有限小数，绝对值小于 10^12、最多 12 位小数 / a finite decimal below 10^12 with at most 12 decimals")
    return value


DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
# The schemas say what perfrules reads: a decimal as a string (exact) or a plain JSON number.
Amount = Annotated[
    Decimal, AfterValidator(_sane),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": DECIMAL_PATTERN}, {"type": "number"}]}, mode="validation"),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN}, mode="serialization"),
]

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso(value: Any) -> Any:
    """Dates and datetimes only as ISO text (a bare number is not a date, not a Unix timestamp)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if not isinstance(value, str) or not _ISO_DAY.match(value.strip()):
        raise ValueError("日期应写作 ISO 格式，如 2022-03-15 或 2022-03-15T09:00:00+08:00 / dates are ISO text")
    return value


When = Annotated[Union[dt.datetime, dt.date], BeforeValidator(_iso)]

# JSON numbers in the decimal fields are quoted before validation, so that they are read from their
# digits, exactly, and never through a binary float.
# (One pattern per field: a literal prefix lets the regex engine skip ahead, twice as fast as one alternation.)
_NUMBER_FIELDS = [re.compile(rb'("' + name + rb'"\s*:\s*)(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=\s*[,}])') for name in (b"amount", b"value")]


def _exact_numbers(raw: bytes) -> bytes:
    for pattern in _NUMBER_FIELDS:
        raw = pattern.sub(rb'\1"\2"', raw)
    return raw


class _Event(BaseModel):
    model_config = _CONFIG
    id: str = Field(min_length=1, description="Unique id of the record in the feed")


class Occurrence(_Event):
    """One recorded occurrence of an item (a deduction or a bonus), e.g. a late arrival."""

    kind: Literal["occurrence"] = "occurrence"
    subject: str = Field(min_length=1, description="Subject id, e.g. 公安")
    item: str = Field(min_length=1, description="Item name, or its clause such as (一)1")
    date: When = Field(description="ISO date or datetime; datetimes are read in the rulebook's time zone")
    due: Optional[When] = Field(
        None, description="When it should have happened (start of work, a filing deadline); its lateness is date − due")
    count: PositiveInt = Field(1, description="Number of occurrences this record stands for")
    tier: Optional[str] = Field(None, description="Severity tier, e.g. 情节严重")
    amount: Optional[Amount] = Field(None, description="Points per occurrence, for a discretionary item")
    staff: Optional[str] = None
    evidence: Optional[str] = None
    status: Literal["upheld", "overturned"] = Field("upheld", description="overturned (申诉成功): kept on record, never deducted")

    @field_serializer("amount")
    def _amount(self, v: Optional[Decimal]) -> Optional[str]:
        return None if v is None else str(v)


class Measure(_Event):
    """A value supplied as data for a metric, subject and period (e.g. 纪委评分 for 2022)."""

    kind: Literal["measure"] = "measure"
    subject: str = Field(min_length=1)
    metric: str = Field(min_length=1)
    period: str = Field(description="2022, 2022-H1, 2022-Q3 or 2022-03")
    value: Amount

    @field_serializer("value")
    def _value(self, v: Decimal) -> str:
        return str(v)


class Ballot(_Event):
    """One voter's ballot in a ballot group: a grade for each subject rated."""

    kind: Literal["ballot"] = "ballot"
    group: str = Field(min_length=1)
    voter: str = Field(min_length=1)
    period: str
    ratings: dict[str, str] = Field(min_length=1, description="subject id -> grade, e.g. 非常满意")


class Fact(_Event):
    """A fact for a period, e.g. 本区考绩优秀 = true for 2022."""

    kind: Literal["fact"] = "fact"
    name: str = Field(min_length=1)
    period: str
    value: Union[StrictBool, Amount]

    @field_serializer("value")
    def _value(self, v: Union[bool, Decimal]) -> Union[bool, str]:
        return v if isinstance(v, bool) else str(v)


Event = Annotated[Union[Occurrence, Measure, Ballot, Fact], Field(discriminator="kind")]
EVENT_ADAPTER: TypeAdapter = TypeAdapter(Event)
_EVENTS_ADAPTER: TypeAdapter = TypeAdapter(list[Event])


WHEN_ADAPTER: TypeAdapter = TypeAdapter(When)
# A date as the bulk reader first checks it: text that starts like an ISO day, unstripped; the ledger
# then parses it with ``WHEN_ADAPTER``, once per distinct text.
_WhenText = Annotated[str, StringConstraints(strip_whitespace=False, pattern=r"^\d{4}-\d{2}-\d{2}")]


def _row_type(model: type[BaseModel], dates: tuple[str, ...]) -> type:
    """A TypedDict with the model's fields, constraints and config, for validating in bulk.

    Pydantic checks each field with the model's own definition, but building a dict costs a
    fraction of building a model instance. Two differences, both made good by the ledger: fields
    with a default are left out when absent (``ROW_DEFAULTS`` has the defaults), and date fields are
    ISO-looking text (parsed with ``WHEN_ADAPTER`` by the ledger, once per distinct text).
    """
    fields: dict[str, Any] = {}
    for name, f in model.model_fields.items():
        if name in dates:
            tp = _WhenText if f.is_required() else Optional[_WhenText]
        else:
            tp = Annotated[f.annotation, *f.metadata] if f.metadata else f.annotation
        fields[name] = tp if f.is_required() else NotRequired[tp]
    row = TypedDict(f"{model.__name__}Row", fields)  # type: ignore[misc]
    row.__pydantic_config__ = model.model_config  # type: ignore[attr-defined]
    return row


OccurrenceRow = _row_type(Occurrence, ("date", "due"))
ROW_DEFAULTS: dict[str, Any] = {name: f.default for name, f in Occurrence.model_fields.items() if not f.is_required()}
_Row = Annotated[Union[OccurrenceRow, Measure, Ballot, Fact], Field(discriminator="kind")]
ROW_ADAPTER: TypeAdapter = TypeAdapter(_Row)
_ROWS_ADAPTER: TypeAdapter = TypeAdapter(list[_Row])
_CHUNK = 4096
_BLOCK = 1 << 22


class SubjectRecord(BaseModel):
    """A subject supplied with the data rather than declared in the rulebook."""

    model_config = _CONFIG
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    category: str = Field(min_length=1)
    parent: Optional[str] = None
    active_from: Optional[dt.date] = None
    active_to: Optional[dt.date] = None


SUBJECTS_ADAPTER: TypeAdapter = TypeAdapter(list[SubjectRecord])


class Origin(NamedTuple):
    """Where a record came from: file and line (for a JSON array, the element's number)."""

    source: str
    line: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass(frozen=True, slots=True)
class Malformed:
    """A record that is not an event at all; becomes a rejection with reason ``malformed``."""

    origin: Origin
    message: str
    id: Optional[str] = None


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors(include_url=False)[:3]:
        loc = ".".join(str(x) for x in e["loc"] if not (isinstance(x, str) and x in ("occurrence", "measure", "ballot", "fact")))
        parts.append(f"{loc}: {e['msg']}" if loc else e["msg"])
    return "; ".join(parts)


def _raw_id(raw: Any) -> Optional[str]:
    return str(raw["id"]) if isinstance(raw, dict) and "id" in raw and raw["id"] is not None else None


def parse_record(raw: Any, origin: Origin) -> Union[Event, Malformed]:
    """A decoded record (a dict from JSON or a CSV row) as an event, or as Malformed with the reason."""
    try:
        return EVENT_ADAPTER.validate_python(raw)
    except ValidationError as err:
        return Malformed(origin, _describe(err), _raw_id(raw))


CSV_COLUMNS = ("id", "kind", "subject", "item", "date", "due", "count", "tier", "amount", "staff", "evidence", "status", "metric", "period", "value")


Received = tuple[Union[Event, Malformed], Optional[Origin]]
Record = Union[dict, Event, Malformed]  # a dict is an occurrence row (``OccurrenceRow``)


class Batch:
    """Records read together, with where each came from.

    ``records[i]`` is an occurrence row (a dict, see ``OccurrenceRow``), another event model, or
    ``Malformed``. Its line is ``first + i`` or, when lines were skipped, ``numbers[i]``.
    ``raw[i]``, when kept, is the record's JSON text: the ledger drops the validated rows once it
    has aggregated them and re-reads a subject's lines when its events are explained.
    """

    __slots__ = ("source", "first", "numbers", "raw", "records", "origins")

    def __init__(self, source: str, records: list, first: int = 1, numbers: Optional[list[int]] = None,
                 raw: Optional[list[bytes]] = None, origins: Optional[list[Optional[Origin]]] = None):
        self.source, self.records, self.first, self.numbers, self.raw, self.origins = source, records, first, numbers, raw, origins

    @classmethod
    def of(cls, record: Record, origin: Optional[Origin] = None) -> "Batch":
        """One record (e.g. an event model passed to the API), with its origin if known."""
        return cls(origin.source if origin else "", [record], origins=[origin])

    def __len__(self) -> int:
        return len(self.records) if self.records is not None else len(self.raw or ())

    def origin(self, i: int) -> Optional[Origin]:
        if self.origins is not None:
            return self.origins[i]
        return Origin(self.source, self.first + i if self.numbers is None else self.numbers[i])

    def release(self) -> None:
        """Forget the validated records when the raw text is kept to re-read them."""
        if self.raw is not None:
            self.records = None

    def record(self, i: int) -> Record:
        """Record ``i``, re-read from its text if the validated records were released."""
        if self.records is not None:
            return self.records[i]
        try:
            return ROW_ADAPTER.validate_json(_exact_numbers(self.raw[i]))
        except ValidationError:
            return self.strict(i)

    def strict(self, i: int) -> Union[Event, Malformed]:
        """Record ``i`` validated as an event model, or Malformed naming what is wrong."""
        if self.raw is None:
            rec = self.records[i]
            if isinstance(rec, dict):
                return parse_record(rec, self.origin(i))
            return rec
        return _strict_line(self.raw[i], self.origin(i))

    def events(self) -> Iterator[Received]:
        """The records as event models (occurrence rows validated again as ``Occurrence``)."""
        if self.raw is not None:
            try:  # all at once when every line is a valid event, as a chunk of rows usually is
                models = _EVENTS_ADAPTER.validate_json(_exact_numbers(b"[" + b",".join(self.raw) + b"]"))
            except ValidationError:
                pass
            else:
                yield from zip(models, map(self.origin, range(len(models))))
                return
        for i in range(len(self)):
            rec = self.record(i)
            yield (self.strict(i) if isinstance(rec, dict) else rec), self.origin(i)


def _strict_line(line: bytes, origin: Origin) -> Union[Event, Malformed]:
    """One line validated as an event model, or Malformed with the reason, naming the field."""
    try:
        return EVENT_ADAPTER.validate_json(_exact_numbers(line))
    except ValidationError as err:
        if any(e["type"] == "json_invalid" for e in err.errors()):
            return Malformed(origin, f"JSON 格式错误 / invalid JSON: {err.errors()[0]['msg']}")
    # Valid JSON that is not a valid event: say which field is wrong.
    return parse_record(json.loads(line.decode("utf-8")), origin)


class EventReader:
    """Reads event files and keeps a running sha256 of every byte read, for the result's input digest."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()

    def batches(self, paths: Iterable[str | Path]) -> Iterator[Batch]:
        """Every record of every file, in batches: what ``evaluate`` reads fastest."""
        for path in paths:
            p = Path(path)
            try:
                if p.name.lower().endswith((".jsonl", ".ndjson")):
                    # JSON Lines stream from the file: a large feed is never held whole in memory
                    with p.open("rb") as fh:
                        yield from self._jsonl(fh, p.stat().st_size, str(p))
                    continue
                data = p.read_bytes()
            except OSError as err:
                raise DataError(f"{p}: 无法读取事件文件 / cannot read events file: {err.strerror}") from None
            yield from self.read_bytes(data, str(p))

    def read_paths(self, paths: Iterable[str | Path]) -> Iterator[Received]:
        """Every record of every file as an event model (or Malformed) with its origin."""
        for batch in self.batches(paths):
            yield from batch.events()

    def read_bytes(self, data: bytes, source: str) -> Iterator[Batch]:
        lower = source.lower()
        if lower.endswith((".jsonl", ".ndjson")) or not (lower.endswith((".csv", ".json")) or data.lstrip().startswith(b"[")):
            yield from self._jsonl(io.BytesIO(data), len(data), source)
            return
        self.digest.update(len(data).to_bytes(8, "big"))
        self.digest.update(data)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise DataError(f"{source}: 不是 UTF-8 编码 / not UTF-8 (byte {err.start})") from None
        received = self._csv(text, source) if lower.endswith(".csv") else self._json_array(text, source)
        records, origins = [], []
        for record, origin in received:
            records.append(record)
            origins.append(origin)
        yield Batch(source, records, origins=origins)

    def _jsonl(self, fh: BinaryIO, size: int, source: str, digest: bool = True) -> Iterator[Batch]:
        # Read in large blocks, split into lines at C speed, and validate _CHUNK lines per call.
        if digest:
            self.digest.update(size.to_bytes(8, "big"))
        update = self.digest.update if digest else None
        first = 1
        rest = b""
        while True:
            block = fh.read(_BLOCK)
            if update is not None and block:
                update(block)
            if not block:
                lines = [rest] if rest else []
            else:
                lines = (rest + block).split(b"\n")
                rest = lines.pop()
            if first == 1 and lines and lines[0].startswith(b"\xef\xbb\xbf"):
                lines[0] = lines[0][3:]
            for at in range(0, len(lines), _CHUNK):
                batch = self._chunk(lines[at:at + _CHUNK], first + at, source)
                if batch is not None:
                    yield batch
            first += len(lines)
            if not block:
                return

    def _chunk(self, lines: list[bytes], first: int, source: str) -> Optional[Batch]:
        numbers = None
        if b"" in lines:  # empty lines are skipped (whitespace-only ones too, below, if the chunk fails)
            numbers = [first + k for k, line in enumerate(lines) if line]
            lines = [line for line in lines if line]
            if not lines:
                return None
        # One validator call for the whole chunk (it loops natively); a chunk with any bad line is
        # validated again line by line against the event models, so that each error names its line.
        try:
            records = _ROWS_ADAPTER.validate_json(_exact_numbers(b"[" + b",".join(lines) + b"]"))
        except ValidationError:
            kept = [k for k, line in enumerate(lines) if line.strip()]
            numbers = [(first + k if numbers is None else numbers[k]) for k in kept]
            lines = [lines[k] for k in kept]
            if not lines:
                return None
            batch = Batch(source, [], first, numbers, lines)
            batch.records = [_strict_line(line, batch.origin(k)) for k, line in enumerate(lines)]
            return batch
        return Batch(source, records, first, numbers, lines)

    def _json_array(self, text: str, source: str) -> Iterator[Received]:
        try:
            raw = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as err:
            if err.msg == "Extra data" and text.lstrip().startswith("{"):  # JSON Lines in a .json file
                for batch in self._jsonl(io.BytesIO(text.encode("utf-8")), 0, source, digest=False):
                    yield from batch.events()
                return
            origin = Origin(source, err.lineno)
            yield Malformed(origin, f"JSON 格式错误 / invalid JSON: {err.msg}"), origin
            return
        if isinstance(raw, dict):
            raw = [raw]
        if not isinstance(raw, list):
            origin = Origin(source, 1)
            yield Malformed(origin, "应为事件数组 / expected a JSON array of events"), origin
            return
        for i, record in enumerate(raw, start=1):
            origin = Origin(source, i)
            yield parse_record(record, origin), origin

    def _csv(self, text: str, source: str) -> Iterator[Received]:
        reader = csv.DictReader(io.StringIO(text))
        unknown = [c for c in (reader.fieldnames or []) if c not in CSV_COLUMNS]
        if unknown:
            raise DataError(f"{source}:1: 未知列 / unknown columns: {', '.join(unknown)}")
        for row in reader:
            origin = Origin(source, reader.line_num)
            record = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
            if None in row:
                yield Malformed(origin, "列数多于表头 / more fields than the header", _raw_id(record)), origin
                continue
            yield parse_record(record, origin), origin


def read_events(paths: Iterable[str | Path]) -> tuple[list[Received], str]:
    """Read event files (JSON Lines, JSON array or CSV) into records and the inputs' sha256."""
    reader = EventReader()
    records = list(reader.read_paths(paths))
    return records, reader.digest.hexdigest()


def read_subjects(path: str | Path) -> list[SubjectRecord]:
    """Read a subjects file (JSON array, JSON Lines or CSV with the SubjectRecord fields)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"{p}: 无法读取对象文件 / cannot read subjects file: {err}") from None
    try:
        if p.suffix.lower() == ".csv":
            rows = [{k: v for k, v in r.items() if v not in (None, "")} for r in csv.DictReader(io.StringIO(text))]
        elif text.lstrip().startswith("["):
            rows = json.loads(text)
        else:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        return SUBJECTS_ADAPTER.validate_python(rows)
    except (json.JSONDecodeError, ValidationError) as err:
        detail = _describe(err) if isinstance(err, ValidationError) else err.msg
        raise DataError(f"{p}: 对象文件有误 / invalid subjects file: {detail}") from None
