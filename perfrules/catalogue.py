"""The item catalogue of a rulebook: what a data-entry form or an integrator needs to know, as plain data."""

from __future__ import annotations

from typing import Any, Optional

from . import model as m
from .numbers import fmt


def _cite(x) -> Optional[str]:
    return x.citation.text if getattr(x, "citation", None) else None


def _amount(a: m.Amount) -> dict[str, Any]:
    out: dict[str, Any] = {"direction": "deduct" if a.sign < 0 else "add"}
    if a.discretionary:
        out.update(discretionary=True, min=fmt(a.low), max=fmt(a.high), unit=a.per_unit)
    elif a.per_unit is None:
        out.update(points=fmt(a.low), once_per_period=True)
    else:
        out.update(points=fmt(a.low), unit=a.per_unit)
    return out


def catalogue(rb: m.Rulebook) -> dict[str, Any]:
    """Every declaration of ``rb`` as JSON-ready data, in the rulebook's order."""
    return {
        "title": rb.title, "source": rb.source, "jurisdiction": rb.jurisdiction,
        "effective": [rb.effective_from.isoformat(), rb.effective_to.isoformat()], "timezone": rb.timezone,
        "rounding_mode": m.MODE_ZH.get(rb.rounding_mode, rb.rounding_mode), "sha256": rb.sha256,
        "assumptions": [{"id": x.id, "text": x.text, "citation": _cite(x), "line": x.span.line} for x in rb.assumptions],
        "categories": [{"name": c.name, "label": c.label} for c in rb.categories],
        "subjects": [{"id": s.id, "name": s.name, "category": s.category, "parent": s.parent,
                      "active_from": s.active_from.isoformat() if s.active_from else None,
                      "active_to": s.active_to.isoformat() if s.active_to else None} for s in rb.subjects],
        "metrics": [{"name": x.name, "period": x.period.name.lower(), "min": fmt(x.low) if x.low is not None else None,
                     "max": fmt(x.high) if x.high is not None else None, "categories": list(x.categories),
                     "citation": _cite(x), "label": x.label, "assumptions": list(x.assumptions)} for x in rb.metrics],
        "facts": [{"name": f.name, "period": f.period.name.lower(), "citation": _cite(f), "label": f.label} for f in rb.facts],
        "ballots": [{"group": g.name, "period": g.period.name.lower(), "grades": {n: fmt(w) for n, w in g.scheme.grades},
                     "top_grade": g.top_grade, "top_limit": fmt(g.top_limit) if g.top_limit is not None else None,
                     "categories": list(g.categories), "citation": _cite(g), "label": g.label} for g in rb.ballots],
        "assessments": [_assessment(a) for a in rb.assessments],
        "bandings": [{
            "name": b.name, "assessment": b.assessment, "citation": _cite(b), "quota_rounding": m.MODE_ZH.get(b.quota_rounding),
            "tiebreak": list(b.tiebreak),
            "bands": [{"name": x.name, "quota": fmt(x.quota) if x.quota is not None else None,
                       "places": x.count, "condition": x.condition.text if x.condition else None, "rest": x.rest,
                       "only": list(x.only), "award": x.award, "citation": _cite(x), "label": x.label} for x in b.bands],
            "moves": [{"kind": mv.kind, "from": mv.from_band, "to": mv.to_band, "condition": mv.condition.text, "citation": _cite(mv)} for mv in b.moves],
            "adjustments": [{"fact": x.fact, "band": x.band, "delta": fmt(x.delta), "citation": _cite(x)} for x in b.adjusts],
        } for b in rb.bandings],
    }


def _assessment(a: m.Assessment) -> dict[str, Any]:
    return {
        "name": a.name, "label": a.label, "period": a.period.name.lower(), "categories": list(a.categories),
        "citation": _cite(a), "assumptions": list(a.assumptions),
        "base": fmt(a.base) if a.base is not None else None, "total_formula": a.total_formula,
        "total_cap": fmt(a.total_cap) if a.total_cap is not None else None,
        "rounding": {"digits": a.rounding.digits, "mode": m.MODE_ZH.get(a.rounding.mode)} if a.rounding else None,
        "sections": [{
            "name": s.name, "max": fmt(s.max) if s.max is not None else None,
            "floor": fmt(s.floor) if s.floor is not None else None,
            "bonus_cap": fmt(s.bonus_cap) if s.bonus_cap is not None else None,
            "deduction_cap": fmt(s.deduction_cap) if s.deduction_cap is not None else None,
            "citation": _cite(s), "label": s.label, "assumptions": list(s.assumptions),
            "items": [{
                "name": it.name, "citation": _cite(it), "label": it.label, **_amount(it.amount),
                "tiers": [{"name": t.name, **_amount(t.amount)} for t in it.tiers],
                "cap": fmt(it.cap) if it.cap is not None else None, "disqualify": it.disqualify, "veto": it.veto,
                "escalation": {"from": it.escalation.start, **_amount(it.escalation.amount), "over_year": it.escalation.over_year}
                if it.escalation else None,
                "joint": {"item": it.joint.item, "share": fmt(it.joint.share)} if it.joint else None,
                "condition": it.lateness.text if it.lateness else None,
                "assumptions": list(it.assumptions),
            } for it in s.items],
        } for s in a.sections],
        "components": [{"name": c.name, "formula": c.formula, "max": fmt(c.max) if c.max is not None else None,
                        "floor": fmt(c.floor) if c.floor is not None else None,
                        "citation": _cite(c), "label": c.label, "assumptions": list(c.assumptions)} for c in a.components],
        "notice": {"top": a.notice_top, "bottom": a.notice_bottom},
        "summaries": [{"name": x.name, "formula": x.formula, "citation": _cite(x), "label": x.label} for x in a.summaries],
    }
