"""What happened around the synthetic stays: interactions, complaints, survey answers, the questionnaire."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from patron.data import _hotel_model as M
from patron.data import hotel_vocab as V
from patron.data._hotel_comments import chinese_guests, comments


def interactions(
    rng: np.random.Generator, s: dict[str, Any], g: dict[str, Any], end_day: int
) -> pd.DataFrame:
    k = s["guest"].size
    online = np.isin(s["channel"], [0, 2, 3])
    confirm = online & (rng.random(k) < 0.8)
    lead = np.floor(1 + rng.exponential(20.0, size=k)).astype("int64")
    call = rng.random(k) < 0.25
    call_lead = rng.integers(1, 11, size=k)
    call_topic = rng.integers(len(V.CALL_TOPICS), size=k)
    call_staff = rng.integers(len(V.STAFF), size=k)
    requests = rng.poisson(0.3 + 0.15 * s["nights"])
    # Nobody is contacted before they became a guest of record.
    known = g["acquired"][s["guest"]].astype("int64") * M.DAY + M.HOUR
    parts = []
    parts.append(
        _interaction_part(
            s, confirm, np.maximum(s["checkin_s"] - lead * M.DAY - 2 * M.HOUR, known), "email", "booking_confirmation",
            False, np.full(k, "Booking confirmation sent", dtype=object), np.full(k, None),
        )
    )  # fmt: skip
    parts.append(
        _interaction_part(
            s, call, np.maximum(s["checkin_s"] - call_lead * M.DAY + 3 * M.HOUR, known), "phone", "call", True,
            M.pick(V.CALL_TOPICS, call_topic), M.pick(V.STAFF, call_staff),
        )
    )  # fmt: skip
    stay_of_request = np.repeat(np.arange(k), requests)
    r = stay_of_request.size
    when = s["checkin_s"][stay_of_request] + (
        rng.random(r) * s["nights"][stay_of_request] * M.DAY
    ).astype("int64")
    request_channel = np.where(rng.random(r) < 0.7, "front desk", "app").astype(object)
    parts.append(
        pd.DataFrame(
            {
                "guest": s["guest"][stay_of_request],
                "seconds": when,
                "channel": request_channel,
                "kind": "service_request",
                "is_service": True,
                "summary": M.pick(
                    V.SERVICE_REQUESTS, rng.integers(len(V.SERVICE_REQUESTS), size=r)
                ),
                "staff": M.pick(V.STAFF, rng.integers(len(V.STAFF), size=r)),
            }
        )
    )
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[frame["seconds"] < (end_day + 1) * M.DAY]
    frame = frame.sort_values(["seconds", "guest", "kind"], kind="stable")
    frame.insert(0, "customer_id", g["customer_id"][frame.pop("guest").to_numpy()])
    frame.insert(0, "interaction_id", M.make_ids("I", len(frame), 7).astype(object))
    frame.insert(2, "occurred_at", M.to_utc(frame["seconds"].to_numpy()))
    return frame.drop(columns="seconds").reset_index(drop=True)


def _interaction_part(
    s: dict[str, Any],
    mask: np.ndarray,
    seconds: np.ndarray,
    channel: str,
    kind: str,
    is_service: bool,
    summary: np.ndarray,
    staff: np.ndarray,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "guest": s["guest"][mask],
            "seconds": seconds[mask],
            "channel": channel,
            "kind": kind,
            "is_service": is_service,
            "summary": summary[mask],
            "staff": staff[mask],
        }
    )


def complaints(
    rng: np.random.Generator,
    s: dict[str, Any],
    g: dict[str, Any],
    stays: pd.DataFrame,
    end_day: int,
) -> pd.DataFrame:
    pairs = [(cat, text) for cat, texts in V.COMPLAINT_CATEGORIES.items() for text in texts]
    which = np.flatnonzero(s["complaint"])
    c = which.size
    pair = rng.integers(len(pairs), size=c)
    channel = rng.integers(len(V.COMPLAINT_CHANNELS), size=c)
    staff = rng.integers(len(V.STAFF), size=c)
    opened = s["checkin_s"][which] + (
        (0.1 + 0.8 * rng.random(c)) * s["nights"][which] * M.DAY
    ).astype("int64")
    severity = s["severity"][which]
    sla_hours = np.array([v[1] for v in V.SEVERITIES.values()])[severity]
    median_hours = np.array([v[2] for v in V.SEVERITIES.values()])[severity]
    resolved = s["cclass"][which] == 1
    hours = np.where(
        resolved,
        median_hours * np.exp(rng.normal(0.0, 0.6, size=c)),
        24.0 * rng.uniform(5, 30, size=c),
    )
    closed = opened + (hours * M.HOUR).astype("int64")
    fix = rng.integers(len(V.RESOLUTIONS), size=c)
    no_fix = rng.integers(len(V.NON_RESOLUTIONS), size=c)
    still_open = closed >= (end_day + 1) * M.DAY
    frame = pd.DataFrame(
        {
            "customer_id": g["customer_id"][s["guest"][which]],
            "order_id": stays["order_id"].to_numpy()[which],
            "opened_s": opened,
            "channel": M.pick(V.COMPLAINT_CHANNELS, channel),
            "category": np.array([p[0] for p in pairs], dtype=object)[pair],
            "severity": M.pick(list(V.SEVERITIES), severity),
            "status": np.where(still_open, "open", np.where(resolved, "resolved", "closed")).astype(
                object
            ),
            "description": np.array([p[1] for p in pairs], dtype=object)[pair],
            "assigned_to": M.pick(V.STAFF, staff),
            "sla_due_s": opened + (sla_hours * M.HOUR).astype("int64"),
            "resolved_s": np.where(still_open, -1, closed),
            "resolution": np.where(
                still_open,
                None,
                np.where(resolved, M.pick(V.RESOLUTIONS, fix), M.pick(V.NON_RESOLUTIONS, no_fix)),
            ),
            "outcome": np.where(
                still_open, None, np.where(resolved, "resolved", "unresolved")
            ).astype(object),
            "resolution_hours": np.where(still_open, np.nan, np.round(hours, 2)),
        }
    )
    frame = frame.sort_values(["opened_s", "customer_id"], kind="stable").reset_index(drop=True)
    frame.insert(0, "complaint_id", M.make_ids("C", len(frame), 6).astype(object))
    frame.insert(3, "opened_at", M.to_utc(frame["opened_s"].to_numpy()))
    frame.insert(10, "sla_due_at", M.to_utc(frame["sla_due_s"].to_numpy()))
    resolved_at = M.to_utc(np.maximum(frame["resolved_s"].to_numpy(), 0))
    frame.insert(11, "resolved_at", resolved_at.where(frame["resolved_s"].to_numpy() >= 0))
    return frame.drop(columns=["opened_s", "sla_due_s", "resolved_s"])


def responses(
    rng: np.random.Generator,
    s: dict[str, Any],
    g: dict[str, Any],
    end_day: int,
    comment_rng: np.random.Generator | None = None,
) -> pd.DataFrame:
    k = s["guest"].size
    asked = rng.random(k) < M.SURVEY_RATE
    delay = rng.integers(1, 7, size=k)
    minute = rng.integers(0, 10 * 60, size=k)
    when = (s["checkin"] + s["nights"] + delay).astype("int64") * M.DAY + 2 * M.HOUR + minute * 60
    which = np.flatnonzero(asked & (when < (end_day + 1) * M.DAY))
    m = which.size
    eta = g["eta"][s["guest"][which]]
    items = V.ACSI_ITEMS
    values = np.empty((m, len(items) + 1))
    noise = rng.standard_normal((m, len(items) + 1))
    for j, (_code, construct, loading, _en, _zh) in enumerate(items):
        latent = eta[:, M.CONSTRUCTS.index(construct)]
        z = loading * latent + np.sqrt(1 - loading**2) * noise[:, j]
        values[:, j] = np.clip(np.rint(V.ITEM_CENTRE[construct] + V.ITEM_SPREAD * z), 1, 10)
    nps = M.NPS_MODEL
    z = nps["loading"] * eta[:, M.SAT] + np.sqrt(1 - nps["loading"] ** 2) * noise[:, -1]
    values[:, -1] = np.clip(np.rint(nps["centre"] + nps["spread"] * z), 0, 10)
    answered = rng.random(values.shape) >= M.MISSING_ANSWER_RATE
    order = np.argsort(when[which], kind="stable")
    which, values, answered = which[order], values[order], answered[order]
    response_id = M.make_ids("R", m, 6).astype(object)
    rows, cols = np.nonzero(answered)
    codes = np.array([item[0] for item in items] + [V.NPS_ITEM[0]], dtype=object)
    answers = pd.DataFrame(
        {
            "response_id": response_id[rows],
            "customer_id": g["customer_id"][s["guest"][which[rows]]],
            "survey_code": V.SURVEY_CODE,
            "item_code": codes[cols],
            "value": values[rows, cols],
            "text_value": None,
            "responded_at": M.to_utc(when[which[rows]]),
            "source": "email",
        }
    )
    if comment_rng is None:
        return answers
    # one row per response, in response order: the guest's latent scores and language
    first = np.unique(rows, return_index=True)[1]
    guests = s["guest"][which[rows[first]]]
    notes = comments(comment_rng, answers.iloc[first], g["eta"][guests],
                     chinese_guests(g, guests), end_day)  # fmt: skip
    return pd.concat([answers, notes[answers.columns]], ignore_index=True)


def survey_items() -> pd.DataFrame:
    rows = [
        {
            "survey_code": V.SURVEY_CODE,
            "code": code,
            "construct": construct,
            "position": position,
            "scale_min": 1.0,
            "scale_max": 10.0,
            "text_en": text_en,
            "text_zh": text_zh,
        }
        for position, (code, construct, _loading, text_en, text_zh) in enumerate(V.ACSI_ITEMS, 1)
    ]
    code, construct, text_en, text_zh = V.NPS_ITEM
    rows.append(
        {
            "survey_code": V.SURVEY_CODE,
            "code": code,
            "construct": construct,
            "position": len(rows) + 1,
            "scale_min": 0.0,
            "scale_max": 10.0,
            "text_en": text_en,
            "text_zh": text_zh,
        }
    )
    return pd.DataFrame(rows)
