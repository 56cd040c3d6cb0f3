"""The planted truth of the synthetic hotel: the numbers analyses must recover.

Computed from the generator's constants and the per-stay causes (``stay_truth``), over
the stays whose 365-day outcome is observable by ``as_of``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from patron.data import _hotel_model as M
from patron.data import hotel_vocab as V


def planted_truth(seed: int, n: int, as_of: date, stay_truth: pd.DataFrame) -> dict[str, Any]:
    structure = M.acsi_structure()
    observed = stay_truth[stay_truth["observed"]]
    sat = observed["satisfaction"].to_numpy()
    recency = observed["recency_years"].to_numpy()
    price = observed["price_sensitivity"].to_numpy()
    classes = {"none": 0, "resolved": 1, "unresolved": 2}
    cclass = observed["complaint_class"].map(classes).to_numpy()
    implied = observed.groupby("complaint_class")["p_return"].mean()
    counterfactual = {
        name: float(M.sigmoid(M.logit_return(sat, np.full(sat.size, code), recency, price)).mean())
        for name, code in classes.items()
    }
    m = M.RETURN_MODEL
    spread = {
        "satisfaction": float(np.std(sat)),
        "complaint_unresolved": float(np.std(cclass == 2)),
        "recency_years": float(np.std(recency)),
        "price_sensitivity": float(np.std(price)),
        "complaint_resolved": float(np.std(cclass == 1)),
    }
    seen_as = {
        "satisfaction": "survey answers (SAT1–SAT3, NPS) — the guest's satisfaction",
        "complaint_unresolved": "complaints closed unresolved (outcome = unresolved)",
        "recency_years": "time since the previous stay (days since last stay)",
        "price_sensitivity": "discount share of room revenue, OTA bookings",
        "complaint_resolved": "complaints resolved (outcome = resolved)",
    }
    drivers = sorted(
        (
            {
                "driver": name,
                "coefficient": m[name],
                "sd": sd,
                "standardised_effect": abs(m[name]) * sd,
                "direction": "up" if m[name] > 0 else "down",
                "observed_as": seen_as[name],
            }
            for name, sd in spread.items()
        ),
        key=lambda d: -d["standardised_effect"],
    )
    quintile = pd.qcut(observed["satisfaction"], 5, labels=False)
    by_quintile = observed.groupby(quintile)["p_return"].mean()
    return {
        "synthetic": True,
        "seed": seed,
        "n_guests": n,
        "as_of": as_of.isoformat(),
        "epoch": M.EPOCH.isoformat(),
        "acsi": {
            "constructs": list(M.CONSTRUCTS),
            "paths": [
                {"from": cause, "to": effect, "coefficient": coefficient}
                for cause, effect, coefficient in M.ACSI_PATHS
            ],
            "r_squared": structure["r_squared"],
            "loadings": {code: loading for code, _c, loading, _e, _z in V.ACSI_ITEMS},
            "item_centre": dict(V.ITEM_CENTRE),
            "item_spread": V.ITEM_SPREAD,
            "nps": dict(M.NPS_MODEL),
            "survey_rate": M.SURVEY_RATE,
            "missing_answer_rate": M.MISSING_ANSWER_RATE,
            "level": "guest (one latent profile per guest; answers add item noise)",
        },
        "complaint_model": dict(M.COMPLAINT_MODEL),
        "resolution_model": dict(M.RESOLUTION_MODEL),
        "return_model": {
            "outcome": "stays again within 365 days of check-out",
            "horizon_days": M.HORIZON_DAYS,
            "coefficients": dict(m),
            "recency": "years from the previous check-out (acquisition for a first stay) to check-in",
            "satisfaction": "the guest's standardised latent satisfaction",
            "price_sensitivity": "the guest's standardised price sensitivity",
            "p_winback": M.P_WINBACK,
            "winback_mean_extra_days": M.WINBACK_MEAN_EXTRA_DAYS,
        },
        "observed_stays": {
            "definition": "check-out at least 365 days before as_of",
            "count": int(len(observed)),
            "by_complaint_class": {
                name: int((cclass == code).sum()) for name, code in classes.items()
            },
        },
        "retention_by_complaint": {name: float(implied.get(name, np.nan)) for name in classes},
        "retention_counterfactual": counterfactual,
        "retention_effect": {
            "resolved_vs_none": counterfactual["resolved"] - counterfactual["none"],
            "unresolved_vs_none": counterfactual["unresolved"] - counterfactual["none"],
        },
        "retention_by_satisfaction_quintile": [float(v) for v in by_quintile.to_numpy()],
        "churn_drivers": drivers,
        "driver_ranking": [d["driver"] for d in drivers],
        "non_drivers": ["gender", "language", "city", "country", "birthday", "name"],
        "oriental": {
            "customer_id": M.ORIENTAL_ID,
            "name": "Chen Wei",
            "name_zh": "陈伟",
            "last_stay": M.three_years_before(as_of).isoformat(),
            "birthday": M.oriental_birthday(as_of).isoformat(),
            "preferences": {"breakfast": "sandwich, coffee, egg", "seat": "window, 2nd floor"},
        },
    }
