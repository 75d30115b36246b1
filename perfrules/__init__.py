"""perfrules: a government service hall's assessment regulation as a rulebook that scores and explains itself.

The whole pipeline::

    rulebook = load_rulebook("rulebooks/xx-district-2022.rules")
    records, digest = read_events(["occurrences.jsonl", "measures.csv"])
    card = evaluate(rulebook, records, inputs_sha256=digest)
    print(render_table(card.result(explanations=False)))
    print(render_explanation(card.explain("公安")))
"""

__version__ = "0.1.0"

from .calendar import Calendar  # noqa: E402
from .catalogue import catalogue  # noqa: E402
from .compiler import compile_rulebook, load_rulebook  # noqa: E402
from .errors import DataError, PerfrulesError, QueryError, RulebookError  # noqa: E402
from .events import Ballot, EventReader, Fact, Measure, Occurrence, SubjectRecord, read_events, read_subjects  # noqa: E402
from .events import parse_record as parse_event  # noqa: E402
from .explain import Explanation, Line, Result  # noqa: E402
from .render import render_explanation, render_table  # noqa: E402
from .scorecard import Scorecard, evaluate  # noqa: E402

__all__ = [
    "__version__",
    "compile_rulebook", "load_rulebook", "catalogue",
    "read_events", "EventReader", "read_subjects", "parse_event", "evaluate", "Scorecard", "Calendar",
    "render_table", "render_explanation",
    "Occurrence", "Measure", "Ballot", "Fact", "SubjectRecord",
    "Result", "Explanation", "Line",
    "PerfrulesError", "RulebookError", "DataError", "QueryError",
]
