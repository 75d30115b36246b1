"""The pipeline in one place: rulebook + events -> Scorecard (scores, ranks, bands) -> result models."""

from __future__ import annotations

import contextlib
import decimal
import gc
import hashlib
from collections import Counter
from decimal import Decimal
from typing import Iterable, Optional, Union

from . import __version__
from .calendar import Calendar
from . import model as m
from .errors import DataError, QueryError, default_lang, did_you_mean, message
from .evaluator import CONTEXT, BandingOutcome, Evaluator, Score
from .events import Batch, Event, Malformed, SubjectRecord
from .explain import (
    AccountingLine, AssessmentResult, BandingResult, Explanation, RejectionLine, Result, RulebookRef, Statistics,
    SubjectResult, WarningLine, to_line,
)
from .ledger import Ledger, REASONS
from .periods import Period, parse_period


def merge_subjects(rulebook: m.Rulebook, records: Iterable[SubjectRecord] = ()) -> list[m.Subject]:
    """The rulebook's subjects followed by those supplied with the data; conflicts are errors."""
    subjects = list(rulebook.subjects)
    known = {s.id for s in subjects}
    categories = {c.name for c in rulebook.categories}
    for r in records:
        if r.id in known:
            raise DataError(f"对象「{r.id}」在规则集和对象文件中重复 / subject '{r.id}' is both in the rulebook and the subjects file")
        if r.category not in categories:
            hint = did_you_mean(r.category, categories)
            extra = ("；" + message(hint[0][0], **hint[0][1])) if hint else ""
            raise DataError(f"对象「{r.id}」的类别「{r.category}」未在规则集中定义 / unknown category{extra}")
        known.add(r.id)
        subjects.append(m.Subject(r.id, r.name, r.category, r.parent, r.active_from, r.active_to, None))
    for s in subjects:
        if s.parent is not None and s.parent not in known:
            raise DataError(f"对象「{s.id}」的上级「{s.parent}」不存在 / unknown parent subject")
    return subjects


class Scorecard:
    """Every score, rank and band of a run, computed eagerly; explanations are built on request."""

    def __init__(self, rulebook: m.Rulebook, ledger: Ledger, evaluator: Evaluator, scope: Optional[Period], inputs_sha256: str):
        self.rulebook, self.ledger, self.evaluator, self.scope = rulebook, ledger, evaluator, scope
        self.inputs_sha256 = inputs_sha256
        self.scores: dict[tuple[str, str], list[Score]] = {}
        self.ranks: dict[tuple[str, str, str], int] = {}
        self.bandings: dict[tuple[str, str], list[BandingOutcome]] = {}
        for a in rulebook.assessments:
            for period in evaluator.periods(a, scope):
                pop = evaluator.population(a, period)
                scored = [evaluator.score(a, period, s) for s in pop]
                scored.sort(key=lambda sc: -sc.published)  # stable: declaration order among equals
                self.scores[(a.name, period.key)] = scored
                place = 0
                for i, sc in enumerate(scored):
                    if i == 0 or sc.published != scored[i - 1].published:
                        place = i + 1
                    self.ranks[(a.name, period.key, sc.subject.id)] = place
                self.bandings[(a.name, period.key)] = [
                    evaluator.band(b, period) for b in rulebook.bandings if b.assessment == a.name
                ]

    # ---- lookups ----
    @property
    def accounting(self):
        return self.ledger.accounting

    def periods_of(self, assessment: str) -> list[str]:
        return [p for (a, p) in self.scores if a == assessment]

    def pick(self, assessment: Optional[str] = None, period: Optional[str] = None, subject: Optional[str] = None) -> tuple[str, str]:
        """Resolve an assessment and period. By default: the first banded assessment (covering ``subject``,
        when given); without one, the subject's first assessment, or else the last assessment declared."""
        names = [a.name for a in self.rulebook.assessments]
        if assessment is None:
            banded = {b.assessment for b in self.rulebook.bandings}
            candidates = [a.name for a in self.rulebook.assessments
                          if subject is None or any(s.id == subject for s in self.evaluator.subjects if s.category in a.categories)]
            preferred = [n for n in candidates if n in banded]
            if preferred:
                assessment = preferred[0]
            elif subject is None:
                assessment = names[-1]
            else:
                assessment = (candidates or names)[0]
        if assessment not in names:
            hint = did_you_mean(assessment, names)
            raise QueryError(f"未知考核「{assessment}」/ unknown assessment" + (("；" + message(hint[0][0], **hint[0][1])) if hint else ""))
        periods = self.periods_of(assessment)
        if not periods:
            raise QueryError(f"考核「{assessment}」在所选周期内没有结果 / no period of this assessment in scope")
        if period is None:
            return assessment, periods[-1]
        p = parse_period(period)
        if p is None or p.key not in periods:
            raise QueryError(f"考核「{assessment}」没有周期「{period}」；可选：{'、'.join(periods)} / no such period")
        return assessment, p.key

    def _band_of(self, assessment: str, period: str, subject: str):
        for outcome in self.bandings.get((assessment, period), ()):
            if subject in outcome.bands:
                return outcome.bands[subject]
        return None

    # ---- result models ----
    def rulebook_ref(self) -> RulebookRef:
        rb = self.rulebook
        return RulebookRef(title=rb.title, path=rb.path, sha256=rb.sha256, jurisdiction=rb.jurisdiction)

    def subject_result(self, sc: Score, explanation: bool = True, events: bool = True) -> SubjectResult:
        a, p, s = sc.assessment.name, sc.period.key, sc.subject
        band = self._band_of(a, p, s.id)
        awards = any(x.award for b in self.rulebook.bandings if b.assessment == a for x in b.bands)
        disq = self.evaluator.disqualified(s, sc.period, sc.assessment) if band is not None and awards else []
        return SubjectResult(
            subject=s.id, name=s.name, category=s.category, score=sc.published, exact_score=sc.exact,
            rank=self.ranks[(a, p, s.id)], band=(band.band or None) if band else None, disqualified=disq,
            explanation=to_line(self.evaluator.score(sc.assessment, sc.period, s, explain=True).node, self.ledger, events) if explanation else None,
            band_explanation=to_line(band.node, None) if band is not None and explanation else None,
        )

    def statistics(self, a: m.Assessment, period: str, scored: list[Score]) -> Statistics:
        """The figures a notice prints: highest, lowest, average, spread, above the base, top and bottom N, summaries."""
        summaries = []
        if scored:
            for sm in a.summaries:
                figure = self.evaluator.summary(a, sm, scored[0].period)
                summaries.append(dict(figure, value=None if figure["value"] is None else format(figure["value"], "f")))
        if not scored:
            return Statistics(count=0, summaries=summaries)
        values = [sc.published for sc in scored]
        hi, lo = max(values), min(values)
        with decimal.localcontext(CONTEXT):
            mean = sum(values, Decimal(0)) / len(values)

        def row(sc: Score) -> dict[str, str]:
            return {"rank": str(self.ranks[(a.name, period, sc.subject.id)]), "subject": sc.subject.id, "name": sc.subject.name,
                    "score": format(sc.published, "f")}

        return Statistics(
            count=len(values), highest=hi, highest_subjects=[sc.subject.id for sc in scored if sc.published == hi],
            lowest=lo, lowest_subjects=[sc.subject.id for sc in scored if sc.published == lo], mean=mean, spread=hi - lo,
            above_base=sum(1 for v in values if v > a.base) if a.base is not None else None, base=a.base,
            top_n=a.notice_top, bottom_n=a.notice_bottom,
            # ties at the cut are all listed: a notice cannot name one of two equal scores and not the other
            top=[row(sc) for sc in scored if a.notice_top and sc.published >= scored[min(a.notice_top, len(scored)) - 1].published],
            bottom=[row(sc) for sc in scored if a.notice_bottom and sc.published <= scored[max(len(scored) - a.notice_bottom, 0)].published],
            summaries=summaries,
        )

    def banding_result(self, o: BandingOutcome) -> BandingResult:
        bands: dict[str, list[str]] = {b.name: [] for b in o.banding.bands}
        for sid, outcome in o.bands.items():
            bands.setdefault(outcome.band, []).append(sid)
        return BandingResult(
            banding=o.banding.name, citation=o.banding.citation.text if o.banding.citation else None,
            first_place={"subject": o.first[0], "score": str(o.first[1])} if o.first else None,
            quotas=o.quotas, adjustments=o.adjustments, moves=o.moves, ties=o.ties, bands=bands,
        )

    def accounting_line(self) -> AccountingLine:
        acc = self.ledger.accounting
        return AccountingLine(
            received=acc.received, counted=acc.counted, rejected=acc.rejected, overturned=acc.overturned,
            by_kind=dict(sorted(acc.by_kind.items())), by_reason=dict(sorted(Counter(r.reason for r in self.ledger.rejections).items())),
        )

    def rejection_lines(self, lang: str = "zh") -> list[RejectionLine]:
        return [
            RejectionLine(id=r.event_id, source=r.origin.source if r.origin else None, line=r.origin.line if r.origin else None,
                          reason=r.reason, message=r.message(lang))
            for r in self.ledger.rejections
        ]

    def warning_lines(self, assessment: Optional[str] = None, period: Optional[str] = None, subject: Optional[str] = None) -> list[WarningLine]:
        ledger = [WarningLine(assessment=None, period=None, subject=None, message=text) for text in self.ledger.warnings]
        return ledger + [
            WarningLine(assessment=w.assessment, period=w.period, subject=w.subject, message=w.message)
            for w in self.evaluator.warnings
            if (assessment is None or w.assessment == assessment) and (period is None or w.period == period)
            and (subject is None or w.subject in (None, subject))
        ]

    def result(self, assessment: Optional[str] = None, period: Optional[str] = None, explanations: bool = True) -> Result:
        """The run as a Result model; optionally only one assessment and/or the periods within ``period``."""
        scope = None
        if period is not None:
            scope = parse_period(period)
            if scope is None:
                raise QueryError(f"周期写法错误「{period}」，应如 2022、2022-H1、2022-Q3、2022-03 / malformed period")
        chosen = []
        for (a, p), scored in self.scores.items():
            if (assessment is None or a == assessment) and (scope is None or scope.contains(parse_period(p))):
                am = self.rulebook.assessment(a)
                chosen.append(AssessmentResult(
                    assessment=a, label=am.label, period=p, citation=am.citation.text if am.citation else None,
                    statistics=self.statistics(am, p, scored),
                    bandings=[self.banding_result(o) for o in self.bandings.get((a, p), ())],
                    subjects=[self.subject_result(sc, explanations) for sc in scored],
                ))
        return Result(
            engine=f"perfrules {__version__}", rulebook=self.rulebook_ref(), inputs_sha256=self.inputs_sha256,
            period=scope.key if scope else (self.scope.key if self.scope else None), accounting=self.accounting_line(),
            rejections=self.rejection_lines(default_lang()), warnings=[w for w in self.warning_lines(assessment)
                                                         if scope is None or not w.period or scope.contains(parse_period(w.period))],
            assessments=chosen,
        )

    def explain(self, subject: str, assessment: Optional[str] = None, period: Optional[str] = None) -> Explanation:
        """Why ``subject`` has its score and band: the full explanation tree with the events behind it."""
        known = {s.id: s for s in self.evaluator.subjects}
        if subject not in known:
            by_name = [s.id for s in self.evaluator.subjects if s.name == subject]
            if len(by_name) == 1:
                subject = by_name[0]
            else:
                hint = did_you_mean(subject, known)
                raise QueryError(f"未知对象「{subject}」/ unknown subject" + (("；" + message(hint[0][0], **hint[0][1])) if hint else ""))
        a, p = self.pick(assessment, period, subject)
        sc = next((x for x in self.scores[(a, p)] if x.subject.id == subject), None)
        if sc is None:
            raise QueryError(f"对象「{subject}」不在考核「{a}」（{p}）中 / subject not assessed there")
        am = self.rulebook.assessment(a)
        return Explanation(
            engine=f"perfrules {__version__}", rulebook=self.rulebook_ref(), inputs_sha256=self.inputs_sha256,
            assessment=a, assessment_label=am.label, period=p, subject=self.subject_result(sc),
            warnings=self.warning_lines(a, p, subject),
        )


@contextlib.contextmanager
def paused_gc():
    """Pause the cyclic garbage collector during a bulk load and scoring: collecting again and again
    while hundreds of thousands of records are allocated costs more than the rest.

    Afterwards what survived is moved to the oldest generation (freeze, then unfreeze: no traversal),
    so that the next young collection, e.g. during an explanation, does not walk every object the run
    kept. They stay collectable: a later full collection sees them as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _digest_line(ev) -> bytes:
    return (ev.model_dump_json() if hasattr(ev, "model_dump_json") else repr(ev)).encode("utf-8") + b"\n"


def evaluate(
    rulebook: m.Rulebook,
    events: Iterable[Union[Event, Malformed, tuple, Batch]],
    *,
    subjects: Iterable[SubjectRecord] = (),
    period: Optional[str] = None,
    inputs_sha256: Optional[str] = None,
    calendar: Optional[Calendar] = None,
) -> Scorecard:
    """Score every assessment of ``rulebook`` over ``events`` (within ``period`` if given).

    ``events`` may hold event models, ``(event, origin)`` pairs, or the batches of
    ``EventReader.batches`` (the fast path for large feeds)."""
    scope = None
    if period is not None:
        scope = parse_period(period)
        if scope is None:
            raise QueryError(f"周期写法错误「{period}」，应如 2022、2022-H1、2022-Q3、2022-03 / malformed period")
    all_subjects = merge_subjects(rulebook, subjects)
    ledger = Ledger(rulebook, {s.id: s for s in all_subjects}, scope, calendar)
    digest = hashlib.sha256() if inputs_sha256 is None else None
    with paused_gc():
        for record in events:
            if isinstance(record, Batch):
                if digest is not None:
                    for ev, _ in record.events():
                        digest.update(_digest_line(ev))
                ledger.add_batch(record)
                continue
            if digest is not None:
                digest.update(_digest_line(record[0] if isinstance(record, tuple) else record))
            if isinstance(record, tuple):
                ledger.add(*record)
            else:
                ledger.add(record)
        evaluator = Evaluator(rulebook, all_subjects, ledger)
        card = Scorecard(rulebook, ledger, evaluator, scope, inputs_sha256 or (digest.hexdigest() if digest else ""))
    return card


__all__ = ["Scorecard", "evaluate", "merge_subjects", "REASONS"]
