r"""What the satisfaction index is: ACSI-style 0–100 indices, per group, and rolled up.

The index of a construct is the weighted mean of its items rescaled to 0–100, with
the PLS outer weights made unstandardised and normalised to sum to one (Fornell et
al. 1996):

.. math::

    \tilde w_k = \frac{w_k / s_k}{\sum_{l \in j} w_l / s_l}, \qquad
    \mathrm{CSI}_j = 100\,\sum_{k \in j} \tilde w_k\,\frac{\bar x_k - \min}{\max - \min}

A respondent's own score uses their answers in place of the means. Groups (stores,
segments, periods) are compared by a permutation test (multi-group analysis): the
group labels are shuffled, both groups re-estimated, and the observed difference of
each index and path is set against the shuffled ones. Firm indices roll up to
industries and sectors weighted by revenue, and sectors to the nation weighted by
their share of GDP.

References
----------
.. [1] Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J. & Bryant, B. E. (1996).
   The American Customer Satisfaction Index. Journal of Marketing 60(4), 7-18.
.. [2] Chin, W. W. & Dibbern, J. (2010). A permutation based procedure for multi-group
   PLS analysis. Handbook of Partial Least Squares, 171-193.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.csi.engine import index_from_moments
from patron.analyze.csi.pls import PLSPathModel
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.exceptions import InputError


class CSIModel(PLSPathModel):
    """The customer satisfaction index model: PLS path model plus 0–100 indices.

    Parameters
    ----------
    spec : ModelSpec, str or dict, default="acsi"
        "acsi", "ecsi", a YAML file or a :class:`ModelSpec`.
    n_bootstrap : int, default=0
        Bootstrap resamples for the SEs and the index interval (0: none).
    random_state : int or None
        Seed of the bootstrap.
    n_jobs : int, default=2
    scheme, standardized, missing, consistent, tol, max_iter
        As in :class:`PLSPathModel`.

    Attributes
    ----------
    index_ : Series
        0–100 index of every construct.
    satisfaction_index_ : float
        The target construct's index (satisfaction).
    index_interval_ : tuple of float or None
        Bootstrap 95% percentile interval of ``satisfaction_index_``.
    customer_scores_ : Series
        Each respondent's 0–100 satisfaction score.
    ipma_ : IPMAResult
        Importance–performance map of the target.
    (and every attribute of :class:`PLSPathModel`)

    Examples
    --------
    >>> from patron.analyze.csi import CSIModel, load_mobi
    >>> model = CSIModel(spec="ecsi").fit(load_mobi())
    >>> round(model.satisfaction_index_)
    72
    """

    def __init__(
        self,
        *,
        spec: Any = "acsi",
        scheme: str = "path",
        standardized: bool = True,
        missing: str = "mean",
        consistent: bool = False,
        tol: float = 1e-7,
        max_iter: int = 300,
        n_bootstrap: int = 0,
        random_state: int | None = None,
        n_jobs: int = 2,
    ) -> None:
        super().__init__(
            spec=spec,
            scheme=scheme,
            standardized=standardized,
            missing=missing,
            consistent=consistent,
            tol=tol,
            max_iter=max_iter,
        )
        self.n_bootstrap = n_bootstrap
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(
        self, data: pd.DataFrame | str | Path, progress: Callable[[int], None] | None = None
    ) -> CSIModel:
        """Estimate the model, the indices, their interval and the IPMA."""
        super().fit(data)
        layout = self._layout
        target = self.spec_.resolved_target()
        self.target_ = target
        index = index_from_moments(
            self._std_weights[None], self._sd[None], self._means[None], layout, self.scale_
        )[0]
        self.index_ = pd.Series(index, index=layout.constructs, name="index")
        self.satisfaction_index_ = float(self.index_[target])
        weights = self.unstandardized_weights().to_numpy()
        low, high = self.scale_
        j = layout.constructs.index(target)
        own = layout.block_items[j]
        scores = 100 * ((self._x[:, own] - low) / (high - low)) @ weights[own]
        self.customer_scores_ = pd.Series(scores, index=self._frame_index, name="csi_satisfaction")
        self.index_interval_ = None
        if self.n_bootstrap:
            boot = self.bootstrap(
                int(self.n_bootstrap), seed=self.random_state, n_jobs=self.n_jobs, progress=progress
            )
            row = boot.table("index").loc[target]
            self.index_interval_ = (float(row["lower"]), float(row["upper"]))
        from patron.analyze.csi.ipma import ipma

        self.ipma_ = ipma(self, target=target)
        return self

    def customer_scores(self, customers: pd.Series | None = None) -> pd.DataFrame:
        """Per-respondent scores shaped for ``patron.collect.scores.write_scores``.

        ``customers`` maps the answers' index to ``customer_id`` (default: the column
        ``customer_id`` of the fitted table, else the index itself).
        """
        self.check_is_fitted()
        ids = customers if customers is not None else self._customer_ids
        frame = pd.DataFrame(
            {
                "customer_id": ids.to_numpy(),
                "metric": "csi_satisfaction",
                "value": self.customer_scores_.to_numpy(),
            }
        )
        frame = frame.dropna(subset=["customer_id"])
        # One score per customer: the mean over their responses.
        return frame.groupby(["customer_id", "metric"], as_index=False)["value"].mean()

    def _prepare(self, data):  # keep the customer ids of the rows used
        frame, x = super()._prepare(data)
        if "customer_id" in frame.columns:
            self._customer_ids = frame["customer_id"].astype("string")
        else:
            self._customer_ids = pd.Series(frame.index.astype(str), index=frame.index)
        return frame, x

    def _printer(self, decimals: int = 3) -> Printer:
        printer = super()._printer(decimals)
        printer.title = _("Customer satisfaction index")
        facts = {_("satisfaction index (0–100)"): self.satisfaction_index_}
        if self.index_interval_:
            facts[_("95% interval")] = "{:.1f} – {:.1f}".format(*self.index_interval_)
        printer.facts = {**facts, **printer.facts}
        idx = self.index_.to_frame(_("index"))
        idx.index = pd.Index([self._display(c) for c in idx.index], name=_("construct"))
        printer.tables.insert(1, (_("Indices (0–100)"), idx))
        printer.tables.append((_("Improvement priorities (IPMA)"), self.ipma_.improvement_list(8)))
        return printer

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["index"] = self.index_.to_dict()
        out["satisfaction_index"] = self.satisfaction_index_
        out["index_interval"] = self.index_interval_
        out["ipma"] = self.ipma_.to_dict()
        if self.bootstrap_ is not None:
            out["bootstrap"] = self.bootstrap_.to_dict()
        return out


@dataclass
class GroupComparison:
    """Indices and paths per group, and permutation tests of their differences."""

    groups: pd.DataFrame  # per group: respondents, index, R², paths
    differences: pd.DataFrame  # per pair and statistic: difference, p
    n_permutations: int
    target: str

    def _printer(self) -> Printer:
        diffs = self.differences.copy()
        notes = []
        for row in diffs.itertuples():
            if row.statistic == "index" and row.p_holm < 0.05:
                notes.append(
                    _(
                        "{first} and {second} differ in {target} index by {diff:.1f} points "
                        "(permutation p = {p:.3f}, Holm-adjusted {p_holm:.3f})."
                    ).format(
                        p_holm=row.p_holm,
                        first=row.first,
                        second=row.second,
                        target=self.target,
                        diff=row.difference,
                        p=row.p,
                    )
                )
        if not notes:
            notes.append(
                _("No group's index differs significantly from another's at the 5% level.")
            )
        groups = self.groups.T  # one column per group reads better than 20 columns
        groups.index.name = ""
        return Printer(
            title=_("Satisfaction index by group ({n} permutations)").format(n=self.n_permutations),
            tables=[(_("Groups"), groups), (_("Differences"), diffs)],
            notes=notes,
        )

    def print_summary(self) -> None:
        self._printer().print()

    def _repr_html_(self) -> str:
        return self._printer().to_html()

    def to_dict(self) -> dict[str, Any]:
        return {
            "groups": self.groups.reset_index().to_dict(orient="records"),
            "differences": self.differences.to_dict(orient="records"),
            "n_permutations": self.n_permutations,
        }


def group_indices(
    data: pd.DataFrame,
    group: str,
    *,
    spec: Any = "acsi",
    n_permutations: int = 1000,
    seed: int | None = None,
    n_jobs: int = 2,
    min_group_size: int = 10,
    **model_options: Any,
) -> GroupComparison:
    """Fit the model per group and test every pair of groups by permutation (MGA).

    Tested per pair: the target's index, and every path coefficient. p-values are
    (1 + #{|shuffled difference| ≥ |observed|}) / (1 + permutations).
    """
    from patron.analyze.csi.bootstrap import _Statistics
    from patron.analyze.csi.data import load_answers

    data = load_answers(data)
    if group not in data.columns:
        raise InputError(_("group column '{column}' is not in the answers").format(column=group))
    labels = data[group]
    levels = list(pd.unique(labels.dropna()))
    sizes = labels.value_counts()
    small = [g for g in levels if sizes[g] < min_group_size]
    if small:
        raise InputError(
            _("group '{group}' has only {n} respondents (need {minimum})").format(
                group=small[0], n=int(sizes[small[0]]), minimum=min_group_size
            )
        )
    if len(levels) < 2:
        raise InputError(
            _("group column '{column}' has fewer than two groups").format(column=group)
        )
    rows = []
    fits: dict[Any, CSIModel] = {}
    for level in levels:
        fit = CSIModel(spec=spec, **model_options).fit(data[labels == level])
        fits[level] = fit
        row = {"group": str(level), "respondents": fit.n_obs_, "index": fit.satisfaction_index_}
        row.update({f"R² {k}": v for k, v in fit.r2_.items()})
        row.update({f"{a} -> {b}": c for a, b, c in fit.paths_.itertuples(index=False)})
        rows.append(row)
    groups = pd.DataFrame(rows).set_index("group")
    target = fits[levels[0]].target_
    diffs = []
    rng = np.random.default_rng(seed)
    for a_pos, first in enumerate(levels):
        for second in levels[a_pos + 1 :]:
            pooled = data[labels.isin([first, second])]
            model = CSIModel(spec=spec, **model_options).fit(pooled)
            stats_ = _Statistics(model)
            in_first = (pooled[group] == first).to_numpy()
            # Rows dropped by listwise deletion are not in the model: align labels.
            in_first = pd.Series(in_first, index=pooled.index).loc[model._frame_index].to_numpy()
            j = model._layout.constructs.index(target)

            def diff(masks: np.ndarray, stats_=stats_, j=j) -> tuple[np.ndarray, np.ndarray]:
                a, ok_a = stats_.compute(masks.astype(float))
                b, ok_b = stats_.compute((~masks).astype(float))
                values = np.column_stack(
                    [a["index"][:, j] - b["index"][:, j], a["paths"] - b["paths"]]
                )
                return values, ok_a & ok_b

            observed, _ok = diff(in_first[None])
            perms = np.stack([rng.permutation(in_first) for _ in range(int(n_permutations))])
            chunks = np.array_split(perms, max(1, min(int(n_jobs), len(perms))))
            with ThreadPoolExecutor(max_workers=max(1, int(n_jobs))) as pool:
                results = list(pool.map(diff, chunks))
            shuffled = np.concatenate([r[0] for r in results])[
                np.concatenate([r[1] for r in results])
            ]
            exceed = (np.abs(shuffled) >= np.abs(observed[0]) - 1e-12).sum(axis=0)
            pvalues = (1 + exceed) / (1 + len(shuffled))
            names = ["index"] + [f"{a} -> {b}" for a, b in model.spec_.paths]
            for k, name in enumerate(names):
                diffs.append(
                    {
                        "first": str(first),
                        "second": str(second),
                        "statistic": name,
                        "difference": float(observed[0, k]),
                        "p": float(pvalues[k]),
                    }
                )
    table = pd.DataFrame(diffs)
    # With more than two groups many pairs are tested: Holm's step-down adjustment
    # keeps the family-wise error rate per statistic.
    table["p_holm"] = table.groupby("statistic")["p"].transform(_holm)
    return GroupComparison(groups, table, int(n_permutations), target)


def _holm(p: pd.Series) -> pd.Series:
    order = np.argsort(p.to_numpy())
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, k in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p.iloc[k]))
        adjusted[k] = running
    return pd.Series(adjusted, index=p.index)


@dataclass
class RollUp:
    """Indices at every level: firms, industries, sectors and the nation."""

    firms: pd.DataFrame
    industries: pd.DataFrame
    sectors: pd.DataFrame
    national: float

    def _printer(self) -> Printer:
        return Printer(
            title=_("Satisfaction index roll-up"),
            facts={_("national index"): self.national},
            tables=[
                (_("Sectors"), self.sectors),
                (_("Industries"), self.industries),
            ],
        )

    def print_summary(self) -> None:
        self._printer().print()

    def _repr_html_(self) -> str:
        return self._printer().to_html()

    def to_dict(self) -> dict[str, Any]:
        return {
            "industries": self.industries.reset_index().to_dict(orient="records"),
            "sectors": self.sectors.reset_index().to_dict(orient="records"),
            "national": self.national,
        }


def rollup(firms: pd.DataFrame, gdp_share: Mapping[str, float] | None = None) -> RollUp:
    """Roll firm indices up: industry and sector by revenue, nation by GDP share.

    ``firms`` has columns ``firm, industry, sector, index, revenue``. ``gdp_share``
    maps each sector to its share of GDP (need not sum to one; missing sectors are an
    error); without it the nation is weighted by revenue as well. The weighted means are
    those of :func:`patron.analyze.csi.unit_rollup.rollup_index` (one definition of a roll-up).
    """
    from patron.analyze.csi.programme import UnitPeriodIndex
    from patron.analyze.csi.unit_rollup import rollup_index

    required = ["firm", "industry", "sector", "index", "revenue"]
    for column in required:
        if column not in firms.columns:
            raise InputError(_("Required column {column} missing").format(column=column))
    if (firms["revenue"] < 0).any() or firms["revenue"].isna().any():
        bad = firms.loc[(firms["revenue"] < 0) | firms["revenue"].isna(), "firm"].iloc[0]
        raise InputError(_("firm {firm}: revenue must be a non-negative number").format(firm=bad))
    sectors_seen = list(pd.unique(firms["sector"]))
    if gdp_share is not None:
        missing = [s for s in sectors_seen if s not in gdp_share]
        if missing:
            raise InputError(_("sector {sector} has no GDP share").format(sector=missing[0]))
    # Codes per level, so a sector and an industry may share a name.
    firm_code = "firm\x1f" + firms["firm"].astype(str)
    industry_code = (
        "industry\x1f" + firms["sector"].astype(str) + "\x1f" + firms["industry"].astype(str)
    )
    sector_code = "sector\x1f" + firms["sector"].astype(str)
    tree = pd.concat(
        [
            pd.DataFrame({"code": ["nation"], "parent": [None]}),
            pd.DataFrame({"code": sector_code, "parent": "nation"}).drop_duplicates(),
            pd.DataFrame({"code": industry_code, "parent": sector_code}).drop_duplicates(),
            pd.DataFrame({"code": firm_code, "parent": industry_code}),
        ],
        ignore_index=True,
    )
    table = pd.DataFrame(
        {
            "unit": firm_code,
            "period": "",
            "answers": 1,
            "customers": 1,
            "status": "ok",
            "index": firms["index"].astype(float),
        }
    )
    measured = UnitPeriodIndex(table, np.zeros((len(table), 1, 0)), ("index",), 1, 0)
    weights = pd.DataFrame({"unit": firm_code, "weight": firms["revenue"].astype(float)})
    node_weights = (
        {f"sector\x1f{s}": float(gdp_share[s]) for s in sectors_seen} if gdp_share else None
    )
    tree_table = rollup_index(measured, tree, weight_by=weights, node_weights=node_weights).table
    by_code = tree_table.set_index("unit")
    revenue = weights.groupby(industry_code.to_numpy())["weight"].sum()
    industries = (
        firms.assign(code=industry_code)
        .groupby(["sector", "industry"])
        .agg(code=("code", "first"), firms=("firm", "count"))
    )
    industries.insert(0, "revenue", revenue.reindex(industries["code"]).to_numpy())
    industries["index"] = by_code.loc[industries["code"], "index"].to_numpy()
    sector_revenue = firms.groupby("sector")["revenue"].sum()
    sectors = pd.DataFrame(
        {
            "revenue": sector_revenue,
            "industries": industries.groupby(level=0).size().reindex(sector_revenue.index),
            "index": by_code.loc[
                "sector\x1f" + sector_revenue.index.astype(str), "index"
            ].to_numpy(),
        }
    )
    if gdp_share is not None:
        sectors["gdp_share"] = [float(gdp_share[s]) for s in sectors.index]
    return RollUp(
        firms=firms[required].copy(),
        industries=industries.drop(columns="code"),
        sectors=sectors,
        national=float(by_code.loc["nation", "index"]),
    )
