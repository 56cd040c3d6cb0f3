"""Who the synthetic guests are: names, contacts, consent, hidden traits, preferences, dates."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from patron.data import _hotel_model as M
from patron.data import hotel_vocab as V


def guests(rng: np.random.Generator, n: int, as_of: date, end_day: int) -> dict[str, Any]:
    chinese = rng.random(n) < 0.65
    female = rng.random(n) < 0.5
    zh_family = rng.integers(len(V.ZH_FAMILY), size=n)
    zh_given = rng.integers(len(V.ZH_FEMALE), size=n)
    en_given = rng.integers(len(V.EN_FEMALE), size=n)
    en_family = rng.integers(len(V.EN_FAMILY), size=n)
    zh_family_py = M.pick([f[0] for f in V.ZH_FAMILY], zh_family)
    zh_family_hz = M.pick([f[1] for f in V.ZH_FAMILY], zh_family)
    given_py = np.where(
        female,
        M.pick([f[0] for f in V.ZH_FEMALE], zh_given),
        M.pick([m[0] for m in V.ZH_MALE], zh_given),
    )
    given_hz = np.where(
        female,
        M.pick([f[1] for f in V.ZH_FEMALE], zh_given),
        M.pick([m[1] for m in V.ZH_MALE], zh_given),
    )
    # Only the special guest is called Chen Wei, so the Oriental story has one hero.
    clash = (zh_family_py == "Chen") & (given_py == "Wei")
    given_py[clash & ~female] = "Jian"
    given_hz[clash & ~female] = "建"
    en_first = np.where(female, M.pick(V.EN_FEMALE, en_given), M.pick(V.EN_MALE, en_given))
    en_last = M.pick(V.EN_FAMILY, en_family)
    first = np.where(chinese, given_py, en_first)
    last = np.where(chinese, zh_family_py, en_last)
    number = np.arange(1, n + 1)
    local = pd.Series(first).str.lower() + "." + pd.Series(last).str.lower()
    local = local + "." + pd.Series(number).astype(str)
    email = local + np.where(chinese, "@example.cn", "@example.com")
    mobile = rng.integers(0, 10**8, size=n)
    london = rng.integers(0, 1000, size=n)
    phone = np.where(
        chinese,
        pd.Series(mobile).map(lambda m: f"+86 139 {m // 10**4:04d} {m % 10**4:04d}"),
        pd.Series(london).map(lambda m: f"+44 20 7946 0{m:03d}"),
    )
    age_days = rng.uniform(22, 75, size=n) * 365.25
    birthday = np.floor(end_day - age_days)
    birthday[rng.random(n) < 0.10] = np.nan  # not every guest tells
    zh_city = rng.integers(len(V.ZH_CITIES), size=n)
    intl_city = rng.integers(len(V.INTL_CITIES), size=n)
    home_abroad = np.where(chinese, rng.random(n) < 0.10, True)
    cities = np.where(
        home_abroad[:, None], _city_rows(V.INTL_CITIES, intl_city), _city_rows(V.ZH_CITIES, zh_city)
    )
    language = np.where(chinese & (rng.random(n) < 0.90), "zh_CN", "en")
    consent_email = rng.random(n) >= M.EMAIL_OPT_OUT
    consent_sms = rng.random(n) < 0.60
    consent_phone = rng.random(n) < 0.40
    eta = M.latent_scores(rng, n)
    price = rng.standard_normal(n)
    wealth = rng.standard_normal(n)
    business = rng.random(n) < 0.40
    acq_logits = np.column_stack(
        [
            np.full(n, 0.6),
            0.8 * price,
            np.where(business, 1.5, -2.0),
            np.full(n, -0.5),
            np.full(n, -0.6),
            np.full(n, -1.5),
        ]
    )
    acquisition = M.pick(V.ACQUISITION_CHANNELS, M.choose(rng, acq_logits))
    shares = np.array([p[3] for p in V.PROPERTIES])
    home = rng.choice(len(V.PROPERTIES), size=n, p=shares / shares.sum())
    acquired = rng.integers(0, end_day, size=n)
    first_checkin = acquired + np.floor(rng.exponential(25.0, size=n)).astype(int)
    return {
        "customer_id": M.make_ids("H", n, 6).astype(object),
        "name": np.char.add(np.char.add(first.astype(str), " "), last.astype(str)).astype(object),
        "name_zh": np.where(
            chinese, np.char.add(zh_family_hz.astype(str), given_hz.astype(str)), None
        ).astype(object),
        "email": email.to_numpy(dtype=object),
        "phone": np.asarray(phone, dtype=object),
        "birthday": birthday,
        "gender": np.where(female, "female", "male").astype(object),
        "city": cities[:, 0],
        "region": cities[:, 1],
        "country": cities[:, 2],
        "language": language.astype(object),
        "acquired": acquired,
        "acquisition_channel": acquisition,
        "consent_email": consent_email,
        "consent_sms": consent_sms,
        "consent_phone": consent_phone,
        "eta": eta,
        "price": price,
        "wealth": wealth,
        "business": business,
        "home": home,
        "first_checkin": first_checkin,
    }


def _city_rows(cities: list[tuple[str, str, str]], index: np.ndarray) -> np.ndarray:
    return np.asarray(cities, dtype=object)[index]


def guest_frames(g: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    guests = pd.DataFrame(
        {
            "customer_id": g["customer_id"],
            "name": g["name"],
            "name_zh": g["name_zh"],
            "email": g["email"],
            "phone": g["phone"],
            "birthday": M.to_dates(g["birthday"]),
            "gender": g["gender"],
            "city": g["city"],
            "region": g["region"],
            "country": g["country"],
            "language": g["language"],
            "acquired_at": M.to_dates(g["acquired"].astype(float)),
            "acquisition_channel": g["acquisition_channel"],
            "consent_email": g["consent_email"],
            "consent_sms": g["consent_sms"],
            "consent_phone": g["consent_phone"],
            "dataset": "hotel",
        }
    )
    latent = pd.DataFrame(g["eta"], columns=list(M.CONSTRUCTS))
    latent.insert(0, "customer_id", g["customer_id"])
    latent["price_sensitivity"] = g["price"]
    latent["spending_power"] = g["wealth"]
    latent["business"] = g["business"]
    return guests, latent


def preferences(
    rng: np.random.Generator, s: dict[str, Any], g: dict[str, Any], n: int
) -> pd.DataFrame:
    total = len(g["customer_id"])
    n_stays = np.bincount(s["guest"], minlength=total)
    last_seen = np.zeros(total, dtype="int64")
    np.maximum.at(last_seen, s["guest"], s["checkin_s"])
    regular = (n_stays > 0) & (np.arange(total) < n)
    parts = []
    for key, (values, share, source) in V.PREFERENCES.items():
        has = regular & (rng.random(total) < share)
        value = rng.integers(len(values), size=total)
        times = 1 + rng.binomial(np.maximum(n_stays - 1, 0), 0.6)
        idx = np.flatnonzero(has)
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": g["customer_id"][idx],
                    "key": key,
                    "value": M.pick(values, value[idx]),
                    "seconds": last_seen[idx] + 2 * M.HOUR,
                    "source": source,
                    "times_observed": times[idx],
                }
            )
        )
    oriental = n  # the last guest
    parts.append(
        pd.DataFrame(
            {
                "customer_id": M.ORIENTAL_ID,
                "key": ["breakfast", "seat"],
                "value": ["sandwich, coffee, egg", "window, 2nd floor"],
                "seconds": last_seen[oriental] + 2 * M.HOUR,
                "source": "restaurant",
                "times_observed": int(n_stays[oriental]),
            }
        )
    )
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(3, "observed_at", M.to_utc(frame["seconds"].to_numpy()))
    frame = frame.drop(columns="seconds")
    return frame.sort_values(["customer_id", "key"], kind="stable").reset_index(drop=True)


def important_dates(rng: np.random.Generator, g: dict[str, Any], end_day: int) -> pd.DataFrame:
    total = len(g["customer_id"])
    born = ~np.isnan(g["birthday"])
    age_years = np.where(born, (end_day - np.nan_to_num(g["birthday"])) / 365.25, 0)
    married = born & (age_years >= 25) & (rng.random(total) < 0.22)
    years = 1 + np.floor(rng.random(total) * np.maximum(age_years - 24, 1))
    wedding = np.floor(end_day - years * 365.25 - rng.integers(0, 365, size=total))
    birthdays = pd.DataFrame(
        {
            "customer_id": g["customer_id"][born],
            "kind": "birthday",
            "date": M.to_dates(g["birthday"][born]),
            "label": "Birthday",
            "recurring": True,
        }
    )
    weddings = pd.DataFrame(
        {
            "customer_id": g["customer_id"][married],
            "kind": "wedding_anniversary",
            "date": M.to_dates(wedding[married]),
            "label": "Wedding anniversary",
            "recurring": True,
        }
    )
    frame = pd.concat([birthdays, weddings], ignore_index=True)
    return frame.sort_values(["customer_id", "kind"], kind="stable").reset_index(drop=True)
