"""The Oriental Hotel story on the generated hotel: one birthday card for the guest away three years."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from act_factories import AS_OF

from patron.act import scheduler
from patron.act.rules import default_rules


@pytest.fixture(scope="module")
def hotel():
    from patron.data.hotel import generate_hotel

    return generate_hotel(seed=7, n_guests=800, as_of=AS_OF)


def _expected_birthday_guests(hotel) -> set[str]:
    """Lapsed (no stay for 730+ days), valuable (3,000+ spent), birthday within 7 days,
    e-mail consent: computed straight from the generated frames."""
    stays = hotel.stays.assign(day=pd.to_datetime(hotel.stays["ordered_at"]).dt.tz_convert(None))
    per = stays.groupby("customer_id").agg(last=("day", "max"), spend=("amount", "sum"))
    lapsed = (pd.Timestamp(AS_OF) - per["last"].dt.normalize()).dt.days >= 730
    valuable = per["spend"] >= 3000
    guests = hotel.guests.set_index("customer_id")
    born = pd.to_datetime(guests["birthday"])
    days = []
    for when in born:
        if pd.isna(when):
            days.append(None)
            continue
        day = min(when.day, 28) if (when.month, when.day) == (2, 29) else when.day
        upcoming = dt.date(AS_OF.year, when.month, day)
        if upcoming < AS_OF:
            upcoming = dt.date(AS_OF.year + 1, when.month, day)
        days.append((upcoming - AS_OF).days)
    soon = pd.Series(days, index=guests.index).between(0, 7)
    ok = guests["consent_email"].astype(bool) & guests["email"].notna()
    chosen = per.index[lapsed & valuable]
    return {cid for cid in chosen if soon.get(cid, False) and ok.get(cid, False)}


def _load(workspace, hotel, folder) -> None:
    """The generated hotel, written as CSV and loaded with Patron's own importers."""
    from patron.collect.importers import import_file
    from patron.collect.units import add_units
    from patron.data.hotel import hotel_units

    add_units(workspace, hotel_units())
    files = hotel.write_csv(folder)
    for kind in ("customers", "preferences", "important-dates", "orders", "complaints"):
        summary = import_file(workspace, kind, files[kind], progress=False)
        assert summary.rejected == 0, (kind, summary.to_dict())


def test_oriental_guest_gets_exactly_one_birthday_card(
    workspace, smtp_env, hotel, tmp_path
) -> None:
    _load(workspace, hotel, tmp_path / "hotel-csv")
    rules = [r for r in default_rules() if r.code == "birthday-lapsed-vip"]

    first = scheduler.run(workspace, AS_OF, rules=rules)
    expected = _expected_birthday_guests(hotel)
    assert "H-ORIENTAL" in expected
    assert first.sent == len(expected) and first.failed == 0
    delivered = smtp_env.messages
    assert len(delivered) == len(expected)

    to_chen = [m for m in delivered if "chen.wei@example.cn" in m["To"]]
    assert len(to_chen) == 1
    card = to_chen[0]
    assert card["Subject"] == "Happy birthday, Chen Wei — we miss you"
    assert card["From"] == "The Oriental Hotel <guest@oriental.example>"
    text = card.get_body(("plain",)).get_content()
    assert text.startswith("Dear Chen Wei,")
    assert "November 6, 2026" in text
    assert "breakfast: sandwich, coffee, egg" in text
    assert "seat: window, 2nd floor" in text
    html = card.get_body(("html",)).get_content()
    assert "<li>breakfast: sandwich, coffee, egg</li>" in html

    # Chinese-speaking guests get the same card in Chinese.
    chinese = hotel.guests.set_index("customer_id")["language"].eq("zh_CN")
    zh = [cid for cid in expected if chinese[cid]]
    if zh:
        subjects = {m["Subject"] for m in delivered if "生日快乐" in m["Subject"]}
        assert len(subjects) == len(zh)

    # The scheduler runs again (same day, then the next day): nothing more is sent.
    again = scheduler.run(workspace, AS_OF, rules=rules)
    next_day = scheduler.run(workspace, AS_OF + dt.timedelta(days=1), rules=rules)
    assert again.sent == 0 and again.already_done == len(expected)
    assert len(smtp_env.messages) == len(expected) + next_day.sent
    # The next day only guests whose birthday entered the window are new.
    new = {s["customer_id"] for s in next_day.sends if s["status"] == "sent"}
    assert not new & expected
    assert sum("chen.wei@example.cn" in m["To"] for m in smtp_env.messages) == 1
