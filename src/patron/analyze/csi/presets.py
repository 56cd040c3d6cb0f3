"""Which standard models ship with Patron (ACSI, ECSI) and how their item banks read.

The banks are YAML files in ``patron/analyze/csi/banks/``: constructs, items with their
wording in English and Simplified Chinese, paths, the answer scale and the target
construct. ``preset("acsi")`` gives the validated :class:`ModelSpec`; ``item_bank``
gives the wording table, e.g. to create a survey in the store.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from patron.analyze.csi.spec import ModelSpec
from patron.core.i18n import _
from patron.exceptions import InputError

PRESETS = ("acsi", "ecsi")


@cache
def _bank(name: str) -> dict[str, Any]:
    if name not in PRESETS:
        raise InputError(
            _("unknown preset '{name}': use {presets}").format(
                name=name, presets=", ".join(PRESETS)
            )
        )
    text = (
        resources.files("patron.analyze.csi").joinpath("banks", f"{name}.yaml").read_text("utf-8")
    )
    return yaml.safe_load(text)


@cache
def preset(name: str) -> ModelSpec:
    """The validated specification of a standard model ("acsi" or "ecsi")."""
    return ModelSpec.from_dict(_bank(name), source=f"{name}.yaml")


def item_bank(name: str) -> pd.DataFrame:
    """One row per item: construct, code, English and Chinese wording, scale."""
    bank = _bank(name)
    low, high = bank.get("scale", [1, 10])
    rows = []
    for position, (construct, body) in enumerate((c, b) for c, b in bank["constructs"].items()):
        for code, wording in body["items"].items():
            rows.append(
                {
                    "construct": construct,
                    "code": code,
                    "text_en": wording["en"],
                    "text_zh": wording["zh"],
                    "scale_min": low,
                    "scale_max": high,
                    "block": position,
                }
            )
    frame = pd.DataFrame(rows)
    frame["position"] = range(1, len(frame) + 1)
    return frame.drop(columns="block")


def preset_items(kind: str) -> list[dict[str, Any]]:
    """The preset's items as plain dicts (code, construct, text_en, text_zh, scale), for surveys."""
    return item_bank(kind.lower()).to_dict(orient="records")
