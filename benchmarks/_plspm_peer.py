"""Run Python ``plspm`` 0.5.7 on mobi (ECSI, path scheme) and report its numbers and timings as JSON.

Runs inside ``benchmarks/.venv-plspm`` (plspm with pandas<3), called by ``benchmarks/csi.py``.
Every item is declared numeric (Scale.NUM): without it plspm's defaults give wrong numbers.
"""

from __future__ import annotations

import json
import sys
import time

import pandas as pd
import plspm.config as c
from plspm.mode import Mode
from plspm.plspm import Plspm
from plspm.scale import Scale
from plspm.scheme import Scheme

BLOCKS = {
    "IMAG": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "CUEX": ["CUEX1", "CUEX2", "CUEX3"],
    "PERQ": [f"PERQ{i}" for i in range(1, 8)],
    "PERV": ["PERV1", "PERV2"],
    "CUSA": ["CUSA1", "CUSA2", "CUSA3"],
    "COMP": ["CUSCO"],
    "CUSL": ["CUSL1", "CUSL2", "CUSL3"],
}


def config(data: pd.DataFrame) -> c.Config:
    structure = c.Structure()
    structure.add_path(["IMAG"], ["CUEX", "CUSA", "CUSL"])
    structure.add_path(["CUEX"], ["PERQ", "PERV", "CUSA"])
    structure.add_path(["PERQ"], ["PERV", "CUSA"])
    structure.add_path(["PERV"], ["CUSA"])
    structure.add_path(["CUSA"], ["COMP", "CUSL"])
    structure.add_path(["COMP"], ["CUSL"])
    cfg = c.Config(structure.path(), scaled=True)
    for lv, items in BLOCKS.items():
        cfg.add_lv(lv, Mode.A, *[c.MV(item, Scale.NUM) for item in items])
    return cfg


def main() -> None:
    path, resamples = sys.argv[1], int(sys.argv[2])
    data = pd.read_csv(path)
    cfg = config(data)
    start = time.perf_counter()
    single = Plspm(data, cfg, Scheme.PATH)
    single_s = time.perf_counter() - start
    r2 = single.inner_summary().loc["CUSA", "r_squared"]
    start = time.perf_counter()
    boot = Plspm(
        data, cfg, Scheme.PATH, bootstrap=True, bootstrap_iterations=resamples, processes=2
    )
    boot.bootstrap().paths()
    boot_s = time.perf_counter() - start
    json.dump(
        {
            "r2_satisfaction": float(r2),
            "single_s": single_s,
            "bootstrap_s": boot_s,
            "resamples": resamples,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
