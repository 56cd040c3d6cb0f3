"""Fixtures for the CLV tests: the CDNOW summary, raw sample, sBG survivors and donations."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pandas as pd
import pytest

from patron.analyze.clv import rename_fader_hardie

# Fader, Hardie & Shang (2010) donations (11,104 donors, 6 opportunities), as shipped in
# the lifetimes repository (MIT).
DONATIONS = """frequency,recency,T,weight
0,0,6,3464
1,1,6,1091
1,2,6,277
1,3,6,129
1,4,6,78
1,5,6,119
1,6,6,129
2,2,6,613
2,3,6,255
2,4,6,155
2,5,6,173
2,6,6,234
3,3,6,322
3,4,6,181
3,5,6,225
3,6,6,357
4,4,6,240
4,5,6,284
4,6,6,512
5,5,6,335
5,6,6,728
6,6,6,1203
"""


@pytest.fixture(scope="session")
def cdnow_summary(shared_data: Path) -> pd.DataFrame:
    """The published 39-week calibration summary of the 2,357 CDNOW sample customers."""
    path = shared_data / "cdnow" / "cdnow_customers_summary_with_transactions.csv"
    return rename_fader_hardie(pd.read_csv(path))


@pytest.fixture(scope="session")
def cdnow_raw_path(shared_data: Path) -> Path:
    return shared_data / "cdnow" / "CDNOW_sample.txt"


@pytest.fixture(scope="session")
def survivors(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "sbg" / "sbg_fader_hardie_2007_survivors.csv")


@pytest.fixture(scope="session")
def donations() -> pd.DataFrame:
    return pd.read_csv(StringIO(DONATIONS))
