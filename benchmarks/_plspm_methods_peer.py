"""Python ``plspm`` 0.5.7 doing PLSpredict and permutation MGA the way a user of it must.

plspm has neither, so a user fits plspm on every training set (or every shuffled group)
and does the rest with NumPy - exactly what this script does. Runs inside
``benchmarks/.venv-plspm``, called by ``benchmarks/_csi_methods.py``::

    python _plspm_methods_peer.py predict mobi.csv folds.json   -> predictions, seconds
    python _plspm_methods_peer.py mga mobi.csv masks.json       -> differences, seconds

``folds.json`` holds the (repetitions, n) fold numbers; ``masks.json`` the observed
group mask followed by the shuffled ones. Output: JSON on stdout.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pandas as pd
from _plspm_peer import BLOCKS, config
from plspm.plspm import Plspm
from plspm.scheme import Scheme

ORDER = ["IMAG", "CUEX", "PERQ", "PERV", "CUSA", "COMP", "CUSL"]
ENDOGENOUS = ["CUEX", "PERQ", "PERV", "CUSA", "COMP", "CUSL"]


def fit(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    model = Plspm(frame, config(frame), Scheme.PATH)
    return model.outer_model(), model.path_coefficients()


def predict(data: pd.DataFrame, folds: np.ndarray) -> tuple[np.ndarray, float]:
    items = [i for lv in ORDER for i in BLOCKS[lv]]
    targets = [i for lv in ENDOGENOUS for i in BLOCKS[lv]]
    x = data[items].to_numpy(float)
    n = len(x)
    out = np.zeros((folds.shape[0], n, len(targets)))
    start = time.perf_counter()
    for r, assignment in enumerate(folds):
        for fold in np.unique(assignment):
            test = assignment == fold
            train = data.loc[~test, items].reset_index(drop=True)
            outer, paths = fit(train)
            mean = train.mean().to_numpy()
            sd = train.std().to_numpy()
            z_train = (train.to_numpy(float) - mean) / sd
            z_test = (x[test] - mean) / sd
            scores_test = {}
            for lv in ORDER:
                cols = [items.index(i) for i in BLOCKS[lv]]
                w = outer.loc[BLOCKS[lv], "weight"].to_numpy()
                w = w / (z_train[:, cols] @ w).std(ddof=1)  # unit-variance scores
                scores_test[lv] = z_test[:, cols] @ w
            k = 0
            for lv in ENDOGENOUS:
                predicted = sum(paths.loc[lv, a] * scores_test[a] for a in ORDER if a != lv)
                for item in BLOCKS[lv]:
                    j = items.index(item)
                    lam = outer.loc[item, "loading"]
                    out[r, test, k] = predicted * lam * sd[j] + mean[j]
                    k += 1
    return out.mean(axis=0), time.perf_counter() - start


def mga(data: pd.DataFrame, masks: np.ndarray) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    rows = []
    for mask in masks:
        _, first = fit(data[mask].reset_index(drop=True))
        _, second = fit(data[~mask].reset_index(drop=True))
        rows.append(
            [
                first.loc["CUSA", "PERQ"] - second.loc["CUSA", "PERQ"],
                first.loc["CUSL", "CUSA"] - second.loc["CUSL", "CUSA"],
            ]
        )
    return np.array(rows), time.perf_counter() - start


def main() -> None:
    task, path, arrays = sys.argv[1], sys.argv[2], sys.argv[3]
    data = pd.read_csv(path)
    with open(arrays) as handle:
        payload = np.array(json.load(handle))
    if task == "predict":
        values, seconds = predict(data, payload.astype(int))
    else:
        values, seconds = mga(data, payload.astype(bool))
    json.dump({"values": values.tolist(), "seconds": seconds}, sys.stdout)


if __name__ == "__main__":
    main()
