"""Which words stand for each code shown on a page or in the report, in the reader's language.

One table per concept (a complaint's status, a customer's segment, a campaign's state, an
interaction's kind …), each code mapped to a phrase marked with ``N_`` and translated where
it is shown. The web pages and the report both read these tables, so a code has one
wording everywhere. ``label(concept, code)`` gives the words; a code no table knows is
returned as it is (the page test then finds it, instead of a made-up wording hiding it).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from patron.core.i18n import N_, _, format_number

COMPLAINT_STATUSES = {
    "open": N_("open"),
    "assigned": N_("assigned"),
    "resolved": N_("resolved"),
    "closed": N_("closed unresolved"),
}
SEVERITIES = {
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "critical": N_("critical"),
}
TIMELINE_KINDS = {
    "order": N_("Order / stay"),
    "interaction": N_("Interaction"),
    "complaint": N_("Complaint"),
    "survey": N_("Survey answer"),
}
METRICS = {
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
TIERS = {
    "platinum": N_("platinum"),
    "gold": N_("gold"),
    "silver": N_("silver"),
    "bronze": N_("bronze"),
}
#: Where a campaign stands (``patron.act.results.delivery_state``).
CAMPAIGN_STATES = {
    "draft": N_("draft"),
    "assigned": N_("groups assigned, not sent"),
    "sending": N_("sending"),
    "sent": N_("sent"),
    "failed": N_("failed: nobody was contacted"),
    "partly_failed": N_("sent, but some sends failed"),
}
#: What happened to one action in the outbox.
SEND_STATUSES = {
    "pending": N_("waiting"),
    "planned": N_("planned"),
    "sent": N_("sent"),
    "failed": N_("failed"),
    "skipped": N_("skipped"),
}
#: Channels of contact, of orders and of actions (codes and the demo's own words).
CHANNELS = {
    "email": N_("e-mail"),
    "phone": N_("phone"),
    "sms": N_("text message"),
    "webhook": N_("webhook"),
    "task": N_("task for staff"),
    "list": N_("call list"),
    "app": N_("app"),
    "web": N_("website"),
    "direct": N_("direct"),
    "direct web": N_("own website"),
    "front desk": N_("front desk"),
    "online review": N_("online review"),
    "OTA": N_("online travel agency"),
    "corporate": N_("corporate"),
    "travel agent": N_("travel agent"),
    "referral": N_("referral"),
    "walk-in": N_("walk-in"),
    "in person": N_("in person"),
}
INTERACTION_KINDS = {
    "booking_confirmation": N_("booking confirmation"),
    "call": N_("call"),
    "visit": N_("visit"),
    "note": N_("note"),
    "service_request": N_("service request"),
    "survey_invitation": N_("survey invitation"),
    "campaign": N_("campaign message"),
    "email": N_("e-mail"),
    "meeting": N_("meeting"),
}
DATE_KINDS = {
    "birthday": N_("birthday"),
    "anniversary": N_("anniversary"),
    "custom": N_("other date"),
}
#: How a comment or an aspect mention feels (``patron.analyze.text``).
SENTIMENTS = {
    "positive": N_("positive"),
    "neutral": N_("neutral"),
    "negative": N_("negative"),
    "unread": N_("could not be read"),
}
#: Where a comment was written (``patron.jobs.text.SOURCES``).
COMMENT_SOURCES = {
    "survey": N_("survey comment"),
    "complaint": N_("complaint"),
    "interaction": N_("interaction note"),
}
#: A topic's alert (``patron.analyze.text.topics.topic_alerts``).
TOPIC_ALERTS = {"new": N_("new this month"), "growing": N_("growing fast")}
#: Deciles of churn risk grouped into words (decile 1 = the riskiest tenth).
RISK_LEVELS = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}


@cache
def _tables() -> dict[str, dict[str, str]]:
    from patron.analyze.lifecycle import STAGES
    from patron.analyze.loyalty import LOYALTY_TYPES
    from patron.analyze.segments import LAYERS, SEGMENTS
    from patron.collect.complaints import EVENT_LABELS, SLA_LABELS
    from patron.collect.roles import ROLE_LABELS
    from patron.collect.units import KIND_LABELS as UNIT_KINDS

    return {
        "status": COMPLAINT_STATUSES,
        "severity": SEVERITIES,
        "sla": SLA_LABELS,
        "event": EVENT_LABELS,
        "kind": TIMELINE_KINDS,
        "metric": METRICS,
        "segment": SEGMENTS,
        "stage": STAGES,
        "loyalty_type": LOYALTY_TYPES,
        "layer": LAYERS,
        "tier": TIERS,
        "campaign_state": CAMPAIGN_STATES,
        "send_status": SEND_STATUSES,
        "channel": CHANNELS,
        "interaction": INTERACTION_KINDS,
        "date_kind": DATE_KINDS,
        "role": ROLE_LABELS,
        "unit_kind": UNIT_KINDS,
        "risk_level": RISK_LEVELS,
        "sentiment": SENTIMENTS,
        "comment_source": COMMENT_SOURCES,
        "topic_alert": TOPIC_ALERTS,
    }


#: For a stored score's metric, the concept its labels belong to.
METRIC_CONCEPTS = {
    "rfm_segment": "segment",
    "rfm_score": "segment",
    "lifecycle_stage": "stage",
    "loyalty_type": "loyalty_type",
    "layer": "layer",
    "value_tier": "tier",
}


def concepts() -> dict[str, dict[str, str]]:
    """Every table, untranslated (code → English phrase), by concept name."""
    return dict(_tables())


def label(concept: str, code: Any) -> str:
    """The words for ``code`` of ``concept`` in the current language ("—" for no value)."""
    if code is None or code == "":
        return "—"
    words = _tables().get(concept, {}).get(str(code))
    if words is None:
        if concept == "churn_risk":
            return churn_risk_words(code)
        return str(code)
    return _(words)


def interaction_words(kind: Any, channel: Any = None) -> str:
    """ "booking confirmation (e-mail)" for ``booking_confirmation`` sent by ``email``."""
    text = label("interaction", kind)
    if channel:
        return _("{what} ({channel})").format(what=text, channel=label("channel", channel))
    return text


def risk_decile(value: Any) -> int | None:
    """The decile in ``7`` or ``"decile 7"`` (1 = riskiest tenth), None when unreadable."""
    text = str(value).removeprefix("decile").strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= 10 else None


def churn_risk_words(value: Any) -> str:
    """A churn-risk decile in words: "high: top 10 %" for decile 1, "low: bottom 20 %" for 9.

    Deciles 1–2 are high, 3–5 medium, 6–10 low; the share says where the customer ranks
    among all scored customers (the top being the most likely to leave).
    """
    decile = risk_decile(value)
    if decile is None:
        return str(value)
    if decile <= 5:
        level = "high" if decile <= 2 else "medium"
        return _("{level}: top {share} % of risk").format(
            level=_(RISK_LEVELS[level]), share=format_number(10 * decile)
        )
    return _("{level}: bottom {share} % of risk").format(
        level=_(RISK_LEVELS["low"]), share=format_number(10 * (11 - decile))
    )


def score_label(metric: str, code: Any) -> str:
    """The words for a stored score's label (segment, stage, tier, risk decile …)."""
    if metric == "churn_risk":
        return churn_risk_words(code)
    concept = METRIC_CONCEPTS.get(metric)
    return label(concept, code) if concept else str(code)


def labels() -> dict[str, dict[str, Any]]:
    """All tables translated into the current language (for templates), plus ``value``:
    per stored metric, the words for its labels."""
    out: dict[str, dict[str, Any]] = {
        name: {code: _(words) for code, words in table.items()} for name, table in _tables().items()
    }
    value = {metric: out[concept] for metric, concept in METRIC_CONCEPTS.items()}
    value["churn_risk"] = {f"decile {n}": churn_risk_words(n) for n in range(1, 11)}
    out["value"] = value
    return out
