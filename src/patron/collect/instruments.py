"""Which questions the standard survey instruments ask (ACSI, ECSI): codes, constructs, wording, scale.

The items are YAML files in ``patron/collect/instrument_items/``. The survey builder
creates instruments from them; the CSI models (``patron.analyze.csi.presets``) take
their items from here and add their own labels, paths and target.
"""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from patron.core.i18n import _
from patron.exceptions import InputError

INSTRUMENTS = ("acsi", "ecsi", "scsb", "ccsi", "subsystems")


@cache
def _items(name: str) -> dict[str, Any]:
    if name not in INSTRUMENTS:
        raise InputError(
            _("unknown preset '{name}': use {presets}").format(
                name=name, presets=", ".join(INSTRUMENTS)
            )
        )
    text = (
        resources.files("patron.collect")
        .joinpath("instrument_items", f"{name}.yaml")
        .read_text("utf-8")
    )
    return yaml.safe_load(text)


def with_items(model: dict[str, Any], name: str) -> dict[str, Any]:
    """``model`` (constructs with labels, paths, target) with the instrument's scale and items."""
    items = _items(name)
    merged = copy.deepcopy(model)
    merged["scale"] = list(items["scale"])
    constructs = merged.setdefault("constructs", {})
    for construct, body in items["constructs"].items():
        constructs.setdefault(construct, {})["items"] = copy.deepcopy(body["items"])
    return merged


def item_bank(name: str) -> pd.DataFrame:
    """One row per item: construct, code, English and Chinese wording, scale."""
    bank = _items(name)
    low, high = bank.get("scale", [1, 10])
    rows = []
    for construct, body in bank["constructs"].items():
        for code, wording in body["items"].items():
            rows.append(
                {
                    "construct": construct,
                    "code": code,
                    "text_en": wording["en"],
                    "text_zh": wording["zh"],
                    "scale_min": low,
                    "scale_max": high,
                }
            )
    frame = pd.DataFrame(rows)
    frame["position"] = range(1, len(frame) + 1)
    return frame
