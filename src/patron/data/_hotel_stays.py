"""When and how the synthetic guests stay: each guest's chain of stays, the Oriental guest, the stay frames."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from patron.data import _hotel_model as M
from patron.data import hotel_vocab as V


def _season(day: np.ndarray) -> np.ndarray:
    """Rates peak in spring and autumn holidays; a smooth ±15 % cycle is enough here."""
    doy = (np.datetime64(M.EPOCH.isoformat(), "D") + day.astype("timedelta64[D]")).astype(
        "datetime64[D]"
    )
    doy = (doy - doy.astype("datetime64[Y]").astype("datetime64[D]")).astype(int)
    return 1.0 + 0.15 * np.sin(2 * np.pi * (doy - 105) / 365.25)


ROOM_RATES = np.array([r[1] for r in V.ROOM_TYPES])
PROPERTY_FACTORS = np.array([p[2] for p in V.PROPERTIES])


def stays(rng: np.random.Generator, g: dict[str, Any], n: int, end_day: int) -> dict[str, Any]:
    """Simulate every regular guest's chain of stays, one stay number at a time."""
    shares = np.array([p[3] for p in V.PROPERTIES])
    shares = shares / shares.sum()
    guest = np.flatnonzero(g["first_checkin"] <= end_day)
    checkin = g["first_checkin"][guest]
    previous = g["acquired"][guest].astype(float)
    chunks: list[dict[str, np.ndarray]] = []
    while guest.size:
        m = guest.size
        eta, price, wealth = g["eta"][guest], g["price"][guest], g["wealth"][guest]
        business = g["business"][guest]
        nights = 1 + rng.poisson(np.where(business, 0.8, 1.8))
        nights = np.minimum(nights, 14)
        prop = np.where(
            rng.random(m) < 0.75, g["home"][guest], rng.choice(len(shares), size=m, p=shares)
        )
        channel = M.choose(
            rng,
            np.column_stack(
                [
                    np.full(m, 0.5),
                    np.full(m, -0.3),
                    -0.2 + 0.9 * price,
                    np.where(business, 1.2, -3.0),
                    np.full(m, -2.2),
                ]
            ),
        )
        room = M.choose(
            rng,
            np.column_stack(
                [np.zeros(m), -0.3 + 0.8 * wealth - 0.4 * price, -2.2 + 1.2 * wealth - 0.4 * price]
            ),
        )
        rate = ROOM_RATES[room] * PROPERTY_FACTORS[prop] * _season(checkin)
        rate = M.round2(rate * np.exp(rng.normal(0.0, 0.05, size=m)))
        gross = rate * nights
        discounted = rng.random(m) < M.sigmoid(-1.0 + 1.3 * price)
        discount_rate = np.clip(0.08 + 0.05 * price + rng.normal(0, 0.03, size=m), 0.02, 0.35)
        discount = np.where(discounted, M.round2(gross * discount_rate), 0.0)
        pair = ~business & (rng.random(m) < 0.5)
        breakfast = np.where(
            rng.random(m) < 0.55, V.EXTRAS["breakfast"][2] * nights * (1 + pair), 0.0
        )
        restaurant = np.where(
            rng.random(m) < M.sigmoid(-0.4 + 0.8 * wealth),
            M.round2(V.EXTRAS["restaurant"][2] * np.exp(0.35 * wealth + rng.normal(0, 0.4, m))),
            0.0,
        )
        bar = np.where(
            rng.random(m) < 0.30,
            M.round2(V.EXTRAS["bar"][2] * np.exp(rng.normal(0, 0.5, m))),
            0.0,
        )
        spa = np.where(
            rng.random(m) < M.sigmoid(-1.3 + 0.9 * wealth),
            M.round2(V.EXTRAS["spa"][2] * np.exp(0.2 * wealth + rng.normal(0, 0.3, m))),
            0.0,
        )
        minute = rng.integers(0, 6 * 60, size=m)
        complaint = rng.random(m) < M.sigmoid(
            M.COMPLAINT_MODEL["intercept"] + M.COMPLAINT_MODEL["quality"] * eta[:, M.QUAL]
        )
        severity = rng.choice(3, size=m, p=[s[0] for s in V.SEVERITIES.values()])
        resolved = rng.random(m) < M.sigmoid(
            M.RESOLUTION_MODEL["intercept"] + M.RESOLUTION_MODEL["high_severity"] * (severity == 2)
        )
        cclass = np.where(complaint, np.where(resolved, 1, 2), 0)
        recency = (checkin - previous) / 365.25
        p_return = M.sigmoid(M.logit_return(eta[:, M.SAT], cclass, recency, price))
        returned = rng.random(m) < p_return
        winback = ~returned & (rng.random(m) < M.P_WINBACK)
        soon = 1 + np.floor((M.HORIZON_DAYS - 1) * rng.beta(*M.RETURN_GAP_BETA, size=m))
        late = M.HORIZON_DAYS + 1 + np.floor(rng.exponential(M.WINBACK_MEAN_EXTRA_DAYS, size=m))
        checkout = checkin + nights
        next_checkin = np.where(returned, checkout + soon, checkout + late).astype(int)
        goes_on = (returned | winback) & (next_checkin <= end_day)
        chunks.append(
            {
                "guest": guest,
                "checkin": checkin,
                "checkin_s": checkin.astype("int64") * M.DAY + 6 * M.HOUR + minute * 60,
                "nights": nights,
                "property": prop,
                "channel": channel,
                "room": room,
                "rate": rate,
                "gross": gross,
                "discount": discount,
                "breakfast": breakfast,
                "restaurant": restaurant,
                "bar": bar,
                "spa": spa,
                "complaint": complaint,
                "severity": severity,
                "cclass": cclass,
                "recency": recency,
                "p_return": p_return,
                "returned": returned,
                "next_checkin": np.where(returned | winback, next_checkin, -1),
            }
        )
        guest, previous = guest[goes_on], checkout[goes_on].astype(float)
        checkin = next_checkin[goes_on]
    return {key: np.concatenate([c[key] for c in chunks]) for key in chunks[0]}


def add_oriental(g: dict[str, Any], s: dict[str, Any], as_of: date) -> None:
    """Append Chen Wei: a suite regular every three months until three years ago."""
    index = len(g["customer_id"])
    last = (M.three_years_before(as_of) - M.EPOCH).days
    gaps = np.array([88, 91, 95, 86, 90, 93, 87, 92, 89, 94, 90])
    checkin = np.concatenate([last - np.cumsum(gaps)[::-1], [last]]).astype(int)
    k = checkin.size
    nights = np.full(k, 3)
    acquired = int(checkin[0]) - 30
    eta = np.array([[0.8, 1.0, 0.9, 1.2, 0.7, 1.3]])
    price, wealth = -1.0, 2.0
    birthday = (M.oriental_birthday(as_of) - M.EPOCH).days
    single = {
        "customer_id": M.ORIENTAL_ID,
        "name": "Chen Wei",
        "name_zh": "陈伟",
        "email": "chen.wei@example.cn",
        "phone": "+852 5550 0188",
        "birthday": float(birthday),
        "gender": "male",
        "city": "Hong Kong",
        "region": "Hong Kong",
        "country": "HK",
        "language": "en",
        "acquired": acquired,
        "acquisition_channel": "referral",
        "consent_email": True,
        "consent_sms": True,
        "consent_phone": True,
        "price": price,
        "wealth": wealth,
        "business": False,
        "home": 0,
        "first_checkin": int(checkin[0]),
    }
    for key, value in single.items():
        g[key] = np.append(g[key], np.asarray([value], dtype=g[key].dtype))
    g["eta"] = np.vstack([g["eta"], eta])
    rate = M.round2(ROOM_RATES[2] * PROPERTY_FACTORS[0] * _season(checkin))
    previous = np.concatenate([[acquired], checkin[:-1] + nights[:-1]])
    recency = (checkin - previous) / 365.25
    cclass = np.zeros(k, dtype=int)
    every_other = (np.arange(k) % 2 == 0).astype(float)
    extra = {
        "guest": np.full(k, index),
        "checkin": checkin,
        "checkin_s": checkin.astype("int64") * M.DAY + 7 * M.HOUR,
        "nights": nights,
        "property": np.zeros(k, dtype=int),
        "channel": np.zeros(k, dtype=int),
        "room": np.full(k, 2),
        "rate": rate,
        "gross": rate * nights,
        "discount": np.zeros(k),
        "breakfast": V.EXTRAS["breakfast"][2] * nights.astype(float),
        "restaurant": np.full(k, 140.0),
        "bar": 48.0 * every_other,
        "spa": 180.0 * every_other,
        "complaint": np.zeros(k, dtype=bool),
        "severity": np.zeros(k, dtype=int),
        "cclass": cclass,
        "recency": recency,
        "p_return": M.sigmoid(
            M.logit_return(np.full(k, eta[0, M.SAT]), cclass, recency, np.full(k, price))
        ),
        "returned": np.arange(k) < k - 1,
        "next_checkin": np.concatenate([checkin[1:], [-1]]),
    }
    for key, value in extra.items():
        s[key] = np.concatenate([s[key], np.asarray(value, dtype=s[key].dtype)])


def sorted_stays(s: dict[str, Any]) -> dict[str, Any]:
    order = np.lexsort((s["guest"], s["checkin_s"]))
    return {key: value[order] for key, value in s.items()}


def stay_frames(
    s: dict[str, Any], g: dict[str, Any], end_day: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    k = s["guest"].size
    order_id = M.make_ids("S", k, 7)
    customer = g["customer_id"][s["guest"]]
    checkout = s["checkin"] + s["nights"]
    room_type = M.pick([r[0] for r in V.ROOM_TYPES], s["room"])
    room_revenue = M.round2(s["gross"] - s["discount"])
    fnb = s["breakfast"] + s["restaurant"] + s["bar"]
    amount = M.round2(room_revenue + fnb + s["spa"])
    extra_cost = sum(s[name] * V.EXTRAS[name][3] for name in V.EXTRAS)
    cost = M.round2(V.ROOM_COST_SHARE * s["gross"] + extra_cost)
    stays = pd.DataFrame(
        {
            "order_id": order_id.astype(object),
            "customer_id": customer,
            "ordered_at": M.to_utc(s["checkin_s"]),
            "check_in": M.to_dates(s["checkin"].astype(float)),
            "check_out": M.to_dates(checkout.astype(float)),
            "nights": s["nights"],
            "quantity": s["nights"].astype(float),
            "location": M.pick([p[0] for p in V.PROPERTIES], s["property"]),
            "unit": M.pick([p[0] for p in V.PROPERTY_UNITS], s["property"]),
            "channel": M.pick(V.BOOKING_CHANNELS, s["channel"]),
            "room_type": room_type,
            "rate": s["rate"],
            "room_revenue": room_revenue,
            "fnb_revenue": M.round2(fnb),
            "spa_revenue": s["spa"],
            "amount": amount,
            "cost": cost,
            "discount": s["discount"],
            "status": np.where(checkout <= end_day, "completed", "in_house").astype(object),
        }
    )
    stays["dataset"] = "hotel"
    # Lines: room first, then breakfast, dinner, bar, spa where bought.
    amounts = np.column_stack([room_revenue, s["breakfast"], s["restaurant"], s["bar"], s["spa"]])
    present = amounts > 0
    line_no = np.cumsum(present, axis=1)
    rows, cols = np.nonzero(present)
    products = np.array(
        ["", *[V.EXTRAS[name][0] for name in ("breakfast", "restaurant", "bar", "spa")]],
        dtype=object,
    )
    categories = np.array(
        ["room", *[V.EXTRAS[name][1] for name in ("breakfast", "restaurant", "bar", "spa")]],
        dtype=object,
    )
    cost_share = np.array(
        [
            V.ROOM_COST_SHARE,
            *[V.EXTRAS[name][3] for name in ("breakfast", "restaurant", "bar", "spa")],
        ]
    )
    product = products[cols]
    is_room = cols == 0
    product[is_room] = np.char.add(room_type[rows[is_room]].astype(str), " room")
    line_amount = amounts[rows, cols]
    line_cost = np.where(is_room, s["gross"][rows] * cost_share[0], line_amount * cost_share[cols])
    stay_lines = pd.DataFrame(
        {
            "order_id": order_id[rows].astype(object),
            "customer_id": customer[rows],
            "line_no": line_no[rows, cols],
            "product": product,
            "category": categories[cols],
            "quantity": np.where((cols == 0) | (cols == 1), s["nights"][rows], 1).astype(float),
            "amount": M.round2(line_amount),
            "cost": M.round2(line_cost),
            "discount": np.where(is_room, s["discount"][rows], 0.0),
        }
    )
    classes = np.array(["none", "resolved", "unresolved"], dtype=object)
    next_checkin = s["next_checkin"].astype(float)
    next_checkin[(s["next_checkin"] < 0) | (s["next_checkin"] > end_day)] = np.nan
    stay_truth = pd.DataFrame(
        {
            "order_id": order_id.astype(object),
            "customer_id": customer,
            "satisfaction": g["eta"][s["guest"], M.SAT],
            "complaint_class": classes[s["cclass"]],
            "recency_years": s["recency"],
            "price_sensitivity": g["price"][s["guest"]],
            "p_return": s["p_return"],
            "returned_365": s["returned"],
            "next_check_in": M.to_dates(next_checkin),
            "observed": checkout + M.HORIZON_DAYS <= end_day,
        }
    )
    return stays, stay_lines, stay_truth
