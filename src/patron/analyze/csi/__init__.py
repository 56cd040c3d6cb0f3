"""The customer satisfaction index: PLS path modelling, quality, bootstrap, index and IPMA."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from patron.analyze.csi.bootstrap import BootstrapResult, bootstrap
from patron.analyze.csi.index import CSIModel, group_indices, rollup
from patron.analyze.csi.ipma import ipma
from patron.analyze.csi.pls import PLSPathModel
from patron.analyze.csi.presets import item_bank, preset
from patron.analyze.csi.spec import Construct, ModelSpec

MOBI_PATH = Path(__file__).resolve().parents[2] / "data" / "mobi" / "mobi.csv"


def load_mobi() -> pd.DataFrame:
    """The ECSI mobile-phone survey shipped with Patron (250 respondents, 24 items)."""
    return pd.read_csv(MOBI_PATH)


__all__ = [
    "BootstrapResult",
    "CSIModel",
    "Construct",
    "ModelSpec",
    "PLSPathModel",
    "bootstrap",
    "group_indices",
    "ipma",
    "item_bank",
    "load_mobi",
    "preset",
    "rollup",
]
