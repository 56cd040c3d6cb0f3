r"""Whether a fitted PLS model measures well: reliability, validity, collinearity and fit.

Every criterion comes with its usual threshold and a plain-words verdict:

=====================  ==========================  =====================================
criterion              rule of thumb               source
=====================  ==========================  =====================================
outer loading          ≥ 0.708                     Hair et al. (2017)
Cronbach's α           0.70 – 0.95                 Nunnally & Bernstein (1994)
ρA (Dijkstra–Henseler) ≥ 0.70                      Dijkstra & Henseler (2015)
ρC (composite rel.)    0.70 – 0.95                 Fornell & Larcker (1981)
AVE                    ≥ 0.50                      Fornell & Larcker (1981)
Fornell–Larcker        √AVE > every correlation    Fornell & Larcker (1981)
HTMT                   < 0.90 (0.85 strict)        Henseler, Ringle & Sarstedt (2015)
VIF                    < 5 (ideally < 3)           Hair et al. (2017)
SRMR                   < 0.08                      Hu & Bentler (1999)
=====================  ==========================  =====================================

.. math::

    \alpha = \frac{k}{k-1}\Bigl(1 - \frac{k}{\mathbf 1^\top R\,\mathbf 1}\Bigr),\quad
    \rho_C = \frac{(\sum\lambda)^2}{(\sum\lambda)^2 + \sum(1-\lambda^2)},\quad
    \mathrm{AVE} = \tfrac1k\sum\lambda^2
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from patron.analyze.csi.engine import Layout
from patron.analyze.csi.plsc import rho_a
from patron.core.i18n import _

THRESHOLDS = {
    "loading": 0.708,
    "alpha": 0.70,
    "rho_a": 0.70,
    "rho_c": 0.70,
    "redundant": 0.95,
    "ave": 0.50,
    "htmt": 0.90,
    "htmt_strict": 0.85,
    "vif": 5.0,
    "vif_ideal": 3.0,
    "srmr": 0.08,
}


@dataclass
class QualityReport:
    """Reliability per construct, discriminant validity, collinearity and fit."""

    reliability: pd.DataFrame  # alpha, rho_a, rho_c, ave per construct
    fornell_larcker: pd.DataFrame  # √AVE on the diagonal, correlations below
    htmt: pd.DataFrame
    inner_vif: pd.DataFrame  # predictor, construct, vif
    outer_vif: pd.Series  # per item of Mode B blocks (all items, for information)
    srmr: float
    verdicts: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "reliability": self.reliability.reset_index().to_dict(orient="records"),
            "htmt": self.htmt.round(6).where(self.htmt.notna(), None).to_dict(),
            "fornell_larcker": self.fornell_larcker.round(6)
            .where(self.fornell_larcker.notna(), None)
            .to_dict(),
            "inner_vif": self.inner_vif.to_dict(orient="records"),
            "srmr": self.srmr,
            "verdicts": self.verdicts,
        }


def cronbach_alpha(r: np.ndarray) -> float:
    """Standardised Cronbach's α from the items' correlation matrix."""
    k = r.shape[0]
    if k < 2:
        return float("nan")
    return float(k / (k - 1) * (1 - k / r.sum()))


def htmt(r: np.ndarray, layout: Layout) -> np.ndarray:
    """Heterotrait–monotrait ratio of every pair of constructs (absolute correlations).

    A single-item construct's monotrait mean is taken as 1 (its item is its construct).
    """
    j_count = len(layout.constructs)
    mono = np.ones(j_count)
    a = np.abs(r)
    for j, idx in enumerate(layout.block_items):
        k = len(idx)
        if k > 1:
            block = a[np.ix_(idx, idx)]
            mono[j] = (block.sum() - np.trace(block)) / (k * (k - 1))
    out = np.full((j_count, j_count), np.nan)
    for i in range(j_count):
        for j in range(i):
            hetero = a[np.ix_(layout.block_items[i], layout.block_items[j])].mean()
            out[i, j] = out[j, i] = hetero / np.sqrt(mono[i] * mono[j])
    return out


def srmr(r: np.ndarray, loadings: np.ndarray, construct_cor: np.ndarray, layout: Layout) -> float:
    """SRMR of the saturated model: observed vs implied item correlations.

    Implied: λ_k λ_l within a block, λ_k λ_l r_ij between blocks i and j (common-factor
    view as in SmartPLS/seminr); the mean is over the lower triangle with the diagonal.
    """
    lam = loadings
    implied = np.outer(lam, lam) * construct_cor[np.ix_(layout.block, layout.block)]
    np.fill_diagonal(implied, 1.0)
    low = np.tril_indices(r.shape[0])
    resid = (r - implied)[low]
    return float(np.sqrt(np.mean(resid**2)))


def assess(
    r: np.ndarray,
    weights: np.ndarray,
    loadings: np.ndarray,
    construct_cor: np.ndarray,
    layout: Layout,
    modes: list[str],
) -> QualityReport:
    """All criteria for one fit: ``r`` item correlations, standardised ``weights``."""
    names = layout.constructs
    rows = []
    rhoa, _c = rho_a(r[None], weights[None], layout)
    for j, name in enumerate(names):
        idx = layout.block_items[j]
        lam = loadings[idx]
        k = len(idx)
        if k > 1 and modes[j] == "A":
            alpha = cronbach_alpha(r[np.ix_(idx, idx)])
            rho_c = float(lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()))
            ave = float(np.mean(lam**2))
            ra = float(rhoa[0, j])
        else:
            alpha = rho_c = ra = float("nan") if k > 1 else 1.0
            ave = float(np.mean(lam**2)) if k > 1 else 1.0
        rows.append(
            {
                "construct": name,
                "items": k,
                "mode": modes[j],
                "alpha": alpha,
                "rho_a": ra,
                "rho_c": rho_c,
                "ave": ave,
            }
        )
    reliability = pd.DataFrame(rows).set_index("construct")
    fl = pd.DataFrame(np.tril(construct_cor, -1), index=names, columns=names).where(
        np.tril(np.ones_like(construct_cor, dtype=bool), -1)
    )
    for name in names:
        fl.loc[name, name] = np.sqrt(reliability.loc[name, "ave"])
    ht = pd.DataFrame(htmt(r, layout), index=names, columns=names)
    vif_rows = []
    for j in layout.endogenous:
        pred = layout.predecessors[j]
        if len(pred) == 1:
            values = np.ones(1)
        else:
            values = np.diag(np.linalg.inv(construct_cor[np.ix_(pred, pred)]))
        for i, v in zip(pred, values, strict=True):
            vif_rows.append({"predictor": names[i], "construct": names[j], "vif": float(v)})
    inner_vif = pd.DataFrame(vif_rows, columns=["predictor", "construct", "vif"])
    outer = {}
    for idx in layout.block_items:
        if len(idx) == 1:
            outer[layout.items[idx[0]]] = 1.0
            continue
        inv = np.linalg.pinv(r[np.ix_(idx, idx)])
        for k, v in zip(idx, np.diag(inv), strict=True):
            outer[layout.items[k]] = float(v)
    outer_vif = pd.Series(outer, name="vif")
    fit = srmr(r, loadings, construct_cor, layout)
    report = QualityReport(reliability, fl, ht, inner_vif, outer_vif, fit)
    report.verdicts = verdicts(report, loadings, layout, modes)
    return report


def verdicts(
    report: QualityReport, loadings: np.ndarray, layout: Layout, modes: list[str]
) -> list[str]:
    """Plain-words findings, one per threshold crossed (or one saying all is well)."""
    t = THRESHOLDS
    out: list[str] = []
    for k, item in enumerate(layout.items):
        j = layout.block[k]
        if modes[j] == "A" and len(layout.block_items[j]) > 1 and loadings[k] < t["loading"]:
            out.append(
                _(
                    "Item {item} loads {value:.3f} on {construct}, below {limit}: consider "
                    "rewording or dropping it."
                ).format(
                    item=item, value=loadings[k], construct=layout.constructs[j], limit=t["loading"]
                )
            )
    for name, row in report.reliability.iterrows():
        if row["mode"] != "A" or row["items"] < 2:
            continue
        if row["alpha"] < t["alpha"]:
            out.append(
                _(
                    "{construct}: Cronbach's alpha {value:.3f} is below {limit} (weak "
                    "internal consistency)."
                ).format(construct=name, value=row["alpha"], limit=t["alpha"])
            )
        if row["rho_a"] < t["rho_a"]:
            out.append(
                _("{construct}: rho_A {value:.3f} is below {limit}.").format(
                    construct=name, value=row["rho_a"], limit=t["rho_a"]
                )
            )
        if row["rho_c"] < t["rho_c"]:
            out.append(
                _("{construct}: composite reliability {value:.3f} is below {limit}.").format(
                    construct=name, value=row["rho_c"], limit=t["rho_c"]
                )
            )
        elif row["rho_c"] > t["redundant"]:
            out.append(
                _(
                    "{construct}: composite reliability {value:.3f} is above {limit}: the "
                    "items may be near-duplicates."
                ).format(construct=name, value=row["rho_c"], limit=t["redundant"])
            )
        if row["ave"] < t["ave"]:
            out.append(
                _(
                    "{construct}: AVE {value:.3f} is below {limit}: the construct explains "
                    "less than half of its items' variance."
                ).format(construct=name, value=row["ave"], limit=t["ave"])
            )
    names = list(report.htmt.index)
    fl = report.fornell_larcker
    for a in range(len(names)):
        for b in range(a):
            value = report.htmt.iloc[a, b]
            if np.isfinite(value) and value >= t["htmt"]:
                out.append(
                    _(
                        "{first} and {second}: HTMT {value:.3f} is at or above {limit}: the "
                        "two may not be distinct."
                    ).format(first=names[a], second=names[b], value=value, limit=t["htmt"])
                )
            cor = abs(fl.iloc[a, b])
            if cor >= min(fl.iloc[a, a], fl.iloc[b, b]):
                out.append(
                    _(
                        "{first} and {second}: correlation {value:.3f} exceeds the square "
                        "root of an AVE (Fornell–Larcker criterion not met)."
                    ).format(first=names[a], second=names[b], value=cor)
                )
    for row in report.inner_vif.itertuples():
        if row.vif >= t["vif"]:
            out.append(
                _(
                    "{predictor} -> {construct}: VIF {value:.2f} is {limit} or more "
                    "(collinear predictors)."
                ).format(
                    predictor=row.predictor, construct=row.construct, value=row.vif, limit=t["vif"]
                )
            )
    if report.srmr >= t["srmr"]:
        out.append(
            _(
                "SRMR {value:.3f} is {limit} or more: the model reproduces the item "
                "correlations only loosely."
            ).format(value=report.srmr, limit=t["srmr"])
        )
    else:
        out.append(
            _("SRMR {value:.3f} is below {limit}: good approximate fit.").format(
                value=report.srmr, limit=t["srmr"]
            )
        )
    if len(out) == 1:
        out.insert(0, _("All reliability and validity criteria are met."))
    return out
