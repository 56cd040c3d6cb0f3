"""The analyst's PLS methods beside a peer, for ``benchmarks/csi.py --methods``.

PLSpredict (10 folds × 10 repetitions on mobi) and permutation MGA (1,000 permutations)
run against Python ``plspm`` 0.5.7 used the only way it can be (it has neither method:
one plspm fit per training set or shuffled group, the rest in NumPy,
``_plspm_methods_peer.py``) on the same folds and shuffles; the results must agree.
The other methods have no peer that runs here: Patron's own time is printed.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from patron.analyze.csi import MOBI_PATH, PLSPathModel, load_mobi
from patron.analyze.csi.fimix import select_segments
from patron.analyze.csi.hoc import HigherOrderModel
from patron.analyze.csi.mediation import MediationAnalysis
from patron.analyze.csi.mga import PermutationMGA
from patron.analyze.csi.moderation import ModerationModel
from patron.analyze.csi.nca import NecessaryConditionAnalysis
from patron.analyze.csi.predict import PLSPredict, fold_assignment

HERE = Path(__file__).resolve().parent
HOC_SPEC = {
    "constructs": {
        "image": [f"IMAG{i}" for i in range(1, 6)],
        "expectation": ["CUEX1", "CUEX2", "CUEX3"],
        "quality": [f"PERQ{i}" for i in range(1, 8)],
        "value": ["PERV1", "PERV2"],
        "satisfaction": {"dimensions": ["image", "value"]},
        "complaints": ["CUSCO"],
        "loyalty": ["CUSL1", "CUSL2", "CUSL3"],
    },
    "paths": [
        "expectation -> satisfaction",
        "quality -> satisfaction",
        "satisfaction -> complaints",
        "satisfaction -> loyalty",
    ],
}


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _peer(task: str, payload: np.ndarray) -> dict | None:
    python = HERE / ".venv-plspm" / "bin" / "python"
    if not python.exists():
        print(f"Python plspm peer skipped: {python} missing (see benchmarks/csi.py)")
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(payload.tolist(), handle)
    try:
        out = subprocess.run(
            [str(python), str(HERE / "_plspm_methods_peer.py"), task, str(MOBI_PATH), handle.name],
            capture_output=True,
            text=True,
            cwd=HERE,
            check=False,
        )
    finally:
        os.unlink(handle.name)
    if out.returncode:
        print("Python plspm failed:", out.stderr.strip().splitlines()[-1:])
        return None
    return json.loads(out.stdout)


def run(peer_permutations: int = 50) -> None:
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"\nPLS methods - machine: {os.cpu_count()} cores, load average {load} (shared)")
    mobi = load_mobi()
    rows = []

    # PLSpredict, 10 folds × 10 repetitions, direct antecedents.
    predict = lambda: PLSPredict(spec="ecsi", folds=10, repetitions=10, seed=1).fit(mobi)  # noqa: E731
    result = predict()
    patron_s = _best(predict, 5)
    folds = fold_assignment(len(mobi), 10, 10, 1)
    peer = _peer("predict", folds)
    patron_s = min(patron_s, _best(predict, 5))  # interleaved: before and after the peer
    if peer:
        diff = np.abs(np.array(peer["values"]) - result.predictions_.to_numpy()).max()
        print(f"PLSpredict: Patron and plspm predictions differ by at most {diff:.2e}")
        rows.append(("PLSpredict 10 folds × 10 reps", patron_s, peer["seconds"], "plspm 0.5.7"))
    else:
        rows.append(("PLSpredict 10 folds × 10 reps", patron_s, None, ""))

    # Permutation MGA, 1,000 permutations, two halves of mobi.
    half = np.where(np.arange(len(mobi)) % 2 == 0, "even", "odd")
    data = mobi.assign(half=half)
    mga = lambda p: PermutationMGA(group="half", n_permutations=p, seed=3).fit(data)  # noqa: E731
    patron_mga = _best(lambda: mga(1000), 3)
    if peer_permutations:
        small = mga(peer_permutations)
        in_first = half == "even"
        rng = np.random.default_rng(3)
        masks = np.stack([in_first] + [rng.permutation(in_first) for _ in range(peer_permutations)])
        peer = _peer("mga", masks)
        if peer:
            values = np.array(peer["values"])
            observed, shuffled = values[0], values[1:]
            p = (1 + (np.abs(shuffled) >= np.abs(observed) - 1e-12).sum(axis=0)) / (
                1 + len(shuffled)
            )
            names = ["quality -> satisfaction", "satisfaction -> loyalty"]
            ours = small.tests_.loc[names]
            print(
                f"MGA ({peer_permutations} permutations): differences "
                f"{np.abs(ours['difference'].to_numpy() - observed).max():.2e} apart, "
                f"p Patron {ours['p'].round(4).tolist()} plspm {p.round(4).tolist()}"
            )
            patron_mga = min(patron_mga, _best(lambda: mga(1000), 2))
            scaled = peer["seconds"] * 1000 / peer_permutations
            rows.append(("permutation MGA 1,000 (peer scaled)", patron_mga, scaled, "plspm 0.5.7"))
        else:  # the peer's environment is missing: Patron's time still counts
            rows.append(("permutation MGA 1,000", patron_mga, None, ""))
    else:
        rows.append(("permutation MGA 1,000", patron_mga, None, ""))

    alone = [
        (
            "mediation, 5,000 bootstrap",
            lambda: MediationAnalysis(n_resamples=5000, seed=1).fit(mobi),
        ),
        (
            "moderation two-stage",
            lambda: ModerationModel(
                spec="ecsi", interactions=[("quality", "image", "satisfaction")]
            ).fit(mobi),
        ),
        ("HOC two-stage", lambda: HigherOrderModel(spec=HOC_SPEC).fit(mobi)),
        ("NCA + cIPMA, 1,000 permutations", lambda: NecessaryConditionAnalysis(seed=1).fit(mobi)),
        ("FIMIX-PLS 1-4 segments × 10 starts", lambda: select_segments(mobi, seed=1)),
        ("single PLS fit (for scale)", lambda: PLSPathModel(spec="ecsi").fit(pd.DataFrame(mobi))),
    ]
    for name, fn in alone:
        rows.append((name, _best(fn, 2), None, ""))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{'method on mobi (ECSI)':<40} {'Patron s':>9} {'peer s':>9} {'× faster':>9}  peer")
    for name, ours, theirs, who in rows:
        ratio = f"{theirs / ours:>9.0f}" if theirs else f"{'–':>9}"
        other = f"{theirs:>9.2f}" if theirs else f"{'–':>9}"
        print(f"{name:<40} {ours:>9.3f} {other} {ratio}  {who or 'none runs here'}")
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"peak memory {peak:.0f} MB; load average at the end {load}")
