r"""Do two groups of respondents differ in their paths: permutation multigroup analysis.

Chin & Dibbern (2010): estimate the model in each group and take the difference of
every path coefficient (and R²); shuffle the group labels many times, re-estimate both
"groups" each time, and see how often a shuffled difference is as large as the
observed one:

.. math:: p = \frac{1 + \#\{|\hat\delta^{*}_b| \ge |\hat\delta|\}}{1 + B}.

Each shuffle is a 0/1 weight vector over the pooled respondents, so all 2B group
models are estimated at once from one cross-product table (as the bootstrap does).
Measurement invariance comes first (Henseler, Ringle & Sarstedt 2016): ``fit`` runs
MICOM (:mod:`patron.analyze.csi.micom`) on the same two groups before the path test,
and when compositional (or configural) invariance fails the result refuses to
interpret the path differences: the composites are not the same variables in both
groups, so a difference in paths may only be a difference in measurement.

References
----------
.. [1] Chin, W. W. & Dibbern, J. (2010). An introduction to a permutation based
   procedure for multi-group PLS analysis. In Handbook of Partial Least Squares,
   171-193. Springer.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.base import PatronEstimator
from patron.analyze.csi.bootstrap import _Statistics
from patron.analyze.csi.data import load_answers
from patron.analyze.csi.pls import PLSPathModel
from patron.analyze.csi.spec import ModelSpec
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.exceptions import InputError

#: Columns of :attr:`PermutationMGA.summary`, one row per path (and R²).
MGA_COLUMNS = ("first", "second", "difference", "lower 2.5%", "upper 97.5%", "p")


class PermutationMGA(PatronEstimator):
    """Permutation test of the difference in path coefficients between two groups.

    Parameters
    ----------
    spec : ModelSpec, str or dict, default="ecsi"
    group : str
        Column of the answers holding the group label.
    groups : (str, str) or None
        The two groups to compare (default: the column's two values).
    n_permutations : int, default=1000
    seed : int or None
    n_jobs : int, default=2
    min_group_size : int, default=10
    invariance : bool, default=True
        Run MICOM first (with the same permutations and seed); False skips it (the
        path differences are then shown without that check, and say so).
    scheme, missing
        As :class:`~patron.analyze.csi.pls.PLSPathModel`.

    Attributes
    ----------
    models_ : dict
        The model fitted in each group.
    tests_ : DataFrame
        Per statistic: the two groups' estimates, their difference, the 2.5 % and
        97.5 % quantiles of the permutation distribution, p.
    n_valid_ : int
        Permutations in which both group models converged.
    micom_ : MICOMResult or None
        Measurement invariance of the two groups (None with ``invariance=False``).
    interpretable_ : bool
        Whether the path differences may be read: MICOM found at least partial
        invariance (configural and compositional).

    Examples
    --------
    >>> from patron.analyze.csi import load_mobi
    >>> from patron.analyze.csi.mga import PermutationMGA
    >>> data = load_mobi().assign(half=lambda d: (d.index % 2).map({0: "even", 1: "odd"}))
    >>> mga = PermutationMGA(group="half", n_permutations=200, seed=1).fit(data)
    >>> list(mga.summary.columns)
    ['first', 'second', 'difference', 'lower 2.5%', 'upper 97.5%', 'p']
    """

    def __init__(
        self,
        *,
        spec: ModelSpec | str | dict = "ecsi",
        group: str = "group",
        groups: tuple[str, str] | None = None,
        n_permutations: int = 1000,
        seed: int | None = None,
        n_jobs: int = 2,
        min_group_size: int = 10,
        scheme: str = "path",
        missing: str = "mean",
        invariance: bool = True,
    ) -> None:
        self.spec = spec
        self.group = group
        self.groups = groups
        self.n_permutations = n_permutations
        self.seed = seed
        self.n_jobs = n_jobs
        self.min_group_size = min_group_size
        self.scheme = scheme
        self.missing = missing
        self.invariance = invariance

    _fitted_attr = "tests_"

    def _levels(self, labels: pd.Series) -> tuple[Any, Any]:
        present = [str(v) for v in pd.unique(labels.dropna())]
        if self.groups is None:
            if len(present) != 2:
                raise InputError(
                    _(
                        "group column '{column}' has {n} groups ({names}): name the two to compare"
                    ).format(column=self.group, n=len(present), names=", ".join(present[:10]))
                )
            return present[0], present[1]
        if len(self.groups) != 2 or self.groups[0] == self.groups[1]:
            raise InputError(_("name two different groups to compare"))
        for name in self.groups:
            if str(name) not in present:
                raise InputError(
                    _("group '{name}' is not in column '{column}' ({names})").format(
                        name=name, column=self.group, names=", ".join(present[:10])
                    )
                )
        return str(self.groups[0]), str(self.groups[1])

    def fit(self, data: pd.DataFrame | str | Path) -> PermutationMGA:
        """Fit the model in both groups and run the permutation test."""
        frame = load_answers(data)
        if self.group not in frame.columns:
            raise InputError(
                _("group column '{column}' is not in the answers").format(column=self.group)
            )
        if int(self.n_permutations) < 1:
            raise InputError(_("permutations must be at least 1"))
        labels = frame[self.group].astype("string")
        first, second = self._levels(labels)
        pooled = frame[labels.isin([first, second]).fillna(False).to_numpy()]
        options = {"spec": self.spec, "scheme": self.scheme, "missing": self.missing}
        model = PLSPathModel(**options).fit(pooled)
        in_first = (
            (pooled[self.group].astype("string") == first)
            .fillna(False)
            .loc[model._frame_index]
            .to_numpy()
        )
        for name, size in ((first, in_first.sum()), (second, (~in_first).sum())):
            if size < int(self.min_group_size):
                raise InputError(
                    _("group '{group}' has only {n} respondents (need {minimum})").format(
                        group=name, n=int(size), minimum=int(self.min_group_size)
                    )
                )
        self.models_ = {
            first: PLSPathModel(**options).fit(pooled.loc[model._frame_index[in_first]]),
            second: PLSPathModel(**options).fit(pooled.loc[model._frame_index[~in_first]]),
        }
        statistics = _Statistics(model)
        endo = statistics.endogenous

        def compute(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            a, ok_a = statistics.compute(masks.astype(float))
            b, ok_b = statistics.compute((~masks).astype(float))
            values_a = np.column_stack([a["paths"], a["r2"]])
            values_b = np.column_stack([b["paths"], b["r2"]])
            return values_a, values_b, ok_a & ok_b

        est_a, est_b, _ok = compute(in_first[None])
        observed = est_a[0] - est_b[0]
        rng = np.random.default_rng(self.seed)
        perms = np.stack([rng.permutation(in_first) for _ in range(int(self.n_permutations))])
        chunks = np.array_split(perms, max(1, min(int(self.n_jobs), len(perms))))
        with ThreadPoolExecutor(max_workers=max(1, int(self.n_jobs))) as pool:
            results = list(pool.map(compute, chunks))
        ok = np.concatenate([r[2] for r in results])
        shuffled = np.concatenate([r[0] - r[1] for r in results])[ok]
        self.n_valid_ = int(ok.sum())
        exceed = (np.abs(shuffled) >= np.abs(observed) - 1e-12).sum(axis=0)
        names = [f"{a} -> {b}" for a, b in model.spec_.paths]
        names += [f"R² {model._layout.constructs[j]}" for j in endo]
        self.tests_ = pd.DataFrame(
            {
                "first": est_a[0],
                "second": est_b[0],
                "difference": observed,
                "lower 2.5%": np.quantile(shuffled, 0.025, axis=0),
                "upper 97.5%": np.quantile(shuffled, 0.975, axis=0),
                "p": (1 + exceed) / (1 + len(shuffled)),
            },
            index=pd.Index(names, name="statistic"),
        )
        self.group_names_ = (first, second)
        self.sizes_ = (int(in_first.sum()), int((~in_first).sum()))
        self.n_obs_ = int(len(in_first))
        self.micom_ = None
        if self.invariance:
            from patron.analyze.csi.micom import micom

            self.micom_ = micom(
                pooled,
                pooled[self.group].astype("string"),
                spec=self.spec,
                groups=(first, second),
                n_permutations=int(self.n_permutations),
                seed=self.seed,
                scheme=self.scheme,
            )
        self.interpretable_ = self.micom_ is None or self.micom_.verdict != "none"
        return self

    @property
    def summary(self) -> pd.DataFrame:
        """Per path and R²: :data:`MGA_COLUMNS` (``first``/``second``: each group's
        estimate; the quantiles are those of the permuted differences)."""
        self.check_is_fitted()
        return self.tests_[list(MGA_COLUMNS)].copy()

    def _printer(self, decimals: int = 3) -> Printer:
        self.check_is_fitted()
        first, second = self.group_names_
        notes = [
            _("{statistic} differs between {first} and {second} (permutation p = {p:.3f}).").format(
                statistic=name, first=first, second=second, p=row["p"]
            )
            for name, row in self.tests_.iterrows()
            if row["p"] < 0.05
        ] or [_("No path differs significantly between the groups at the 5% level.")]
        if self.micom_ is None:
            notes.insert(0, _("Measurement invariance was not checked (MICOM skipped)."))
        elif not self.interpretable_:
            notes = [
                _(
                    "Path differences are not interpreted: MICOM finds no measurement "
                    "invariance between {first} and {second} ({verdict}), so the composites "
                    "are not the same variables in both groups."
                ).format(first=first, second=second, verdict=self.micom_.verdict_text)
            ]
        else:
            notes.insert(0, _("MICOM: {verdict}.").format(verdict=self.micom_.verdict_text))
        table = self.summary.rename(columns={"first": first, "second": second})
        return Printer(
            title=_("Permutation multigroup analysis"),
            facts={
                first: self.sizes_[0],
                second: self.sizes_[1],
                _("permutations"): self.n_valid_,
            },
            tables=[(_("Group differences"), table)],
            notes=notes,
            decimals=decimals,
        )

    def to_dict(self) -> dict[str, Any]:
        self.check_is_fitted()
        return {
            "groups": dict(zip(self.group_names_, self.sizes_, strict=True)),
            "permutations": self.n_valid_,
            "micom": None if self.micom_ is None else self.micom_.to_dict(),
            "interpretable": self.interpretable_,
            "tests": self.summary.reset_index().to_dict(orient="records"),
        }
