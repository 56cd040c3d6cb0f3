r"""How satisfied are customers of each unit in each period: CSI, NPS, CSAT and CES with intervals.

The programme measures every unit (hotel, station, firm) every period (month, quarter,
year), as Sweden's SCSB, the ACSI and China's CCSI measure firms year after year.

Per respondent ``i`` four scores are formed:

* **CSI** — the ACSI-style 0–100 score of the target construct: the answers to its
  items rescaled to 0–100 and averaged with the PLS outer weights made unstandardised
  and normalised to sum to one (Fornell et al. 1996); the unit's CSI is the mean.
* **NPS** — +100 for a promoter (9–10 on the 0–10 recommend item), −100 for a
  detractor (0–6), 0 otherwise; the mean is the net promoter score.
* **CSAT** — 100 when the overall satisfaction item is in the top two boxes of its
  scale, else 0; the mean is the share satisfied (%).
* **CES** — the answer to the effort item on its own scale; the mean is the score.

Every figure of a unit × period is a ratio :math:`\sum_i w_i x_i / \sum_i w_i` with
survey weights :math:`w_i` (1 without weighting, or from :mod:`weighting`).

**Which parts are re-estimated in the bootstrap.** The outer weights are estimated
once, by one PLS fit on the pooled answers (``weights="pooled"``, the default) or one
fit per period (``weights="period"``), and held fixed in the resamples. What varies
between resamples of a unit is then only the sample of its customers, so a
resample's CSI is a weighted sum of per-respondent scores: every resample of every
cell is one multinomial count matrix times the cluster totals (a GEMM), not a PLS fit
(2,000 times faster). The interval therefore leaves out the uncertainty of the
weights; with thousands of pooled answers it is tiny next to a unit's sampling error,
and the coverage simulation (``benchmarks/csi_programme_coverage.py``) checks the
intervals still cover the truth 95 % of the time.

**How the resampling follows the collection.** Each unit × period is its own
stratum (the programme samples each unit each period independently), so resamples
are drawn within cells. Within a cell the sampling unit is the *cluster*: by default
the customer, since a guest who answered twice in a quarter is one draw, not two
(``cluster=None`` resamples answers). Replicates of every cell are kept, so the
roll-up (:mod:`unit_rollup`) and the changes (:mod:`change`) get intervals from the same
draws without resampling again.

References
----------
.. [1] Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J. & Bryant, B. E. (1996).
   The American Customer Satisfaction Index. Journal of Marketing 60(4), 7-18.
.. [2] Rao, J. N. K. & Wu, C. F. J. (1988). Resampling inference with complex survey
   data. Journal of the American Statistical Association 83(401), 231-241.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from patron.core.i18n import N_, _
from patron.core.printer import Printer
from patron.core.vocabulary import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN
from patron.exceptions import InputError

METRICS = ("csi", "nps", "csat", "ces")
METRIC_LABELS = {
    "csi": N_("satisfaction index (0–100)"),
    "nps": N_("net promoter score"),
    "csat": N_("share satisfied (%)"),
    "ces": N_("customer effort score"),
}
FREQUENCIES = {"month": "M", "quarter": "Q", "year": "Y"}
LEVEL = 0.95


def period_labels(when: pd.Series, frequency: str) -> pd.Series:
    """ "2026-03", "2026Q1" or "2026" for each timestamp (sortable as text)."""
    if frequency not in FREQUENCIES:
        raise InputError(
            _("period {period!r}: use {choices}").format(
                period=frequency, choices=", ".join(FREQUENCIES)
            )
        )
    stamps = pd.to_datetime(when, utc=True, errors="coerce")
    if stamps.isna().any():
        row = int(stamps.isna().to_numpy().nonzero()[0][0])
        raise InputError(
            _("answers: row {row}: answer date {value!r} is not a date").format(
                row=row + 1, value=when.iloc[row]
            )
        )
    year = stamps.dt.year.astype(str)
    if frequency == "year":
        return year
    if frequency == "quarter":
        return year + "Q" + stamps.dt.quarter.astype(str)
    return year + "-" + stamps.dt.month.map("{:02d}".format)


@dataclass(frozen=True)
class MetricItems:
    """Which items give NPS (0–10 recommend), CSAT (overall satisfaction) and CES (effort).

    An item missing from the answers leaves its metric unmeasured (not an error).
    """

    nps: str | None = "NPS"
    csat: str | None = "SAT1"
    ces: str | None = "CES"


def csi_item_weights(answers: pd.DataFrame, spec: Any = "acsi") -> tuple[pd.Series, tuple]:
    """Normalised unstandardised outer weights of the target's items (sum 1) and the scale,
    from one PLS fit of ``spec`` on ``answers``."""
    from patron.analyze.csi.pls import PLSPathModel

    model = PLSPathModel(spec=spec).fit(answers)
    weights = model.unstandardized_weights()
    own = weights.xs(model.spec_.resolved_target(), level=0)
    return own / own.sum(), tuple(model.scale_)


def respondent_scores(
    answers: pd.DataFrame,
    item_weights: pd.Series | None,
    scale: tuple[float, float],
    items: MetricItems = MetricItems(),
) -> pd.DataFrame:
    """The four scores of every respondent (NaN where they did not answer the item)."""
    out = pd.DataFrame(index=answers.index)
    if item_weights is not None:
        low, high = scale
        x = answers[list(item_weights.index)].apply(pd.to_numeric, errors="coerce")
        answered = x.notna().to_numpy()
        w = item_weights.to_numpy()[None, :] * answered
        with np.errstate(invalid="ignore", divide="ignore"):
            # Items a respondent skipped drop out and the others' weights renormalise.
            score = ((x.fillna(0).to_numpy() - low) / (high - low) * w).sum(1) / w.sum(1)
        out["csi"] = 100 * score
    if items.nps and items.nps in answers.columns:
        v = pd.to_numeric(answers[items.nps], errors="coerce")
        bad = v.notna() & ((v < 0) | (v > 10))
        if bad.any():
            raise InputError(
                _("answers: respondent {who}: {item} = {value} is outside 0–10").format(
                    who=bad[bad].index[0], item=items.nps, value=v[bad].iloc[0]
                )
            )
        out["nps"] = np.where(
            v >= NPS_PROMOTER_MIN, 100.0, np.where(v <= NPS_DETRACTOR_MAX, -100.0, 0.0)
        )
        out.loc[v.isna(), "nps"] = np.nan
    if items.csat and items.csat in answers.columns:
        v = pd.to_numeric(answers[items.csat], errors="coerce")
        out["csat"] = np.where(v >= scale[1] - 1, 100.0, 0.0)
        out.loc[v.isna(), "csat"] = np.nan
    if items.ces and items.ces in answers.columns:
        out["ces"] = pd.to_numeric(answers[items.ces], errors="coerce")
    return out


@dataclass
class UnitPeriodIndex:
    """Figures per unit × period with bootstrap replicates (the programme's one result shape).

    ``table``: one row per unit and period — ``unit, period, answers, customers`` then
    per metric ``{m}, {m}_se, {m}_lower, {m}_upper`` and ``status`` ("ok" or the reason
    a figure is missing). ``replicates``: array (rows, metrics, B) of bootstrap values in
    the order of ``table`` and ``metrics`` (NaN where a figure is missing).
    """

    table: pd.DataFrame
    replicates: np.ndarray
    metrics: tuple[str, ...]
    min_answers: int
    n_bootstrap: int
    notes: list[str] = field(default_factory=list)
    item_weights: pd.DataFrame | None = None

    def value(self, unit: str, period: str, metric: str = "csi") -> float:
        row = self._row(unit, period)
        return float(self.table.iloc[row][metric])

    def draws(self, unit: str, period: str, metric: str = "csi") -> np.ndarray:
        return self.replicates[self._row(unit, period), self.metrics.index(metric)]

    def _row(self, unit: str, period: str) -> int:
        hit = np.flatnonzero(
            (self.table["unit"].to_numpy() == unit) & (self.table["period"].to_numpy() == period)
        )
        if not len(hit):
            raise InputError(
                _("no figures for unit {unit} in period {period}").format(unit=unit, period=period)
            )
        return int(hit[0])

    def league(self, period: str, metric: str = "csi") -> pd.DataFrame:
        """Units of one period, best first, with their interval."""
        rows = self.table[self.table["period"] == period]
        cols = ["unit", "answers", metric, f"{metric}_lower", f"{metric}_upper", "status"]
        return rows[cols].sort_values(metric, ascending=False, na_position="last")

    def _printer(self) -> Printer:
        shown = self.table.copy()
        for m in self.metrics:
            shown[m] = [_display(v, s) for v, s in zip(shown[m], shown["status"], strict=True)]
            shown[f"{m}_interval"] = [
                "" if pd.isna(lo) else f"{lo:.1f} – {hi:.1f}"
                for lo, hi in zip(shown[f"{m}_lower"], shown[f"{m}_upper"], strict=True)
            ]
        cols = ["unit", "period", "answers"]
        for m in self.metrics:
            cols += [m, f"{m}_interval"]
        return Printer(
            title=_("Satisfaction by unit and period"),
            facts={
                _("bootstrap resamples"): self.n_bootstrap,
                _("fewest answers for a figure"): self.min_answers,
            },
            tables=[(_("Units and periods"), shown[cols])],
            notes=list(self.notes),
        )

    def print_summary(self) -> None:
        self._printer().print()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": _records(self.table),
            "metrics": list(self.metrics),
            "n_bootstrap": self.n_bootstrap,
            "min_answers": self.min_answers,
            "notes": list(self.notes),
        }


def _display(value: float, status: str) -> str:
    if status != "ok" or pd.isna(value):
        return _("not enough answers")
    return f"{value:.1f}"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def cell_replicates(
    num: np.ndarray, den: np.ndarray, n_bootstrap: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Estimate (M,) and replicates (M, B) of ratios ``sum num / sum den`` for one cell.

    ``num`` and ``den`` are cluster totals (C, M). Each replicate draws C clusters with
    replacement: the counts matrix (B, C) comes from one ``bincount`` of uniform draws
    and the replicates from one matrix product.
    """
    c = num.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = num.sum(0) / den.sum(0)
    if n_bootstrap <= 0:
        return estimate, np.empty((num.shape[1], 0))
    draws = rng.integers(0, c, size=(n_bootstrap, c), dtype=np.int32)
    draws += (np.arange(n_bootstrap, dtype=np.int32) * c)[:, None]
    counts = np.bincount(draws.ravel(), minlength=n_bootstrap * c).reshape(n_bootstrap, c)
    counts = counts.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        reps = (counts @ num) / (counts @ den)
    return estimate, reps.T


def index_by_unit_period(
    scores: pd.DataFrame,
    units: pd.Series,
    periods: pd.Series,
    *,
    clusters: pd.Series | None = None,
    survey_weights: pd.Series | None = None,
    n_bootstrap: int = 1000,
    seed: int | None = None,
    min_answers: int = 30,
    n_jobs: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> UnitPeriodIndex:
    """Every metric of ``scores`` per unit × period with a cluster bootstrap within cells.

    ``scores``: per-respondent scores (one column per metric: :data:`METRICS`, or item
    performances for the PDCA review), index aligned
    with ``units`` and ``periods``. ``clusters``: what is resampled within a cell (the
    customer, an invitation wave; default each answer). ``survey_weights``: each
    answer's weight (default 1). Cells with fewer than ``min_answers`` answers get no
    figure ("not enough answers").
    """
    metrics = tuple(str(c) for c in scores.columns)
    if not metrics:
        raise InputError(_("answers: no item of the CSI, NPS, CSAT or CES is answered"))
    if min_answers < 1:
        raise InputError(_("the fewest answers for a figure must be at least 1"))
    n = len(scores)
    w = np.ones(n) if survey_weights is None else survey_weights.to_numpy(dtype=float)
    if not np.isfinite(w).all() or (w < 0).any():
        raise InputError(_("survey weights must be non-negative numbers"))
    x = scores[list(metrics)].to_numpy(dtype=float)
    seen = np.isfinite(x)
    num_all = np.where(seen, x, 0.0) * w[:, None]
    den_all = seen * w[:, None]
    key = pd.DataFrame({"unit": units.to_numpy(), "period": periods.to_numpy()})
    key["cluster"] = clusters.to_numpy() if clusters is not None else np.arange(n)
    cells = list(key.groupby(["unit", "period"], sort=True).indices.items())
    rng_seeds = np.random.SeedSequence(seed).spawn(len(cells))
    cluster_all = key["cluster"].to_numpy()

    def measure(pos: int) -> tuple[dict[str, Any], np.ndarray]:
        (unit, period), idx = cells[pos]
        cluster_codes, cluster_of = np.unique(cluster_all[idx], return_inverse=True)
        row: dict[str, Any] = {
            "unit": unit,
            "period": period,
            "answers": len(idx),
            "customers": len(cluster_codes),
        }
        if len(idx) < min_answers:
            row["status"] = _("not enough answers ({n} of {minimum})").format(
                n=len(idx), minimum=min_answers
            )
            est = np.full(len(metrics), np.nan)
            rep = np.full((len(metrics), n_bootstrap), np.nan)
        else:
            row["status"] = "ok"
            num = np.zeros((len(cluster_codes), len(metrics)))
            den = np.zeros_like(num)
            np.add.at(num, cluster_of, num_all[idx])
            np.add.at(den, cluster_of, den_all[idx])
            est, rep = cell_replicates(num, den, n_bootstrap, np.random.default_rng(rng_seeds[pos]))
        row.update({m: est[k] for k, m in enumerate(metrics)})
        return row, rep

    rows, reps = [], []
    # Random draws and the matrix products release the GIL: two threads use two cores.
    # BLAS's own threads only spin on these thin products (3x the CPU time): one each.
    with (
        threadpool_limits(limits=1, user_api="blas"),
        ThreadPoolExecutor(max_workers=max(1, int(n_jobs))) as pool,
    ):
        for pos, (row, rep) in enumerate(pool.map(measure, range(len(cells)))):
            rows.append(row)
            reps.append(rep)
            if progress is not None:
                progress(pos + 1, len(cells))
    table = pd.DataFrame(rows)
    replicates = np.stack(reps) if reps else np.empty((0, len(metrics), n_bootstrap))
    table = add_intervals(table, replicates, metrics)
    notes = []
    short = int((table["status"] != "ok").sum())
    if short:
        notes.append(
            _("{n} unit-periods have fewer than {minimum} answers: no figure is shown.").format(
                n=short, minimum=min_answers
            )
        )
    return UnitPeriodIndex(table, replicates, metrics, int(min_answers), int(n_bootstrap), notes)


def add_intervals(
    table: pd.DataFrame, replicates: np.ndarray, metrics: tuple[str, ...]
) -> pd.DataFrame:
    """SE (replicates' SD) and 95 % percentile interval of every metric."""
    table = table.copy()
    alpha = (1 - LEVEL) / 2
    for k, m in enumerate(metrics):
        r = replicates[:, k, :]
        if r.shape[1] == 0:
            table[f"{m}_se"] = np.nan
            table[f"{m}_lower"] = np.nan
            table[f"{m}_upper"] = np.nan
            continue
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(r).all(axis=1)
            se = np.full(len(r), np.nan)
            lower = np.full(len(r), np.nan)
            upper = np.full(len(r), np.nan)
            if ok.any():
                se[ok] = r[ok].std(axis=1, ddof=1)
                lower[ok], upper[ok] = np.quantile(r[ok], [alpha, 1 - alpha], axis=1)
        table[f"{m}_se"] = se
        table[f"{m}_lower"] = lower
        table[f"{m}_upper"] = upper
    return table


def programme_index(
    answers: pd.DataFrame,
    *,
    unit: str = "unit",
    period: str = "quarter",
    spec: Any = "acsi",
    weights: str = "pooled",
    items: MetricItems = MetricItems(),
    cluster: str | None = "customer_id",
    survey_weight: str | None = None,
    n_bootstrap: int = 1000,
    seed: int | None = None,
    min_answers: int = 30,
    progress: Callable[[int, int], None] | None = None,
) -> UnitPeriodIndex:
    """CSI, NPS, CSAT and CES per unit × period of wide ``answers``.

    ``answers`` has one row per respondent: the items, ``unit`` (column name given),
    ``responded_at``, and optionally ``customer_id`` (the cluster) and a weight column.
    ``weights``: "pooled" (one PLS fit on all answers) or "period" (one per period).
    """
    for column in (unit, "responded_at"):
        if column not in answers.columns:
            raise InputError(_("answers: column {column!r} is missing").format(column=column))
    if weights not in ("pooled", "period"):
        raise InputError(_("outer weights {value!r}: use pooled or period").format(value=weights))
    periods = period_labels(answers["responded_at"], period)
    frames, weight_rows = [], []
    groups = [(None, answers)] if weights == "pooled" else list(answers.groupby(periods))
    for label, part in groups:
        item_weights, scale = csi_item_weights(part, spec)
        frames.append(respondent_scores(part, item_weights, scale, items))
        weight_rows.append(
            item_weights.rename("weight")
            .rename_axis("item")
            .reset_index()
            .assign(period=label or _("all periods"))
        )
    scores = pd.concat(frames).loc[answers.index]
    clusters = None
    if cluster and cluster in answers.columns:
        # Answers without a customer are their own cluster.
        filled = answers[cluster].astype("string")
        clusters = filled.fillna(pd.Series(answers.index.astype(str), index=answers.index))
    wcol = None
    if survey_weight is not None:
        if survey_weight not in answers.columns:
            raise InputError(
                _("answers: column {column!r} is missing").format(column=survey_weight)
            )
        wcol = pd.to_numeric(answers[survey_weight], errors="coerce")
    result = index_by_unit_period(
        scores,
        answers[unit].astype(str),
        periods,
        clusters=clusters,
        survey_weights=wcol,
        n_bootstrap=n_bootstrap,
        seed=seed,
        min_answers=min_answers,
        progress=progress,
    )
    result.item_weights = pd.concat(weight_rows, ignore_index=True)
    unmeasured = [m for m in METRICS if m not in result.metrics]
    if unmeasured:
        result.notes.append(
            _("Not measured (no such item in the answers): {metrics}.").format(
                metrics=", ".join(_(METRIC_LABELS[m]) for m in unmeasured)
            )
        )
    return result


__all__ = [
    "METRICS",
    "MetricItems",
    "UnitPeriodIndex",
    "add_intervals",
    "cell_replicates",
    "index_by_unit_period",
    "period_labels",
    "programme_index",
    "respondent_scores",
]
