"""How the synthetic hotel world is drawn, step by step (the engine behind ``generate_hotel``).

Order matters for reproducibility: every step draws from the one generator in the
sequence below, so changing a step changes every later draw.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from patron.data import hotel as H
from patron.data import hotel_vocab as V
from patron.data._hotel_truth import planted_truth

DAY = 86_400
HOUR = 3_600
SAT = H.CONSTRUCTS.index("satisfaction")
QUAL = H.CONSTRUCTS.index("quality")


def build(rng: np.random.Generator, seed: int, n: int, as_of: date) -> H.HotelData:
    end_day = (as_of - H.EPOCH).days  # index of the as_of day; events up to its end
    g = _guests(rng, n, as_of, end_day)
    s = _stays(rng, g, n, end_day)
    _add_oriental(g, s, as_of)
    s = _sorted(s)
    stays, stay_lines, stay_truth = _stay_frames(s, g, end_day)
    interactions = _interactions(rng, s, g, end_day)
    complaints = _complaints(rng, s, g, stays, end_day)
    responses = _responses(rng, s, g, end_day)
    guests, latent = _guest_frames(g)
    preferences = _preferences(rng, s, g, n)
    important_dates = _important_dates(rng, g, end_day)
    data = H.HotelData(
        guests=guests,
        preferences=preferences,
        important_dates=important_dates,
        stays=stays,
        stay_lines=stay_lines,
        interactions=interactions,
        complaints=complaints,
        responses=responses,
        survey_items=_survey_items(),
        latent=latent,
        stay_truth=stay_truth,
    )
    data.truth = planted_truth(seed, n, as_of, stay_truth)
    return data


# --- guests -------------------------------------------------------------------------------


def _pick(values: list[Any] | tuple[Any, ...], index: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=object)[index]


def _guests(rng: np.random.Generator, n: int, as_of: date, end_day: int) -> dict[str, Any]:
    chinese = rng.random(n) < 0.65
    female = rng.random(n) < 0.5
    zh_family = rng.integers(len(V.ZH_FAMILY), size=n)
    zh_given = rng.integers(len(V.ZH_FEMALE), size=n)
    en_given = rng.integers(len(V.EN_FEMALE), size=n)
    en_family = rng.integers(len(V.EN_FAMILY), size=n)
    zh_family_py = _pick([f[0] for f in V.ZH_FAMILY], zh_family)
    zh_family_hz = _pick([f[1] for f in V.ZH_FAMILY], zh_family)
    given_py = np.where(
        female,
        _pick([f[0] for f in V.ZH_FEMALE], zh_given),
        _pick([m[0] for m in V.ZH_MALE], zh_given),
    )
    given_hz = np.where(
        female,
        _pick([f[1] for f in V.ZH_FEMALE], zh_given),
        _pick([m[1] for m in V.ZH_MALE], zh_given),
    )
    # Only the special guest is called Chen Wei, so the Oriental story has one hero.
    clash = (zh_family_py == "Chen") & (given_py == "Wei")
    given_py[clash & ~female] = "Jian"
    given_hz[clash & ~female] = "建"
    en_first = np.where(female, _pick(V.EN_FEMALE, en_given), _pick(V.EN_MALE, en_given))
    en_last = _pick(V.EN_FAMILY, en_family)
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
    consent_email = rng.random(n) >= H.EMAIL_OPT_OUT
    consent_sms = rng.random(n) < 0.60
    consent_phone = rng.random(n) < 0.40
    eta = H._latent_scores(rng, n)
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
    acquisition = _pick(V.ACQUISITION_CHANNELS, H._choose(rng, acq_logits))
    shares = np.array([p[3] for p in V.PROPERTIES])
    home = rng.choice(len(V.PROPERTIES), size=n, p=shares / shares.sum())
    acquired = rng.integers(0, end_day, size=n)
    first_checkin = acquired + np.floor(rng.exponential(25.0, size=n)).astype(int)
    return {
        "customer_id": H._ids("H", n, 6).astype(object),
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


# --- stays --------------------------------------------------------------------------------


def _season(day: np.ndarray) -> np.ndarray:
    """Rates peak in spring and autumn holidays; a smooth ±15 % cycle is enough here."""
    doy = (np.datetime64(H.EPOCH.isoformat(), "D") + day.astype("timedelta64[D]")).astype(
        "datetime64[D]"
    )
    doy = (doy - doy.astype("datetime64[Y]").astype("datetime64[D]")).astype(int)
    return 1.0 + 0.15 * np.sin(2 * np.pi * (doy - 105) / 365.25)


ROOM_RATES = np.array([r[1] for r in V.ROOM_TYPES])
PROPERTY_FACTORS = np.array([p[2] for p in V.PROPERTIES])


def _stays(rng: np.random.Generator, g: dict[str, Any], n: int, end_day: int) -> dict[str, Any]:
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
        channel = H._choose(
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
        room = H._choose(
            rng,
            np.column_stack(
                [np.zeros(m), -0.3 + 0.8 * wealth - 0.4 * price, -2.2 + 1.2 * wealth - 0.4 * price]
            ),
        )
        rate = ROOM_RATES[room] * PROPERTY_FACTORS[prop] * _season(checkin)
        rate = H._round2(rate * np.exp(rng.normal(0.0, 0.05, size=m)))
        gross = rate * nights
        discounted = rng.random(m) < H._sigmoid(-1.0 + 1.3 * price)
        discount_rate = np.clip(0.08 + 0.05 * price + rng.normal(0, 0.03, size=m), 0.02, 0.35)
        discount = np.where(discounted, H._round2(gross * discount_rate), 0.0)
        pair = ~business & (rng.random(m) < 0.5)
        breakfast = np.where(
            rng.random(m) < 0.55, V.EXTRAS["breakfast"][2] * nights * (1 + pair), 0.0
        )
        restaurant = np.where(
            rng.random(m) < H._sigmoid(-0.4 + 0.8 * wealth),
            H._round2(V.EXTRAS["restaurant"][2] * np.exp(0.35 * wealth + rng.normal(0, 0.4, m))),
            0.0,
        )
        bar = np.where(
            rng.random(m) < 0.30,
            H._round2(V.EXTRAS["bar"][2] * np.exp(rng.normal(0, 0.5, m))),
            0.0,
        )
        spa = np.where(
            rng.random(m) < H._sigmoid(-1.3 + 0.9 * wealth),
            H._round2(V.EXTRAS["spa"][2] * np.exp(0.2 * wealth + rng.normal(0, 0.3, m))),
            0.0,
        )
        minute = rng.integers(0, 6 * 60, size=m)
        complaint = rng.random(m) < H._sigmoid(
            H.COMPLAINT_MODEL["intercept"] + H.COMPLAINT_MODEL["quality"] * eta[:, QUAL]
        )
        severity = rng.choice(3, size=m, p=[s[0] for s in V.SEVERITIES.values()])
        resolved = rng.random(m) < H._sigmoid(
            H.RESOLUTION_MODEL["intercept"] + H.RESOLUTION_MODEL["high_severity"] * (severity == 2)
        )
        cclass = np.where(complaint, np.where(resolved, 1, 2), 0)
        recency = (checkin - previous) / 365.25
        p_return = H._sigmoid(H.logit_return(eta[:, SAT], cclass, recency, price))
        returned = rng.random(m) < p_return
        winback = ~returned & (rng.random(m) < H.P_WINBACK)
        soon = 1 + np.floor((H.HORIZON_DAYS - 1) * rng.beta(*H.RETURN_GAP_BETA, size=m))
        late = H.HORIZON_DAYS + 1 + np.floor(rng.exponential(H.WINBACK_MEAN_EXTRA_DAYS, size=m))
        checkout = checkin + nights
        next_checkin = np.where(returned, checkout + soon, checkout + late).astype(int)
        goes_on = (returned | winback) & (next_checkin <= end_day)
        chunks.append(
            {
                "guest": guest,
                "checkin": checkin,
                "checkin_s": checkin.astype("int64") * DAY + 6 * HOUR + minute * 60,
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


def _add_oriental(g: dict[str, Any], s: dict[str, Any], as_of: date) -> None:
    """Append Chen Wei: a suite regular every three months until three years ago."""
    index = len(g["customer_id"])
    last = (H.three_years_before(as_of) - H.EPOCH).days
    gaps = np.array([88, 91, 95, 86, 90, 93, 87, 92, 89, 94, 90])
    checkin = np.concatenate([last - np.cumsum(gaps)[::-1], [last]]).astype(int)
    k = checkin.size
    nights = np.full(k, 3)
    acquired = int(checkin[0]) - 30
    eta = np.array([[0.8, 1.0, 0.9, 1.2, 0.7, 1.3]])
    price, wealth = -1.0, 2.0
    birthday = (H.oriental_birthday(as_of) - H.EPOCH).days
    single = {
        "customer_id": H.ORIENTAL_ID,
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
    rate = H._round2(ROOM_RATES[2] * PROPERTY_FACTORS[0] * _season(checkin))
    previous = np.concatenate([[acquired], checkin[:-1] + nights[:-1]])
    recency = (checkin - previous) / 365.25
    cclass = np.zeros(k, dtype=int)
    every_other = (np.arange(k) % 2 == 0).astype(float)
    extra = {
        "guest": np.full(k, index),
        "checkin": checkin,
        "checkin_s": checkin.astype("int64") * DAY + 7 * HOUR,
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
        "p_return": H._sigmoid(
            H.logit_return(np.full(k, eta[0, SAT]), cclass, recency, np.full(k, price))
        ),
        "returned": np.arange(k) < k - 1,
        "next_checkin": np.concatenate([checkin[1:], [-1]]),
    }
    for key, value in extra.items():
        s[key] = np.concatenate([s[key], np.asarray(value, dtype=s[key].dtype)])


def _sorted(s: dict[str, Any]) -> dict[str, Any]:
    order = np.lexsort((s["guest"], s["checkin_s"]))
    return {key: value[order] for key, value in s.items()}


def _stay_frames(
    s: dict[str, Any], g: dict[str, Any], end_day: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    k = s["guest"].size
    order_id = H._ids("S", k, 7)
    customer = g["customer_id"][s["guest"]]
    checkout = s["checkin"] + s["nights"]
    room_type = _pick([r[0] for r in V.ROOM_TYPES], s["room"])
    room_revenue = H._round2(s["gross"] - s["discount"])
    fnb = s["breakfast"] + s["restaurant"] + s["bar"]
    amount = H._round2(room_revenue + fnb + s["spa"])
    extra_cost = sum(s[name] * V.EXTRAS[name][3] for name in V.EXTRAS)
    cost = H._round2(V.ROOM_COST_SHARE * s["gross"] + extra_cost)
    stays = pd.DataFrame(
        {
            "order_id": order_id.astype(object),
            "customer_id": customer,
            "ordered_at": H._utc(s["checkin_s"]),
            "check_in": H._days(s["checkin"].astype(float)),
            "check_out": H._days(checkout.astype(float)),
            "nights": s["nights"],
            "quantity": s["nights"].astype(float),
            "location": _pick([p[0] for p in V.PROPERTIES], s["property"]),
            "unit": _pick([p[0] for p in V.PROPERTY_UNITS], s["property"]),
            "channel": _pick(V.BOOKING_CHANNELS, s["channel"]),
            "room_type": room_type,
            "rate": s["rate"],
            "room_revenue": room_revenue,
            "fnb_revenue": H._round2(fnb),
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
            "amount": H._round2(line_amount),
            "cost": H._round2(line_cost),
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
            "satisfaction": g["eta"][s["guest"], SAT],
            "complaint_class": classes[s["cclass"]],
            "recency_years": s["recency"],
            "price_sensitivity": g["price"][s["guest"]],
            "p_return": s["p_return"],
            "returned_365": s["returned"],
            "next_check_in": H._days(next_checkin),
            "observed": checkout + H.HORIZON_DAYS <= end_day,
        }
    )
    return stays, stay_lines, stay_truth


# --- what happened around the stays -------------------------------------------------------


def _interactions(
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
    known = g["acquired"][s["guest"]].astype("int64") * DAY + HOUR
    parts = []
    parts.append(
        _interaction_part(
            s, confirm, np.maximum(s["checkin_s"] - lead * DAY - 2 * HOUR, known), "email", "booking_confirmation",
            False, np.full(k, "Booking confirmation sent", dtype=object), np.full(k, None),
        )
    )  # fmt: skip
    parts.append(
        _interaction_part(
            s, call, np.maximum(s["checkin_s"] - call_lead * DAY + 3 * HOUR, known), "phone", "call", True,
            _pick(V.CALL_TOPICS, call_topic), _pick(V.STAFF, call_staff),
        )
    )  # fmt: skip
    stay_of_request = np.repeat(np.arange(k), requests)
    r = stay_of_request.size
    when = s["checkin_s"][stay_of_request] + (
        rng.random(r) * s["nights"][stay_of_request] * DAY
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
                "summary": _pick(V.SERVICE_REQUESTS, rng.integers(len(V.SERVICE_REQUESTS), size=r)),
                "staff": _pick(V.STAFF, rng.integers(len(V.STAFF), size=r)),
            }
        )
    )
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[frame["seconds"] < (end_day + 1) * DAY]
    frame = frame.sort_values(["seconds", "guest", "kind"], kind="stable")
    frame.insert(0, "customer_id", g["customer_id"][frame.pop("guest").to_numpy()])
    frame.insert(0, "interaction_id", H._ids("I", len(frame), 7).astype(object))
    frame.insert(2, "occurred_at", H._utc(frame["seconds"].to_numpy()))
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


def _complaints(
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
        (0.1 + 0.8 * rng.random(c)) * s["nights"][which] * DAY
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
    closed = opened + (hours * HOUR).astype("int64")
    fix = rng.integers(len(V.RESOLUTIONS), size=c)
    no_fix = rng.integers(len(V.NON_RESOLUTIONS), size=c)
    still_open = closed >= (end_day + 1) * DAY
    frame = pd.DataFrame(
        {
            "customer_id": g["customer_id"][s["guest"][which]],
            "order_id": stays["order_id"].to_numpy()[which],
            "opened_s": opened,
            "channel": _pick(V.COMPLAINT_CHANNELS, channel),
            "category": np.array([p[0] for p in pairs], dtype=object)[pair],
            "severity": _pick(list(V.SEVERITIES), severity),
            "status": np.where(still_open, "open", np.where(resolved, "resolved", "closed")).astype(
                object
            ),
            "description": np.array([p[1] for p in pairs], dtype=object)[pair],
            "assigned_to": _pick(V.STAFF, staff),
            "sla_due_s": opened + (sla_hours * HOUR).astype("int64"),
            "resolved_s": np.where(still_open, -1, closed),
            "resolution": np.where(
                still_open,
                None,
                np.where(resolved, _pick(V.RESOLUTIONS, fix), _pick(V.NON_RESOLUTIONS, no_fix)),
            ),
            "outcome": np.where(
                still_open, None, np.where(resolved, "resolved", "unresolved")
            ).astype(object),
            "resolution_hours": np.where(still_open, np.nan, np.round(hours, 2)),
        }
    )
    frame = frame.sort_values(["opened_s", "customer_id"], kind="stable").reset_index(drop=True)
    frame.insert(0, "complaint_id", H._ids("C", len(frame), 6).astype(object))
    frame.insert(3, "opened_at", H._utc(frame["opened_s"].to_numpy()))
    frame.insert(10, "sla_due_at", H._utc(frame["sla_due_s"].to_numpy()))
    resolved_at = H._utc(np.maximum(frame["resolved_s"].to_numpy(), 0))
    frame.insert(11, "resolved_at", resolved_at.where(frame["resolved_s"].to_numpy() >= 0))
    return frame.drop(columns=["opened_s", "sla_due_s", "resolved_s"])


def _responses(
    rng: np.random.Generator, s: dict[str, Any], g: dict[str, Any], end_day: int
) -> pd.DataFrame:
    k = s["guest"].size
    asked = rng.random(k) < H.SURVEY_RATE
    delay = rng.integers(1, 7, size=k)
    minute = rng.integers(0, 10 * 60, size=k)
    when = (s["checkin"] + s["nights"] + delay).astype("int64") * DAY + 2 * HOUR + minute * 60
    which = np.flatnonzero(asked & (when < (end_day + 1) * DAY))
    m = which.size
    eta = g["eta"][s["guest"][which]]
    items = V.ACSI_ITEMS
    values = np.empty((m, len(items) + 1))
    noise = rng.standard_normal((m, len(items) + 1))
    for j, (_code, construct, loading, _en, _zh) in enumerate(items):
        latent = eta[:, H.CONSTRUCTS.index(construct)]
        z = loading * latent + np.sqrt(1 - loading**2) * noise[:, j]
        values[:, j] = np.clip(np.rint(V.ITEM_CENTRE[construct] + V.ITEM_SPREAD * z), 1, 10)
    nps = H.NPS_MODEL
    z = nps["loading"] * eta[:, SAT] + np.sqrt(1 - nps["loading"] ** 2) * noise[:, -1]
    values[:, -1] = np.clip(np.rint(nps["centre"] + nps["spread"] * z), 0, 10)
    answered = rng.random(values.shape) >= H.MISSING_ANSWER_RATE
    order = np.argsort(when[which], kind="stable")
    which, values, answered = which[order], values[order], answered[order]
    response_id = H._ids("R", m, 6).astype(object)
    rows, cols = np.nonzero(answered)
    codes = np.array([item[0] for item in items] + [V.NPS_ITEM[0]], dtype=object)
    return pd.DataFrame(
        {
            "response_id": response_id[rows],
            "customer_id": g["customer_id"][s["guest"][which[rows]]],
            "survey_code": V.SURVEY_CODE,
            "item_code": codes[cols],
            "value": values[rows, cols],
            "responded_at": H._utc(when[which[rows]]),
            "source": "email",
        }
    )


def _survey_items() -> pd.DataFrame:
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


# --- guest-level frames -------------------------------------------------------------------


def _guest_frames(g: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    guests = pd.DataFrame(
        {
            "customer_id": g["customer_id"],
            "name": g["name"],
            "name_zh": g["name_zh"],
            "email": g["email"],
            "phone": g["phone"],
            "birthday": H._days(g["birthday"]),
            "gender": g["gender"],
            "city": g["city"],
            "region": g["region"],
            "country": g["country"],
            "language": g["language"],
            "acquired_at": H._days(g["acquired"].astype(float)),
            "acquisition_channel": g["acquisition_channel"],
            "consent_email": g["consent_email"],
            "consent_sms": g["consent_sms"],
            "consent_phone": g["consent_phone"],
            "dataset": "hotel",
        }
    )
    latent = pd.DataFrame(g["eta"], columns=list(H.CONSTRUCTS))
    latent.insert(0, "customer_id", g["customer_id"])
    latent["price_sensitivity"] = g["price"]
    latent["spending_power"] = g["wealth"]
    latent["business"] = g["business"]
    return guests, latent


def _preferences(
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
                    "value": _pick(values, value[idx]),
                    "seconds": last_seen[idx] + 2 * HOUR,
                    "source": source,
                    "times_observed": times[idx],
                }
            )
        )
    oriental = n  # the last guest
    parts.append(
        pd.DataFrame(
            {
                "customer_id": H.ORIENTAL_ID,
                "key": ["breakfast", "seat"],
                "value": ["sandwich, coffee, egg", "window, 2nd floor"],
                "seconds": last_seen[oriental] + 2 * HOUR,
                "source": "restaurant",
                "times_observed": int(n_stays[oriental]),
            }
        )
    )
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(3, "observed_at", H._utc(frame["seconds"].to_numpy()))
    frame = frame.drop(columns="seconds")
    return frame.sort_values(["customer_id", "key"], kind="stable").reset_index(drop=True)


def _important_dates(rng: np.random.Generator, g: dict[str, Any], end_day: int) -> pd.DataFrame:
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
            "date": H._days(g["birthday"][born]),
            "label": "Birthday",
            "recurring": True,
        }
    )
    weddings = pd.DataFrame(
        {
            "customer_id": g["customer_id"][married],
            "kind": "wedding_anniversary",
            "date": H._days(wedding[married]),
            "label": "Wedding anniversary",
            "recurring": True,
        }
    )
    frame = pd.concat([birthdays, weddings], ignore_index=True)
    return frame.sort_values(["customer_id", "kind"], kind="stable").reset_index(drop=True)
