"""Which standard models ship with Patron (ACSI, ECSI, SCSB, CCSI, the five subsystems) and how their item banks read.

The banks are YAML files in ``patron/analyze/csi/banks/``: constructs, paths and the
target construct; the items (wording in English and Simplified Chinese) and the answer
scale are the survey instrument's, in ``patron.collect.instruments``. ``preset("acsi")``
gives the validated :class:`ModelSpec`; ``item_bank`` gives the wording table, e.g. to
create a survey in the store.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from patron.analyze.csi.spec import ModelSpec
from patron.collect.instruments import item_bank, with_items
from patron.core.i18n import _
from patron.exceptions import InputError

PRESETS = ("acsi", "ecsi", "scsb", "ccsi", "subsystems")
__all__ = ["PRESETS", "item_bank", "preset"]


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
    return with_items(yaml.safe_load(text), name)


@cache
def preset(name: str) -> ModelSpec:
    """The validated specification of a standard model ("acsi" or "ecsi")."""
    return ModelSpec.from_dict(_bank(name), source=f"{name}.yaml")
