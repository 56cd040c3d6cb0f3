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
    return {name: {k: _(v) for k, v in table.items()} for name, table in tables.items()}
