"""Where the shipped CDNOW purchases are and how to read them as a transactions table.

The files are the real CDNOW data of Fader & Hardie (MIT licence, from the `lifetimes`
wheel; see ``README.txt`` beside this module). Each row is one order: the same customer
can buy more than once on the same day, and 255 rows of the master file repeat another
row exactly, so an order's identity is its position, not its content.

Examples
--------
>>> from patron.data.cdnow import load_cdnow_transactions
>>> master = load_cdnow_transactions()
>>> len(master), master["customer_id"].nunique()
(69659, 23570)
>>> sample = load_cdnow_transactions(sample=True)
>>> len(sample), sample["customer_id"].nunique()
(6919, 2357)
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = [
    "MASTER_FILE",
    "SAMPLE_FILE",
    "cdnow_customer_id",
    "cdnow_path",
    "load_cdnow_transactions",
]

MASTER_FILE = "CDNOW_master.txt.gz"
SAMPLE_FILE = "CDNOW_sample.txt"


def cdnow_path(sample: bool = False) -> Path:
    """Path of the shipped master file (or of the 1/10 sample)."""
    folder = resources.files(__name__)
    return Path(str(folder.joinpath(SAMPLE_FILE if sample else MASTER_FILE)))


def cdnow_customer_id(master_id: int | pd.Series) -> str | pd.Series:
    """The demo's natural key of a CDNOW customer: ``"CDNOW-00001"`` for master id 1."""
    if isinstance(master_id, pd.Series):
        return "CDNOW-" + master_id.astype("int64").astype(str).str.zfill(5)
    return f"CDNOW-{int(master_id):05d}"


def load_cdnow_transactions(sample: bool = False) -> pd.DataFrame:
    """The CDNOW transactions, one row per order, in file order.

    Parameters
    ----------
    sample : bool, default=False
        ``False`` reads the master file (69,659 rows, 23,570 customers); ``True`` the
        1/10 sample of the papers (6,919 rows, 2,357 customers).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (int, the master id — the same customer has the same id in
        both files), ``date`` (datetime64, day precision), ``cds`` (int, number of
        CDs) and ``dollars`` (float, value of the order in US dollars).
    """
    path = cdnow_path(sample)
    if sample:
        names = ["customer_id", "sample_id", "date", "cds", "dollars"]
        frame = pd.read_csv(path, sep=r"\s+", header=None, names=names, dtype={"date": str})
        frame = frame.drop(columns="sample_id")
    else:
        frame = pd.read_csv(path, sep=r"\s+", dtype={"date": str})
        frame.columns = ["customer_id", "date", "cds", "dollars"]
    frame["customer_id"] = frame["customer_id"].astype("int64")
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    frame["cds"] = frame["cds"].astype("int64")
    frame["dollars"] = frame["dollars"].astype("float64")
    return frame.reset_index(drop=True)
