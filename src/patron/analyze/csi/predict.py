r"""How well a PLS path model predicts new respondents: PLSpredict and CVPAT.

PLSpredict (Shmueli et al. 2016, 2019) splits the respondents into ``folds`` parts,
estimates the model on all parts but one and predicts the held-out part's endogenous
items, for every part and ``repetitions`` random splits. For a held-out respondent the
scores of the constructs come from their items (standardised with the training
sample's means and SDs, times the training weights); then

* **direct antecedents** (``approach="direct"``): an endogenous construct is predicted
  from the scores of its direct antecedents, :math:`\hat\xi_j = \sum_i \beta_{ij}\xi_i`;
* **earliest antecedents** (``approach="earliest"``): from the exogenous constructs
  only, through the total effects, :math:`\hat\xi_j = \sum_{i\,\text{exog.}} t_{ij}\xi_i`;

and an item is predicted as its loading times its construct's prediction, put back on
the answer scale. The **LM benchmark** regresses each endogenous item on the items of
the exogenous constructs (``benchmark="exogenous"``, Shmueli et al. 2019; seminr uses
every item outside the item's block: ``benchmark="others"``), on the same folds. The
**indicator average** (IA) predicts the training mean.

Per item: RMSE and MAE of PLS and LM and

.. math:: Q^2_{\text{predict}} = 1 - \sum_i (x_i - \hat x_i)^2 \big/ \sum_i (x_i - \bar x_{\text{train}})^2.

With several repetitions a respondent's prediction is the mean of its predictions
across repetitions (as seminr does) before the errors are taken.

CVPAT (Liengaard et al. 2021; Sharma et al. 2023) compares the average squared
out-of-sample error of each respondent, :math:`L_i`, between PLS and a benchmark (IA
or LM): :math:`D_i = L_i^{\text{bench}} - L_i^{\text{PLS}}`, :math:`t = \bar D /
(s_D/\sqrt n)`, one-sided p from Student's t with n - 1 df (H1: PLS predicts better),
for all endogenous items together and per endogenous construct.

All training samples are estimated at once: a training sample is a 0/1 weight vector
over the respondents, so its correlation matrix comes from the same cross-product table
as the bootstrap's (:func:`patron.analyze.csi.engine.covariance_from_counts`).

References
----------
.. [1] Shmueli, G., Sarstedt, M., Hair, J. F., Cheah, J.-H., Ting, H., Vaithilingam, S. &
   Ringle, C. M. (2019). Predictive model assessment in PLS-SEM: guidelines for using
   PLSpredict. European Journal of Marketing 53(11), 2322-2347.
.. [2] Liengaard, B. D., Sharma, P. N., Hult, G. T. M., Jensen, M. B., Sarstedt, M.,
   Hair, J. F. & Ringle, C. M. (2021). Prediction: coveted, yet forsaken? Introducing a
   cross-validated predictive ability test in partial least squares path modeling.
   Decision Sciences 52(2), 362-392.
.. [3] Sharma, P. N., Liengaard, B. D., Hair, J. F., Sarstedt, M. & Ringle, C. M. (2023).
   Predictive model assessment and selection in composite-based modeling using PLS-SEM:
   extensions and guidelines for using CVPAT. European Journal of Marketing 57(6).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from patron.analyze.base import PatronEstimator
from patron.analyze.csi import engine
from patron.analyze.csi.pls import PLSPathModel
from patron.analyze.csi.spec import ModelSpec
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.exceptions import InputError

APPROACHES = ("direct", "earliest")
BENCHMARKS = ("exogenous", "others")

#: Columns of :attr:`PLSPredict.summary`, one row per endogenous item.
PREDICT_COLUMNS = ("construct", "PLS RMSE", "PLS MAE", "LM RMSE", "LM MAE", "Q2 predict")
#: Columns of :attr:`CVPATResult.summary`, one row per (benchmark, construct).
CVPAT_COLUMNS = ("benchmark", "construct", "PLS loss", "benchmark loss", "difference", "t", "p")


def fold_assignment(n: int, folds: int, repetitions: int, seed: int | None) -> np.ndarray:
    """(repetitions, n) fold number of each respondent: a seeded shuffle cut into
    ``folds`` near-equal contiguous parts (as seminr's ``cut``)."""
    rng = np.random.default_rng(seed)
    out = np.empty((repetitions, n), dtype=np.intp)
    sizes = np.full(folds, n // folds)
    sizes[: n % folds] += 1
    labels = np.repeat(np.arange(folds), sizes)
    for r in range(repetitions):
        out[r, rng.permutation(n)] = labels
    return out


class PLSPredict(PatronEstimator):
    """Out-of-sample prediction of a PLS path model's endogenous items (PLSpredict).

    Parameters
    ----------
    spec : ModelSpec, str or dict, default="ecsi"
    folds : int, default=10
    repetitions : int, default=10
    approach : {"direct", "earliest"}, default="direct"
    benchmark : {"exogenous", "others"}, default="exogenous"
        Predictors of the LM benchmark: the items of the exogenous constructs, or every
        item outside the predicted item's block.
    seed : int or None
    scheme, missing, tol, max_iter
        As :class:`~patron.analyze.csi.pls.PLSPathModel`.

    Attributes
    ----------
    items_ : DataFrame
        Per endogenous item: construct, RMSE and MAE of PLS, LM and IA, Q²predict.
    predictions_ : DataFrame
        Each respondent's out-of-sample PLS prediction (mean over repetitions).
    lm_predictions_, ia_predictions_ : DataFrame
    actuals_ : DataFrame
    n_obs_ : int
    degenerate_ : int
        Training samples in which PLS did not converge (left out).

    Examples
    --------
    >>> from patron.analyze.csi import load_mobi
    >>> from patron.analyze.csi.predict import PLSPredict
    >>> result = PLSPredict(spec="ecsi", seed=1).fit(load_mobi())
    >>> list(result.summary.columns)[:3]
    ['construct', 'PLS RMSE', 'PLS MAE']
    """

    def __init__(
        self,
        *,
        spec: ModelSpec | str | dict = "ecsi",
        folds: int = 10,
        repetitions: int = 10,
        approach: str = "direct",
        benchmark: str = "exogenous",
        seed: int | None = None,
        scheme: str = "path",
        missing: str = "mean",
        tol: float = 1e-7,
        max_iter: int = 300,
    ) -> None:
        self.spec = spec
        self.folds = folds
        self.repetitions = repetitions
        self.approach = approach
        self.benchmark = benchmark
        self.seed = seed
        self.scheme = scheme
        self.missing = missing
        self.tol = tol
        self.max_iter = max_iter

    _fitted_attr = "n_obs_"

    def _check(self, n: int) -> None:
        if self.approach not in APPROACHES:
            raise InputError(
                _("approach must be one of {choices}, not '{value}'").format(
                    choices=", ".join(APPROACHES), value=self.approach
                )
            )
        if self.benchmark not in BENCHMARKS:
            raise InputError(
                _("benchmark must be one of {choices}, not '{value}'").format(
                    choices=", ".join(BENCHMARKS), value=self.benchmark
                )
            )
        if not 2 <= int(self.folds) <= n:
            raise InputError(
                _(
                    "folds must be between 2 and the number of respondents ({n}), not {value}"
                ).format(n=n, value=self.folds)
            )
        if int(self.repetitions) < 1:
            raise InputError(_("repetitions must be at least 1"))

    def fit(self, data: pd.DataFrame | str | Path) -> PLSPredict:
        """Run the cross-validation on a table of answers (or a file)."""
        model = PLSPathModel(
            spec=self.spec,
            scheme=self.scheme,
            missing=self.missing,
            tol=self.tol,
            max_iter=self.max_iter,
        ).fit(data)
        self.model_ = model
        layout = model._layout
        x = model._x
        n, p = x.shape
        self._check(n)
        folds, reps = int(self.folds), int(self.repetitions)
        assignment = fold_assignment(n, folds, reps, self.seed)
        counts = np.concatenate(
            [(assignment[r][None, :] != np.arange(folds)[:, None]) for r in range(reps)]
        ).astype(float)
        centred = x - model._means
        products = engine.CrossProducts.of(centred)
        means, corr, sd = engine.covariance_from_counts(products, counts, standardize=True)
        cov = corr * sd[:, :, None] * sd[:, None, :]
        est = engine.estimate(
            corr, layout, scheme=self.scheme, tol=self.tol, max_iter=int(self.max_iter)
        )
        ok = est.converged & np.isfinite(sd).all(axis=1) & (sd > 0).all(axis=1)
        self.degenerate_ = int((~ok).sum())
        endo = layout.endogenous
        exo = [j for j in range(len(layout.constructs)) if j not in endo]
        targets = np.concatenate([layout.block_items[j] for j in endo])
        exo_items = np.concatenate([layout.block_items[j] for j in exo])
        total = engine.total_effects(est.paths)
        q = len(targets)
        pls = np.full((reps, n, q), np.nan)
        lm = np.full((reps, n, q), np.nan)
        ia = np.full((reps, n, q), np.nan)
        for b in range(len(counts)):
            if not ok[b]:
                continue
            r, fold = divmod(b, folds)
            test = np.flatnonzero(assignment[r] == fold)
            z = (centred[test] - means[b]) / sd[b]
            scores = z @ (est.weights[b][:, None] * layout.membership)
            if self.approach == "direct":
                predicted = scores @ est.paths[b]
            else:
                predicted = scores[:, exo] @ total[b][exo]
            item_std = predicted[:, layout.block[targets]] * est.loadings[b][targets]
            pls[r, test] = item_std * sd[b][targets] + means[b][targets]
            ia[r, test] = means[b][targets]
            lm[r, test] = self._linear(centred[test], cov[b], means[b], layout, targets, exo_items)
        full_means = model._means[targets]
        pls, lm, ia = (np.nanmean(a, axis=0) + full_means for a in (pls, lm, ia))
        actual = x[:, targets]
        items = [layout.items[k] for k in targets]
        index = pd.Index(items, name="item")
        frame = model._frame_index
        self.actuals_ = pd.DataFrame(actual, index=frame, columns=index)
        self.predictions_ = pd.DataFrame(pls, index=frame, columns=index)
        self.lm_predictions_ = pd.DataFrame(lm, index=frame, columns=index)
        self.ia_predictions_ = pd.DataFrame(ia, index=frame, columns=index)
        err = {"PLS": actual - pls, "LM": actual - lm, "IA": actual - ia}
        table = pd.DataFrame(
            {"construct": [layout.constructs[layout.block[k]] for k in targets]}, index=index
        )
        for name, e in err.items():
            table[f"{name} RMSE"] = np.sqrt(np.mean(e**2, axis=0))
            table[f"{name} MAE"] = np.mean(np.abs(e), axis=0)
        table["Q2 predict"] = 1 - (err["PLS"] ** 2).sum(axis=0) / (err["IA"] ** 2).sum(axis=0)
        self.items_ = table
        self._errors = err
        self.n_obs_ = int(n)
        return self

    def _linear(
        self,
        test_centred: np.ndarray,
        cov: np.ndarray,
        means: np.ndarray,
        layout: engine.Layout,
        targets: np.ndarray,
        exo_items: np.ndarray,
    ) -> np.ndarray:
        """LM benchmark predictions (centred on the full sample's means) of the targets."""
        out = np.empty((len(test_centred), len(targets)))
        start = 0  # the targets are the endogenous blocks' items, block after block
        for j in layout.endogenous:
            own = layout.block_items[j]
            if self.benchmark == "exogenous":
                predictors = exo_items
            else:
                predictors = np.setdiff1d(np.arange(len(layout.items)), own)
            beta = np.linalg.lstsq(
                cov[np.ix_(predictors, predictors)], cov[np.ix_(predictors, own)], rcond=None
            )[0]
            pred = (test_centred[:, predictors] - means[predictors]) @ beta + means[own]
            out[:, start : start + len(own)] = pred
            start += len(own)
        return out

    # -- views ------------------------------------------------------------------------
    @property
    def summary(self) -> pd.DataFrame:
        """Per endogenous item: :data:`PREDICT_COLUMNS`."""
        self.check_is_fitted()
        return self.items_[list(PREDICT_COLUMNS)].copy()

    def verdict(self) -> str:
        """Shmueli et al.'s (2019) reading: how many items PLS predicts better than LM."""
        self.check_is_fitted()
        table = self.items_
        if (table["Q2 predict"] <= 0).any():
            return _("Some items have Q²predict ≤ 0: the model does not out-predict the mean.")
        better = int((table["PLS RMSE"] < table["LM RMSE"]).sum())
        total = len(table)
        if better == total:
            return _("High predictive power: PLS beats the LM benchmark on every item.")
        if better > total / 2:
            return _("Medium predictive power: PLS beats the LM benchmark on most items.")
        if better > 0:
            return _("Low predictive power: PLS beats the LM benchmark on a minority of items.")
        return _("No predictive power beyond the LM benchmark.")

    def cvpat(self) -> CVPATResult:
        """CVPAT of PLS against the indicator average and the LM benchmark."""
        self.check_is_fitted()
        constructs = self.items_["construct"].to_numpy()
        groups = [(_("all endogenous"), np.ones(len(constructs), dtype=bool))]
        groups += [(c, constructs == c) for c in dict.fromkeys(constructs)]
        rows = []
        for bench in ("IA", "LM"):
            for label, mask in groups:
                loss_pls = (self._errors["PLS"][:, mask] ** 2).mean(axis=1)
                loss_bench = (self._errors[bench][:, mask] ** 2).mean(axis=1)
                d = loss_bench - loss_pls
                n = len(d)
                sd = d.std(ddof=1)
                t = d.mean() / (sd / np.sqrt(n)) if sd > 0 else np.nan
                rows.append(
                    {
                        "benchmark": bench,
                        "construct": label,
                        "PLS loss": loss_pls.mean(),
                        "benchmark loss": loss_bench.mean(),
                        "difference": d.mean(),
                        "t": t,
                        "p": float(stats.t.sf(t, n - 1)) if np.isfinite(t) else np.nan,
                    }
                )
        table = pd.DataFrame(rows).set_index(["benchmark", "construct"])
        return CVPATResult(table=table, n_obs=self.n_obs_)

    def chart(self):
        """RMSE of PLS and LM per item (grouped bars)."""
        from patron.analyze.csi.methods_plots import plot_prediction

        return plot_prediction(self)

    def _printer(self, decimals: int = 3) -> Printer:
        self.check_is_fitted()
        facts = {
            _("model"): self.model_.spec_.name,
            _("respondents"): self.n_obs_,
            _("folds"): int(self.folds),
            _("repetitions"): int(self.repetitions),
            _("approach"): _("direct antecedents")
            if self.approach == "direct"
            else _("earliest antecedents"),
            _("degenerate training samples"): self.degenerate_,
        }
        return Printer(
            title=_("PLSpredict: out-of-sample prediction"),
            facts=facts,
            tables=[(_("Prediction errors per item"), self.summary)],
            notes=[self.verdict()],
            decimals=decimals,
        )

    def to_dict(self) -> dict[str, Any]:
        self.check_is_fitted()
        return {
            "respondents": self.n_obs_,
            "folds": int(self.folds),
            "repetitions": int(self.repetitions),
            "approach": self.approach,
            "items": self.summary.reset_index().to_dict(orient="records"),
            "verdict": self.verdict(),
        }


@dataclass
class CVPATResult:
    """CVPAT: PLS's average squared prediction error against a benchmark's."""

    table: pd.DataFrame
    n_obs: int

    @property
    def summary(self) -> pd.DataFrame:
        """One row per (benchmark, construct): :data:`CVPAT_COLUMNS`."""
        return self.table.reset_index()[list(CVPAT_COLUMNS)]

    def _printer(self, decimals: int = 3) -> Printer:
        notes = []
        for (bench, construct), row in self.table.iterrows():
            if row["p"] < 0.05:
                notes.append(
                    _("{construct}: PLS predicts better than {bench} (p = {p:.3f}).").format(
                        construct=construct, bench=bench, p=row["p"]
                    )
                )
        return Printer(
            title=_("CVPAT: cross-validated predictive ability test"),
            facts={_("respondents"): self.n_obs},
            tables=[(_("Loss differences (benchmark − PLS)"), self.summary)],
            notes=notes,
            decimals=decimals,
        )

    def print(self, console=None) -> None:
        self._printer().print(console)

    def __str__(self) -> str:
        return self._printer().to_text()

    def to_dict(self) -> dict[str, Any]:
        frame = self.table.reset_index().replace({np.nan: None})
        return {"respondents": self.n_obs, "tests": frame.to_dict(orient="records")}
