"""The synthetic hotel world: reproducible, shaped for the importers, and its planted effects show."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from patron.data import hotel
from patron.data.hotel import IMPORT_FILES, ORIENTAL_ID, RETURN_MODEL, generate_hotel
from patron.exceptions import InputError

AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module")
def world() -> hotel.HotelData:
    return generate_hotel()


@pytest.fixture(scope="module")
def big() -> hotel.HotelData:
    """A larger world for effect sizes (≈ 40,000 observed stays)."""
    return generate_hotel(seed=11, n_guests=20_000)


def returns_from_records(data: hotel.HotelData) -> pd.DataFrame:
    """The 365-day return of each stay, recomputed from what the systems recorded."""
    stays = data.stays.sort_values(["customer_id", "ordered_at"]).copy()
    stays["next_check_in"] = stays.groupby("customer_id")["check_in"].shift(-1)
    as_of = pd.Timestamp(data.truth["as_of"])
    stays = stays[stays["check_out"] + pd.Timedelta(days=365) <= as_of].copy()
    gap = stays["next_check_in"] - stays["check_out"]
    stays["returned"] = gap.notna() & (gap <= pd.Timedelta(days=365))
    outcome = data.complaints.set_index("order_id")["outcome"]
    stays["complaint_class"] = stays["order_id"].map(outcome).fillna("none")
    return stays


class TestDeterminism:
    def test_same_seed_same_frames(self) -> None:
        a, b = generate_hotel(seed=3, n_guests=400), generate_hotel(seed=3, n_guests=400)
        for name in (*a.FRAMES, "survey_items", "latent", "stay_truth"):
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
        assert a.truth == b.truth

    def test_other_seed_other_world(self) -> None:
        a, b = generate_hotel(seed=3, n_guests=400), generate_hotel(seed=4, n_guests=400)
        assert not a.stays["amount"].equals(b.stays["amount"])

    def test_bad_arguments(self) -> None:
        with pytest.raises(InputError, match="n_guests must be at least 1"):
            generate_hotel(n_guests=0)
        with pytest.raises(InputError, match="as_of must be at least 400 days after 2021-01-01"):
            generate_hotel(as_of=date(2021, 6, 1))


class TestShapes:
    def test_exact_counts_for_the_default_seed(self, world: hotel.HotelData) -> None:
        assert world.counts() == {
            "guests": 3001,
            "preferences": 7131,
            "important_dates": 3251,
            "stays": 7786,
            "stay_lines": 19464,
            "interactions": 12065,
            "complaints": 704,
            "responses": 37214,  # 35,853 answers + 1,361 comments
        }
        assert world.responses["response_id"].nunique() == 2285
        assert world.truth["observed_stays"]["count"] == 6036
        assert world.truth["observed_stays"]["by_complaint_class"] == {
            "none": 5498,
            "resolved": 403,
            "unresolved": 135,
        }

    def test_ids_and_time_window(self, world: hotel.HotelData) -> None:
        guests, stays = world.guests, world.stays
        assert guests["customer_id"].is_unique
        assert guests["customer_id"].iloc[0] == "H000001"
        assert guests["customer_id"].iloc[2999] == "H003000"
        assert guests["customer_id"].iloc[-1] == ORIENTAL_ID
        assert stays["order_id"].tolist()[:2] == ["S0000001", "S0000002"]
        assert stays["order_id"].is_unique and stays["ordered_at"].is_monotonic_increasing
        assert stays["ordered_at"].min() >= pd.Timestamp("2021-01-01", tz="UTC")
        assert stays["check_in"].max() <= pd.Timestamp(AS_OF)
        assert set(stays["customer_id"]) <= set(guests["customer_id"])
        for frame, column in (
            (world.interactions, "occurred_at"),
            (world.complaints, "opened_at"),
            (world.responses, "responded_at"),
        ):
            assert frame[column].max() < pd.Timestamp(AS_OF + timedelta(days=1), tz="UTC")
        assert world.interactions["interaction_id"].is_unique
        assert world.complaints["complaint_id"].is_unique

    def test_guests(self, world: hotel.HotelData) -> None:
        guests = world.guests
        assert (guests["dataset"] == "hotel").all()
        opted_out = 1 - guests["consent_email"].mean()
        assert 0.06 < opted_out < 0.10
        chinese = guests["name_zh"].notna()
        assert 0.55 < chinese.mean() < 0.75
        assert guests.loc[chinese, "name_zh"].str.len().min() >= 2
        assert guests["email"].is_unique
        assert guests["email"].str.contains("@example.").all()
        # Only the special guest is called Chen Wei.
        assert (guests["name"] == "Chen Wei").sum() == 1
        assert set(guests["language"]) == {"en", "zh_CN"}
        kinds = world.important_dates["kind"].value_counts()
        assert kinds["birthday"] == guests["birthday"].notna().sum() == 2713
        assert kinds["wedding_anniversary"] == 538
        keys = set(world.preferences["key"])
        assert keys == {"breakfast", "seat", "room", "pillow", "newspaper"}

    def test_money_adds_up(self, world: hotel.HotelData) -> None:
        stays, lines = world.stays, world.stay_lines
        total = lines.groupby("order_id")["amount"].sum()
        assert np.allclose(total.reindex(stays["order_id"]).to_numpy(), stays["amount"], atol=0.011)
        assert np.allclose(
            stays["amount"], stays["room_revenue"] + stays["fnb_revenue"] + stays["spa_revenue"]
        )
        assert (lines.groupby("order_id")["line_no"].min() == 1).all()
        numbered = lines.groupby("order_id")["line_no"].agg(["max", "size"])
        assert (numbered["max"] == numbered["size"]).all()
        rooms = lines[lines["line_no"] == 1]
        assert (rooms["category"] == "room").all()
        assert set(lines["category"]) == {"room", "F&B", "spa"}
        assert (stays["cost"] < stays["amount"] + stays["discount"]).all()

    def test_survey(self, world: hotel.HotelData) -> None:
        items = world.survey_items
        assert items["code"].tolist() == [
            "CE1", "CE2", "CE3", "PQ1", "PQ2", "PQ3", "PV1", "PV2",
            "SAT1", "SAT2", "SAT3", "CC1", "CL1", "CL2", "CL3", "NPS",
        ]  # fmt: skip
        assert items["text_zh"].notna().all()
        answers = world.responses
        assert (answers["survey_code"] == "acsi-hotel").all()
        acsi = answers[~answers["item_code"].isin(["NPS", "comment"])]["value"]
        assert acsi.between(1, 10).all() and (acsi == acsi.round()).all()
        assert answers[answers["item_code"] == "NPS"]["value"].between(0, 10).all()
        per_response = answers[answers["item_code"] != "comment"].groupby("response_id").size()
        assert per_response.max() == 16 and (per_response < 16).sum() > 0  # a few skipped

    def test_write_csv(self, world: hotel.HotelData, tmp_path) -> None:
        written = world.write_csv(tmp_path)
        assert set(written) == set(IMPORT_FILES)
        for kind, path in written.items():
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            assert list(frame.columns) == IMPORT_FILES[kind][1]
            assert len(frame) == len(world.frame_for(kind))
        guests = pd.read_csv(written["customers"], dtype=str, encoding="utf-8")
        assert guests.set_index("customer_id").loc[ORIENTAL_ID, "name_zh"] == "陈伟"
        assert (tmp_path / "survey_items.csv").exists()


class TestOriental:
    def test_facts(self, world: hotel.HotelData) -> None:
        guest = world.guests.set_index("customer_id").loc[ORIENTAL_ID]
        assert (guest["name"], guest["name_zh"]) == ("Chen Wei", "陈伟")
        assert bool(guest["consent_email"]) is True
        assert guest["birthday"] == pd.Timestamp("1978-11-06")  # five days after as_of
        stays = world.stays[world.stays["customer_id"] == ORIENTAL_ID]
        assert len(stays) == 12
        assert stays["check_in"].max() == pd.Timestamp("2023-11-01")  # three years before
        spend = world.stays.groupby("customer_id")["amount"].sum()
        assert spend.rank(pct=True)[ORIENTAL_ID] >= 0.99  # high past value
        prefs = world.preferences[world.preferences["customer_id"] == ORIENTAL_ID]
        assert dict(zip(prefs["key"], prefs["value"], strict=True)) == {
            "breakfast": "sandwich, coffee, egg",
            "seat": "window, 2nd floor",
        }
        dates = world.important_dates[world.important_dates["customer_id"] == ORIENTAL_ID]
        assert dates[["kind", "date"]].values.tolist() == [["birthday", pd.Timestamp("1978-11-06")]]
        assert world.truth["oriental"]["last_stay"] == "2023-11-01"
        assert world.truth["oriental"]["birthday"] == "1978-11-06"

    def test_moves_with_as_of(self) -> None:
        data = generate_hotel(n_guests=50, as_of=date(2025, 3, 10))
        guest = data.guests.set_index("customer_id").loc[ORIENTAL_ID]
        birthday = guest["birthday"]
        assert (birthday.month, birthday.day) == (3, 15)
        stays = data.stays[data.stays["customer_id"] == ORIENTAL_ID]
        assert stays["check_in"].max() == pd.Timestamp("2022-03-10")


class TestPlantedEffects:
    def test_truth_is_consistent(self, world: hotel.HotelData) -> None:
        truth = world.truth
        assert truth["synthetic"] is True
        assert truth["return_model"]["coefficients"] == RETURN_MODEL
        cf = truth["retention_counterfactual"]
        # The recovery paradox: resolved > none > unresolved at equal satisfaction.
        assert cf["resolved"] > cf["none"] > cf["unresolved"]
        assert truth["retention_effect"]["unresolved_vs_none"] == pytest.approx(
            cf["unresolved"] - cf["none"]
        )
        assert truth["driver_ranking"] == [
            "satisfaction",
            "price_sensitivity",
            "complaint_unresolved",
            "recency_years",
            "complaint_resolved",
        ]
        quintiles = truth["retention_by_satisfaction_quintile"]
        assert quintiles == sorted(quintiles)
        r2 = truth["acsi"]["r_squared"]
        assert r2["satisfaction"] == pytest.approx(0.6273, abs=1e-4)

    def test_stay_truth_matches_the_records(self, world: hotel.HotelData) -> None:
        truth = world.stay_truth.set_index("order_id")
        stays = world.stays.sort_values(["customer_id", "ordered_at"]).set_index("order_id")
        previous_out = stays.groupby("customer_id")["check_out"].shift(1)
        repeat = previous_out.notna()
        recency = (stays["check_in"] - previous_out)[repeat].dt.days / 365.25
        assert np.allclose(truth.loc[recency.index, "recency_years"], recency)
        latent = world.latent.set_index("customer_id")
        assert np.allclose(
            truth["satisfaction"], latent.loc[truth["customer_id"], "satisfaction"].to_numpy()
        )
        classes = truth["complaint_class"].map({"none": 0, "resolved": 1, "unresolved": 2})
        logit = hotel.logit_return(
            truth["satisfaction"].to_numpy(),
            classes.to_numpy(),
            truth["recency_years"].to_numpy(),
            truth["price_sensitivity"].to_numpy(),
        )
        assert np.allclose(truth["p_return"], 1 / (1 + np.exp(-logit)))
        json.dumps(world.truth)  # plain data, ready for reports and fixtures

    def test_fast_enough(self) -> None:
        started = time.perf_counter()
        generate_hotel()
        assert time.perf_counter() - started < 3.0

    @pytest.mark.parametrize("fixture", ["world", "big"])
    def test_return_rates_by_complaint_class(self, fixture: str, request) -> None:
        data = request.getfixturevalue(fixture)
        stays = returns_from_records(data)
        assert len(stays) == data.truth["observed_stays"]["count"]
        rates = stays.groupby("complaint_class")["returned"].agg(["mean", "size"])
        for name, expected in data.truth["retention_by_complaint"].items():
            rate, n = rates.loc[name, "mean"], rates.loc[name, "size"]
            se = np.sqrt(expected * (1 - expected) / n)
            assert abs(rate - expected) < 3 * se, (name, rate, expected, n)
        # Unresolved complaints cut retention by more than 30 points.
        assert rates.loc["none", "mean"] - rates.loc["unresolved", "mean"] > 0.30

    def test_return_model_is_recovered(self, big: hotel.HotelData) -> None:
        from sklearn.linear_model import LogisticRegression

        stays = big.stay_truth[big.stay_truth["observed"]]
        x = np.column_stack(
            [
                stays["satisfaction"],
                stays["complaint_class"] == "resolved",
                stays["complaint_class"] == "unresolved",
                stays["recency_years"],
                stays["price_sensitivity"],
            ]
        )
        fit = LogisticRegression(C=np.inf, max_iter=1000).fit(x, stays["returned_365"])
        names = [
            "satisfaction",
            "complaint_resolved",
            "complaint_unresolved",
            "recency_years",
            "price_sensitivity",
        ]
        tolerance = {"complaint_resolved": 0.2, "complaint_unresolved": 0.3}
        for name, estimate in zip(names, fit.coef_[0], strict=True):
            assert estimate == pytest.approx(RETURN_MODEL[name], abs=tolerance.get(name, 0.1))
        assert fit.intercept_[0] == pytest.approx(RETURN_MODEL["intercept"], abs=0.1)

    def test_latent_paths(self, big: hotel.HotelData) -> None:
        latent = big.latent[list(hotel.CONSTRUCTS)].to_numpy()
        implied = hotel.acsi_structure()["covariance"]
        assert np.abs(np.cov(latent, rowvar=False) - implied).max() < 0.04
        # Satisfaction on quality, value, expectation by least squares = the planted paths.
        x = latent[:, [0, 1, 2]]
        coef, *_ = np.linalg.lstsq(x, latent[:, 3], rcond=None)
        assert coef == pytest.approx([0.10, 0.50, 0.30], abs=0.03)

    def test_observable_traces(self, big: hotel.HotelData) -> None:
        latent = big.latent.set_index("customer_id")
        stays = big.stays.join(latent, on="customer_id")
        share = stays["discount"] / (stays["room_revenue"] + stays["discount"])
        assert np.corrcoef(stays["price_sensitivity"], share)[0, 1] > 0.3
        complained = stays["order_id"].isin(big.complaints["order_id"])
        low = stays["quality"] < stays["quality"].quantile(0.33)
        assert complained[low].mean() > 1.5 * complained[~low].mean()
        answers = big.responses.pivot(index="response_id", columns="item_code", values="value")
        customer = big.responses.groupby("response_id")["customer_id"].first()
        sat = answers[["SAT1", "SAT2", "SAT3"]].mean(axis=1)
        truth = latent.loc[customer.reindex(answers.index), "satisfaction"].to_numpy()
        assert np.corrcoef(sat.to_numpy(), truth)[0, 1] > 0.8
        assert np.corrcoef(answers["NPS"].fillna(answers["NPS"].mean()), sat)[0, 1] > 0.6
