"""Words for the codes shown on pages (statuses, severities, SLA states, timeline kinds)."""

from __future__ import annotations

from patron.collect.complaints import EVENT_LABELS, SLA_LABELS
from patron.core.i18n import N_, _

STATUS_LABELS = {
    "open": N_("open"),
    "assigned": N_("assigned"),
    "resolved": N_("resolved"),
    "closed": N_("closed unresolved"),
}
SEVERITY_LABELS = {
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "critical": N_("critical"),
}
KIND_LABELS = {
    "order": N_("Order / stay"),
    "interaction": N_("Interaction"),
    "complaint": N_("Complaint"),
    "survey": N_("Survey answer"),
}
METRIC_LABELS = {
    "rfm_segment": N_("Segment"),
    "value_tier": N_("Value tier"),
    "layer": N_("Customer layer"),
    "lifecycle_stage": N_("Lifecycle stage"),
    "loyalty_type": N_("Loyalty type"),
    "clv": N_("Customer lifetime value"),
    "p_alive": N_("P(alive)"),
    "churn_risk": N_("Churn risk"),
    "expected_purchases_52w": N_("Expected purchases, next 52 weeks"),
    "csi_satisfaction": N_("Satisfaction index"),
    "rfm_score": N_("RFM score"),
}


TIER_LABELS = {
    "platinum": N_("platinum"),
    "gold": N_("gold"),
    "silver": N_("silver"),
    "bronze": N_("bronze"),
}


def value_labels() -> dict[str, dict[str, str]]:
    """Per metric, the words for its labels (segments, stages, types, tiers, risk deciles)."""
    from patron.analyze.lifecycle import STAGES
    from patron.analyze.loyalty import LOYALTY_TYPES
    from patron.analyze.segments import LAYERS, SEGMENTS

    tables = {
        "rfm_segment": SEGMENTS,
        "rfm_score": SEGMENTS,
        "lifecycle_stage": STAGES,
        "loyalty_type": LOYALTY_TYPES,
        "layer": LAYERS,
        "value_tier": TIER_LABELS,
    }
    out = {metric: {k: _(v) for k, v in table.items()} for metric, table in tables.items()}
    out["churn_risk"] = {
        f"decile {n}": _("risk decile {n} of 10 (10 = most likely to leave)").format(n=n)
        for n in range(1, 11)
    }
    return out


def labels() -> dict[str, dict[str, str]]:
    """All label tables, translated into the current language."""
    tables = {
        "status": STATUS_LABELS,
        "severity": SEVERITY_LABELS,
        "sla": SLA_LABELS,
        "event": EVENT_LABELS,
        "kind": KIND_LABELS,
        "metric": METRIC_LABELS,
    }
    out = {name: {k: _(v) for k, v in table.items()} for name, table in tables.items()}
    out["value"] = value_labels()  # type: ignore[assignment]
    return out
