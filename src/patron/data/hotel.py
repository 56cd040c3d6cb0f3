"""A seeded SYNTHETIC hotel world whose causes are known, so analyses can be checked against them.

Nothing here is real: every guest, stay and answer is drawn from the model below, and
``HotelData.truth`` states that model's numbers, so the churn, linkage and action code
can be tested on whether they recover what was planted.

The story, in the order it is simulated:

1. **Guests** (``H000001`` …) with English or Chinese names, contact data, consent
   (≈ 8 % opted out of e-mail), a birthday, a home city, an acquisition date and channel,
   and hidden traits: an ACSI latent profile, price sensitivity, spending power.
2. **ACSI world.** Per guest, standardised latent scores follow the path model

   .. math::

      \\eta_j = \\sum_{i \\to j} \\beta_{ij} \\eta_i + \\zeta_j,\\qquad
      \\operatorname{Var}(\\eta_j) = 1,

   over expectation → quality → value → satisfaction → complaints → loyalty with the
   coefficients in ``ACSI_PATHS``. Survey items are ``λ η + √(1-λ²) ε`` put on the
   1–10 scale; NPS (0–10) follows satisfaction.
3. **Stays** from 2021-01-01 to ``as_of``: nights, property, channel, room, rate,
   discounts (price-sensitive guests get more), breakfast, dinner, bar and spa.
4. **Complaints** after a stay with probability ``σ(-2.4 - 0.7·quality)``; resolved
   with probability ``σ(1.2 - 0.9·[high severity])``, else closed unresolved.
5. **Return.** After each stay the guest stays again within 365 days of check-out with

   .. math::

      p = \\sigma(\\beta_0 + \\beta_s\\,\\mathrm{satisfaction}
          + \\beta_r [\\mathrm{resolved}] + \\beta_u [\\mathrm{unresolved}]
          + \\beta_t\\,\\mathrm{recency} + \\beta_p\\,\\mathrm{price\\ sensitivity})

   where recency is the years from the previous contact (check-out, or acquisition for
   a first stay) to this check-in. A guest who does not return may still come back
   later (win-back, after more than 365 days); the chain stops at ``as_of``.
6. **The Oriental guest** ``H-ORIENTAL`` (Chen Wei / 陈伟): a valuable regular whose last
   stay was three years before ``as_of``, whose birthday is five days after it, who
   takes "sandwich, coffee, egg" for breakfast and sits "window, 2nd floor".

Everything is vectorised with NumPy; one ``numpy.random.Generator`` seeded by ``seed``
draws in a fixed order, so the same arguments give identical frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from patron.core.csvsafe import safe_frame
from patron.core.i18n import _
from patron.data import _hotel_world as world
from patron.data import hotel_vocab as V
from patron.data._hotel_model import (
    ACSI_PATHS,
    CONSTRUCTS,
    EPOCH,
    ORIENTAL_ID,
    RETURN_MODEL,
    acsi_structure,
    logit_return,
)
from patron.data._hotel_truth import planted_truth
from patron.exceptions import InputError

__all__ = [
    "ACSI_PATHS",
    "CONSTRUCTS",
    "EPOCH",
    "IMPORT_FILES",
    "ORIENTAL_ID",
    "RETURN_MODEL",
    "HotelData",
    "acsi_structure",
    "generate_hotel",
    "hotel_units",
    "logit_return",
]

# Importer kind -> (file name, columns written); the demo imports them in this order.
IMPORT_FILES: dict[str, tuple[str, list[str]]] = {
    "customers": (
        "guests.csv",
        [
            "customer_id", "name", "name_zh", "email", "phone", "birthday", "gender",
            "city", "region", "country", "language", "acquired_at", "acquisition_channel",
            "consent_email", "consent_sms", "consent_phone", "dataset",
        ],
    ),
    "preferences": (
        "preferences.csv",
        ["customer_id", "key", "value", "observed_at", "source"],
    ),
    "important-dates": (
        "important_dates.csv",
        ["customer_id", "kind", "date", "label", "recurring"],
    ),
    "orders": (
        "stays.csv",
        [
            "order_id", "customer_id", "ordered_at", "amount", "cost", "discount",
            "quantity", "channel", "location", "status", "unit",
        ],
    ),
    "order-lines": (
        "stay_lines.csv",
        ["order_id", "line_no", "product", "category", "quantity", "amount", "cost", "discount"],
    ),
    "interactions": (
        "interactions.csv",
        [
            "interaction_id", "customer_id", "occurred_at", "channel", "kind",
            "is_service", "summary", "staff",
        ],
    ),
    "complaints": (
        "complaints.csv",
        [
            "complaint_id", "customer_id", "opened_at", "channel", "category", "severity",
            "status", "description", "assigned_to", "sla_due_at", "resolved_at",
            "resolution", "outcome",
        ],
    ),
    "responses": (
        "responses.csv",
        [
            "response_id", "customer_id", "survey_code", "item_code", "value",
            "text_value", "responded_at", "source",
        ],
    ),
}  # fmt: skip


def hotel_units() -> list[dict[str, str]]:
    """The hotel's organisation units: the group, then one unit per property (stays carry
    their property's code in ``unit``); add them with ``patron.collect.units.add_units``."""
    code, name, name_zh = V.HOTEL_GROUP
    return [
        {"code": code, "name": name, "name_zh": name_zh, "kind": "group"},
        *(
            {"code": c, "name": n, "name_zh": z, "kind": "property", "parent": code}
            for c, n, z in V.PROPERTY_UNITS
        ),
    ]


@dataclass
class HotelData:
    """The generated world: importer-shaped frames, the hidden causes, and the truth.

    Attributes
    ----------
    guests, preferences, important_dates, stays, stay_lines, interactions, complaints,
    responses : pandas.DataFrame
        What the hotel's systems recorded (``stays`` are orders, ``stay_lines`` order
        lines). Timestamps are UTC; dates are day-precision ``datetime64``.
    survey_items : pandas.DataFrame
        The ``acsi-hotel`` questionnaire: code, construct, scale and wording (en, zh).
    latent : pandas.DataFrame
        Per guest, what no system sees: the six ACSI latent scores, price sensitivity,
        spending power, business traveller.
    stay_truth : pandas.DataFrame
        Per stay, the causes of the return decision and its outcome: satisfaction,
        complaint class, recency, price sensitivity, the true probability ``p_return``,
        ``returned_365`` and ``observed`` (check-out at least 365 days before ``as_of``).
    truth : dict
        The planted numbers: path coefficients, return model, implied retention by
        complaint class, ranking of churn drivers (see ``docs/demo.md``).
    """

    guests: pd.DataFrame
    preferences: pd.DataFrame
    important_dates: pd.DataFrame
    stays: pd.DataFrame
    stay_lines: pd.DataFrame
    interactions: pd.DataFrame
    complaints: pd.DataFrame
    responses: pd.DataFrame
    survey_items: pd.DataFrame
    latent: pd.DataFrame
    stay_truth: pd.DataFrame
    truth: dict[str, Any] = field(default_factory=dict)

    FRAMES = (
        "guests",
        "preferences",
        "important_dates",
        "stays",
        "stay_lines",
        "interactions",
        "complaints",
        "responses",
    )

    def counts(self) -> dict[str, int]:
        """Rows per recorded frame."""
        return {name: len(getattr(self, name)) for name in self.FRAMES}

    def frame_for(self, kind: str) -> pd.DataFrame:
        """The frame an importer ``kind`` ("customers", "order-lines" …) reads."""
        name = {
            "customers": "guests",
            "orders": "stays",
            "order-lines": "stay_lines",
            "important-dates": "important_dates",
        }.get(kind, kind)
        return getattr(self, name)

    def write_csv(self, folder: str | Path) -> dict[str, Path]:
        """Write one UTF-8 CSV per importer kind into ``folder``; returns kind → path.

        Files follow ``IMPORT_FILES`` (importer column names, ISO dates and UTC
        timestamps); ``survey_items.csv`` describes the questionnaire.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        for kind, (file_name, columns) in IMPORT_FILES.items():
            frame = self.frame_for(kind)[columns]
            path = folder / file_name
            safe_frame(frame).to_csv(path, index=False, date_format=None)
            written[kind] = path
        safe_frame(self.survey_items).to_csv(folder / "survey_items.csv", index=False)
        return written


def generate_hotel(
    seed: int = 7, n_guests: int = 3000, as_of: date = date(2026, 11, 1)
) -> HotelData:
    """Generate the synthetic hotel world (``n_guests`` regular guests plus ``H-ORIENTAL``).

    Parameters
    ----------
    seed : int, default=7
        Seed of the one random generator; same arguments → identical frames.
    n_guests : int, default=3000
        Number of regular guests (ids ``H000001`` …); the Oriental guest comes on top.
    as_of : datetime.date, default=2026-11-01
        The day the data are pulled: nothing happens after it.

    Returns
    -------
    HotelData
    """
    if n_guests < 1:
        raise InputError(_("n_guests must be at least 1, got {n}").format(n=n_guests))
    horizon_end = (as_of - EPOCH).days
    if horizon_end < 400:
        raise InputError(
            _("as_of must be at least 400 days after {epoch}, got {as_of}").format(
                epoch=EPOCH, as_of=as_of
            )
        )
    data = HotelData(**world.build(np.random.default_rng(seed), n_guests, as_of))
    data.truth = planted_truth(seed, n_guests, as_of, data.stay_truth)
    return data
