"""The standard survey instruments' items: one table per instrument, merged into a CSI model."""

from __future__ import annotations

import pytest

from patron.collect import instruments
from patron.exceptions import InputError


def test_item_bank_lists_every_item_with_both_wordings() -> None:
    bank = instruments.item_bank("acsi")
    assert list(bank.columns) == [
        "construct",
        "code",
        "text_en",
        "text_zh",
        "scale_min",
        "scale_max",
        "position",
    ]
    assert len(bank) == 15 and bank["position"].tolist() == list(range(1, 16))
    assert bank.loc[bank["code"] == "SAT1", "construct"].item() == "satisfaction"
    assert bank["text_zh"].str.len().min() > 0
    assert set(instruments.item_bank("ecsi")["construct"]) >= {"image", "satisfaction"}


def test_with_items_adds_scale_and_items_to_a_model_without_changing_it() -> None:
    model = {"name": "acsi", "constructs": {"satisfaction": {"label": "S"}}, "paths": {}}
    merged = instruments.with_items(model, "acsi")
    assert merged["scale"] == [1, 10]
    assert merged["constructs"]["satisfaction"]["label"] == "S"
    assert list(merged["constructs"]["satisfaction"]["items"]) == ["SAT1", "SAT2", "SAT3"]
    assert "items" not in model["constructs"]["satisfaction"] and "scale" not in model


def test_unknown_instrument_is_refused() -> None:
    with pytest.raises(InputError, match="unknown preset"):
        instruments.item_bank("xyz")
