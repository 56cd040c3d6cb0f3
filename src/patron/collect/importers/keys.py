"""How a row is recognised on a re-import: its natural key, or a hash of its content.

Rows with a source identifier are keyed ``#<id>``. Rows without one are keyed by a
128-bit hash of their identity fields in canonical form (text trimmed, times in UTC
microseconds, amounts to 1/10,000) plus the number of identical rows before it in the
same file — so two genuinely identical purchases in one file are both kept, and
importing the same file again matches each to itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from patron.collect.importers.schemas import DATE, DATETIME, FLOAT, INT, Kind

KEY_A = "patron-import-k1"
KEY_B = "patron-import-k2"
MISSING = np.int64(-(2**62))


def _canonical(values: pd.Series, kind_of_field: str) -> pd.Series:
    if kind_of_field in (DATETIME, DATE):
        ints = values.to_numpy(dtype="datetime64[us]", na_value=np.datetime64("NaT")).astype(
            np.int64
        )
        return pd.Series(ints)
    if kind_of_field in (FLOAT, INT):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        ints = np.where(np.isnan(numbers), MISSING, np.round(np.nan_to_num(numbers) * 10_000))
        return pd.Series(ints.astype(np.int64))
    return pd.Series(values.fillna("").to_numpy(dtype=object))


def _hex(a: np.ndarray, b: np.ndarray) -> list[str]:
    joined = np.column_stack([a, b]).astype(">u8").tobytes().hex()
    return [joined[i : i + 32] for i in range(0, len(joined), 32)]


class RowKeys:
    """Computes ``content_hash`` for the chunks of one file, counting repeats across chunks."""

    def __init__(self, kind: Kind):
        self.kind = kind
        self.keys = np.zeros(0, dtype=np.uint64)
        self.counts = np.zeros(0, dtype=np.int64)

    def content_hash(self, values: pd.DataFrame) -> np.ndarray:
        n = len(values)
        keys = np.empty(n, dtype=object)
        ids = values.get(self.kind.id_field) if self.kind.id_field else None
        has_id = ids.notna().to_numpy(dtype=bool) if ids is not None else np.zeros(n, dtype=bool)
        if has_id.any():
            id_text = ids[has_id].astype(str)
            short = id_text.str.len().to_numpy() <= 39
            keyed = ("#" + id_text).to_numpy(dtype=object)
            if not short.all():
                long_ids = pd.DataFrame({"id": id_text[~short].to_numpy(dtype=object)})
                a = pd.util.hash_pandas_object(long_ids, index=False, hash_key=KEY_A).to_numpy()
                b = pd.util.hash_pandas_object(long_ids, index=False, hash_key=KEY_B).to_numpy()
                keyed[~short] = ["#" + h[:39] for h in _hex(a, b)]
            keys[has_id] = keyed
        rest = ~has_id
        if rest.any():
            part = values[rest]
            frame = pd.DataFrame(
                {
                    name: _canonical(part[name], self.kind.by_name[name].type)
                    if name in part.columns
                    else pd.Series([""] * len(part), dtype=object)
                    for name in self.kind.identity
                }
            )
            first = pd.util.hash_pandas_object(frame, index=False, hash_key=KEY_A).to_numpy()
            occurrence = self._occurrences(first)
            frame["__n"] = occurrence
            a = pd.util.hash_pandas_object(frame, index=False, hash_key=KEY_A).to_numpy()
            b = pd.util.hash_pandas_object(frame, index=False, hash_key=KEY_B).to_numpy()
            keys[rest] = _hex(a, b)
        return keys

    def _occurrences(self, hashes: np.ndarray) -> np.ndarray:
        """How many identical rows came before each one in this file.

        The hashes seen so far are kept as a sorted array with counts (merged per
        chunk in C), not a Python dict: a million rows cost a fraction of a second.
        """
        hashes = np.asarray(hashes, dtype=np.uint64)
        within = pd.Series(hashes).groupby(hashes, sort=False).cumcount().to_numpy()
        keys, counts = self.keys, self.counts
        before = np.zeros(len(hashes), dtype=np.int64)
        if keys.size:
            at = np.minimum(np.searchsorted(keys, hashes), keys.size - 1)
            hit = keys[at] == hashes
            before[hit] = counts[at[hit]]
        unique, chunk_counts = np.unique(hashes, return_counts=True)
        if keys.size:
            at = np.minimum(np.searchsorted(keys, unique), keys.size - 1)
            hit = keys[at] == unique
            counts[at[hit]] += chunk_counts[hit]
            unique, chunk_counts = unique[~hit], chunk_counts[~hit]
        merged = np.concatenate([keys, unique])
        order = np.argsort(merged, kind="stable")
        self.keys = merged[order]
        self.counts = np.concatenate([counts, chunk_counts.astype(np.int64)])[order]
        return within + before


class Sequence:
    """Numbers the lines of each order in file order when the file has no line numbers."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def number(self, order_ids: pd.Series) -> np.ndarray:
        within = order_ids.groupby(order_ids.to_numpy(), sort=False).cumcount().to_numpy() + 1
        before = np.fromiter(
            (self.seen.get(o, 0) for o in order_ids.tolist()), dtype=np.int64, count=len(order_ids)
        )
        for o, c in order_ids.value_counts(sort=False).items():
            self.seen[o] = self.seen.get(o, 0) + int(c)
        return within + before
