"""What the synthetic hotel's model is: its constants, the planted causes, and small drawing helpers.

Shared by the generator (``_hotel_world`` and its parts), the planted truth and the
``patron.data.hotel`` facade; the story itself is told in ``patron.data.hotel``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

EPOCH = date(2021, 1, 1)
ORIENTAL_ID = "H-ORIENTAL"
CONSTRUCTS = ("expectation", "quality", "value", "satisfaction", "complaints", "loyalty")
# (cause, effect, standardised path coefficient) — ACSI, Fornell et al. 1996.
ACSI_PATHS = (
    ("expectation", "quality", 0.55),
    ("expectation", "value", 0.10),
    ("quality", "value", 0.60),
    ("expectation", "satisfaction", 0.10),
    ("quality", "satisfaction", 0.50),
    ("value", "satisfaction", 0.30),
    ("satisfaction", "complaints", 0.50),
    ("satisfaction", "loyalty", 0.55),
    ("complaints", "loyalty", 0.15),
)
# Logit of "stays again within 365 days of check-out" (see the module docstring).
RETURN_MODEL = {
    "intercept": 0.3,
    "satisfaction": 0.9,
    "complaint_resolved": 0.6,
    "complaint_unresolved": -1.8,
    "recency_years": -0.5,
    "price_sensitivity": -0.5,
}
COMPLAINT_MODEL = {"intercept": -2.4, "quality": -0.7}
RESOLUTION_MODEL = {"intercept": 1.2, "high_severity": -0.9}
NPS_MODEL = {"centre": 7.0, "spread": 2.0, "loading": 0.8}
HORIZON_DAYS = 365
P_WINBACK = 0.30  # a guest who did not return within the horizon comes back later
WINBACK_MEAN_EXTRA_DAYS = 450.0
RETURN_GAP_BETA = (1.3, 2.2)  # days to return, as a share of the 365-day horizon
SURVEY_RATE = 0.30
MISSING_ANSWER_RATE = 0.02
EMAIL_OPT_OUT = 0.08
DAY = 86_400
HOUR = 3_600
SAT = CONSTRUCTS.index("satisfaction")
QUAL = CONSTRUCTS.index("quality")


def pick(values: list[Any] | tuple[Any, ...], index: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=object)[index]


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def choose(rng: np.random.Generator, logits: np.ndarray) -> np.ndarray:
    """One category per row with probabilities softmax(logits) (Gumbel-max trick)."""
    return np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)


def acsi_structure() -> dict[str, Any]:
    """Implied latent covariance, residual variances and R² of ``ACSI_PATHS``."""
    index = {name: i for i, name in enumerate(CONSTRUCTS)}
    k = len(CONSTRUCTS)
    beta = np.zeros((k, k))  # beta[effect, cause]
    for cause, effect, coefficient in ACSI_PATHS:
        beta[index[effect], index[cause]] = coefficient
    sigma = np.zeros((k, k))
    residual = np.zeros(k)
    for j in range(k):  # CONSTRUCTS is in causal order
        b = beta[j, :j]
        explained = float(b @ sigma[:j, :j] @ b)
        residual[j] = 1.0 - explained
        sigma[j, :j] = sigma[:j, j] = sigma[:j, :j] @ b
        sigma[j, j] = 1.0
    return {
        "beta": beta,
        "covariance": sigma,
        "residual_variance": dict(zip(CONSTRUCTS, residual.tolist(), strict=True)),
        "r_squared": {
            c: float(1.0 - r) for c, r in zip(CONSTRUCTS, residual, strict=True) if r < 1
        },
    }


def latent_scores(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` × 6 standardised ACSI latent scores following ``ACSI_PATHS``."""
    structure = acsi_structure()
    beta = structure["beta"]
    residual_sd = np.sqrt(np.array(list(structure["residual_variance"].values())))
    eta = np.zeros((n, len(CONSTRUCTS)))
    shocks = rng.standard_normal((n, len(CONSTRUCTS)))
    for j in range(len(CONSTRUCTS)):
        eta[:, j] = eta[:, :j] @ beta[j, :j] + residual_sd[j] * shocks[:, j]
    return eta


def make_ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


def to_utc(seconds: np.ndarray) -> pd.DatetimeIndex:
    """Seconds since ``EPOCH`` → UTC timestamps (microsecond unit, like the warehouse)."""
    base = np.datetime64(EPOCH.isoformat(), "s")
    return pd.DatetimeIndex(base + seconds.astype("int64")).as_unit("us").tz_localize("UTC")


def to_dates(days: np.ndarray) -> pd.DatetimeIndex:
    """Days since ``EPOCH`` → day-precision dates (NaN stays NaT)."""
    base = np.datetime64(EPOCH.isoformat(), "D")
    values = np.where(np.isnan(days), np.iinfo(np.int64).min, days).astype("int64")
    out = base + values.astype("timedelta64[D]")
    out = np.where(np.isnan(days), np.datetime64("NaT"), out)
    return pd.DatetimeIndex(out.astype("datetime64[s]"))


def round2(x: np.ndarray) -> np.ndarray:
    return np.round(x, 2)


def oriental_birthday(as_of: date) -> date:
    """Chen Wei's birthday: five days after ``as_of``, 48 years earlier."""
    day = as_of + timedelta(days=5)
    try:
        return day.replace(year=day.year - 48)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 48, day=28)


def three_years_before(as_of: date) -> date:
    """The Oriental guest's last check-in."""
    try:
        return as_of.replace(year=as_of.year - 3)
    except ValueError:
        return as_of.replace(year=as_of.year - 3, day=28)


def logit_return(
    satisfaction: np.ndarray,
    complaint_class: np.ndarray,
    recency_years: np.ndarray,
    price_sensitivity: np.ndarray,
) -> np.ndarray:
    """The planted log-odds of returning within 365 days (class 0 none, 1 resolved, 2 unresolved)."""
    m = RETURN_MODEL
    return (
        m["intercept"]
        + m["satisfaction"] * satisfaction
        + m["complaint_resolved"] * (complaint_class == 1)
        + m["complaint_unresolved"] * (complaint_class == 2)
        + m["recency_years"] * recency_years
        + m["price_sensitivity"] * price_sensitivity
    )
