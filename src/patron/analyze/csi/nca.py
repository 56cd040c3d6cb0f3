r"""Which drivers must be present for a level of satisfaction: necessary condition analysis.

PLS paths say how much satisfaction rises *on average* with a driver (sufficiency);
necessary condition analysis (NCA, Dul 2016) asks whether a high outcome is
*impossible* without enough of a driver: the upper-left corner of the scatter of
driver (x) and outcome (y) is empty. The CE-FDH ceiling is the step line through the
"peers" (each respondent with a higher y than every respondent with a lower x):

.. math::

    c(x) = \max\{y_i : x_i \le x\}, \qquad
    d = \frac{\text{ceiling zone (area above the ceiling)}}{\text{scope } (x_{\max}-x_{\min})
    (y_{\max}-y_{\min})}

(0 ≤ d < 0.1 small, 0.1-0.3 medium, 0.3-0.5 large, ≥ 0.5 very large). Its p-value
comes from a permutation test (Dul, van der Laan & Kuik 2020): shuffle y against x and
count how often the shuffled d reaches the observed one. The bottleneck table gives,
for each outcome level (0, 10, … 100 % of its range), the level of the driver it
requires (% of its range; NaN: not necessary, "NN").

Combined importance-performance map analysis (cIPMA, Hauff et al. 2024) runs NCA on
the constructs' 0-100 scores (the IPMA's performance scale) beside the IPMA: a driver
with a large effect, low performance *and* a significant necessity effect is the
first priority; :attr:`NecessaryConditionAnalysis.cipma_` also says, for a target
level of the outcome, the level each driver must reach and how many respondents fall
short of it.

References
----------
.. [1] Dul, J. (2016). Necessary condition analysis (NCA): logic and methodology of
   "necessary but not sufficient" causality. Organizational Research Methods 19(1), 10-52.
.. [2] Dul, J., van der Laan, E. & Kuik, R. (2020). A statistical significance test for
   necessary condition analysis. Organizational Research Methods 23(2), 385-395.
.. [3] Hauff, S., Richter, N. F., Sarstedt, M. & Ringle, C. M. (2024). Importance and
   performance in PLS-SEM and NCA: introducing the combined importance-performance map
   analysis (cIPMA). Journal of Retailing and Consumer Services 78, 103723.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.base import PatronEstimator
from patron.analyze.csi.index import CSIModel
from patron.analyze.csi.spec import ModelSpec
from patron.core.i18n import _
from patron.core.printer import Printer
from patron.exceptions import InputError

#: Columns of :attr:`NecessaryConditionAnalysis.summary`, one row per condition.
NCA_COLUMNS = ("effect size d", "p", "ceiling zone", "scope", "importance", "performance")


def peers(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(k, 2) the CE-FDH peers: points that raise the ceiling, ordered by x."""
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    running = np.maximum.accumulate(ys)
    # A point is a peer when it lifts the running maximum (the last of tied x wins).
    lift = np.r_[True, running[1:] > running[:-1]]
    px, py = xs[lift], running[lift]
    keep = np.r_[px[1:] != px[:-1], True]  # ties in x: keep the highest y
    return np.column_stack([px[keep], py[keep]])


def ceiling_zone(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(ceiling zone, scope) of the CE-FDH ceiling with the empirical scope."""
    p = peers(x, y)
    y_max = y.max()
    widths = np.diff(np.r_[p[:, 0], x.max()])
    zone = float(np.sum(widths * (y_max - p[:, 1])))
    return zone, float((x.max() - x.min()) * (y_max - y.min()))


def _effect_sizes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """CE-FDH d for a stack of outcomes y (B, n) against one condition x (n)."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    ys = y[:, order]
    # Ties in x share the ceiling of the highest y among them.
    starts = np.r_[True, xs[1:] != xs[:-1]]
    top = np.maximum.reduceat(ys, np.flatnonzero(starts), axis=1)
    ceiling = np.maximum.accumulate(top, axis=1)
    xu = xs[starts]
    widths = np.diff(np.r_[xu, xs[-1]])
    y_max, y_min = y.max(axis=1), y.min(axis=1)
    zone = ((y_max[:, None] - ceiling) * widths).sum(axis=1)
    return zone / ((xs[-1] - xs[0]) * (y_max - y_min))


def bottleneck(x: np.ndarray, y: np.ndarray, steps: int = 10) -> pd.Series:
    """Required x (% of its range) for y at 0, 100/steps, … 100 % of its range."""
    p = peers(x, y)
    levels = np.linspace(0, 100, steps + 1)
    y_level = y.min() + levels / 100 * (y.max() - y.min())
    out = []
    for target in y_level:
        if target <= p[0, 1] + 1e-12:
            out.append(np.nan)  # NN: reachable at the lowest x
            continue
        k = int(np.argmax(p[:, 1] >= target - 1e-12))
        out.append(100 * (p[k, 0] - x.min()) / (x.max() - x.min()))
    return pd.Series(out, index=pd.Index(levels, name="outcome %"))


class NecessaryConditionAnalysis(PatronEstimator):
    """NCA (CE-FDH) of the drivers of a target construct, beside its IPMA (cIPMA).

    Parameters
    ----------
    spec : ModelSpec, str or dict, default="ecsi"
    target : str or None
        The outcome construct (default: the specification's target).
    n_permutations : int, default=1000
        Permutations of the significance test (0: none).
    target_level : float, default=80
        The outcome level (0-100 score) for which the cIPMA table gives each driver's
        required level and the share of respondents below it.
    steps : int, default=10
        Rows of the bottleneck table.
    seed : int or None

    Attributes
    ----------
    effects_ : DataFrame
        Per condition: d, p, ceiling zone, scope, IPMA importance and performance.
    bottleneck_ : DataFrame
        Required condition level (% of range) per outcome level; NaN = not necessary.
    cipma_ : DataFrame
        Per condition: importance, performance, d, p, required score for
        ``target_level`` and the share of respondents below it.
    scores_ : DataFrame
        The constructs' 0-100 scores used.
    """

    def __init__(
        self,
        *,
        spec: ModelSpec | str | dict = "ecsi",
        target: str | None = None,
        n_permutations: int = 1000,
        target_level: float = 80.0,
        steps: int = 10,
        seed: int | None = None,
    ) -> None:
        self.spec = spec
        self.target = target
        self.n_permutations = n_permutations
        self.target_level = target_level
        self.steps = steps
        self.seed = seed

    _fitted_attr = "effects_"

    def fit(self, data: pd.DataFrame | str | Path) -> NecessaryConditionAnalysis:
        """Estimate the model, its IPMA, and the NCA of every driver of the target."""
        if not 0 <= float(self.target_level) <= 100:
            raise InputError(_("target level must be between 0 and 100"))
        if int(self.steps) < 1 or int(self.n_permutations) < 0:
            raise InputError(_("steps must be at least 1 and permutations not negative"))
        model = CSIModel(spec=self.spec, n_bootstrap=0).fit(data)
        target = self.target or model.target_
        if target not in model.spec_.construct_names:
            raise InputError(
                _("target '{name}' is not a construct ({names})").format(
                    name=target, names=", ".join(model.spec_.construct_names)
                )
            )
        from patron.analyze.csi.ipma import ipma

        table = ipma(model, target=target).constructs
        layout = model._layout
        low, high = model.scale_
        weights = model.unstandardized_weights().to_numpy()
        scores = 100 * ((model._x - low) / (high - low)) @ (weights[:, None] * layout.membership)
        self.scores_ = pd.DataFrame(scores, index=model._frame_index, columns=layout.constructs)
        conditions = [c for c in table.index if c != target]
        if not conditions:
            raise InputError(_("'{name}' has no drivers in the model").format(name=target))
        y = self.scores_[target].to_numpy()
        rng = np.random.default_rng(self.seed)
        rows, necks, cipma = [], {}, []
        for condition in conditions:
            x = self.scores_[condition].to_numpy()
            zone, scope = ceiling_zone(x, y)
            d = zone / scope if scope > 0 else np.nan
            p = np.nan
            if int(self.n_permutations) and scope > 0:
                shuffled = np.stack([rng.permutation(y) for _ in range(int(self.n_permutations))])
                null = _effect_sizes(x, shuffled)
                p = float((1 + np.sum(null >= d - 1e-12)) / (1 + len(null)))
            rows.append(
                {
                    "condition": condition,
                    "effect size d": d,
                    "p": p,
                    "ceiling zone": zone,
                    "scope": scope,
                    "importance": float(table.loc[condition, "importance"]),
                    "performance": float(table.loc[condition, "performance"]),
                }
            )
            necks[condition] = bottleneck(x, y, int(self.steps))
            required = self._required(x, y, float(self.target_level))
            cipma.append(
                {
                    "condition": condition,
                    "importance": rows[-1]["importance"],
                    "performance": rows[-1]["performance"],
                    "effect size d": d,
                    "p": p,
                    "required score": required,
                    "share below": float(np.mean(x < required)) if np.isfinite(required) else 0.0,
                }
            )
        self.effects_ = pd.DataFrame(rows).set_index("condition")
        self.bottleneck_ = pd.DataFrame(necks)
        self.cipma_ = pd.DataFrame(cipma).set_index("condition")
        self.target_ = target
        self.model_ = model
        self.n_obs_ = model.n_obs_
        return self

    @staticmethod
    def _required(x: np.ndarray, y: np.ndarray, level: float) -> float:
        """The lowest score of x at which the ceiling reaches outcome ``level``."""
        p = peers(x, y)
        if level <= p[0, 1]:
            return np.nan
        if level > p[-1, 1]:
            return np.inf
        return float(p[int(np.argmax(p[:, 1] >= level)), 0])

    # -- views --------------------------------------------------------------------------
    @property
    def outcome(self) -> str:
        return self.target_

    @property
    def summary(self) -> pd.DataFrame:
        """Per condition: :data:`NCA_COLUMNS`."""
        self.check_is_fitted()
        return self.effects_[list(NCA_COLUMNS)].copy()

    def points(self, condition: str) -> pd.DataFrame:
        return pd.DataFrame(
            {"x": self.scores_[condition].to_numpy(), "y": self.scores_[self.target_].to_numpy()}
        )

    def ceiling(self, condition: str) -> pd.DataFrame:
        """The CE-FDH step line's corner points (for the chart)."""
        x = self.scores_[condition].to_numpy()
        p = peers(x, self.scores_[self.target_].to_numpy())
        xs = np.r_[p[:, 0], x.max()]
        return pd.DataFrame({"x": xs, "y": np.r_[p[:, 1], p[-1, 1]]})

    def chart(self, condition: str | None = None):
        """Scatter with the ceiling line of one condition (default: the largest d)."""
        from patron.analyze.csi.methods_plots import plot_ceiling

        self.check_is_fitted()
        condition = condition or str(self.effects_["effect size d"].idxmax())
        if condition not in self.effects_.index:
            raise InputError(
                _("'{name}' is not a condition of this analysis").format(name=condition)
            )
        return plot_ceiling(self, condition)

    def verdicts(self) -> list[str]:
        out = []
        for name, row in self.cipma_.iterrows():
            if row["p"] < 0.05 and row["effect size d"] >= 0.1:
                out.append(
                    _(
                        "{condition} is necessary (d = {d:.2f}, p = {p:.3f}): {target} of "
                        "{level:.0f} needs {condition} of at least {required:.0f}; "
                        "{share:.0%} of respondents fall short."
                    ).format(
                        condition=name,
                        d=row["effect size d"],
                        p=row["p"],
                        target=self.target_,
                        level=float(self.target_level),
                        required=row["required score"],
                        share=row["share below"],
                    )
                )
        return out or [_("No driver is a necessary condition (d ≥ 0.1 and p < 0.05).")]

    def _printer(self, decimals: int = 3) -> Printer:
        self.check_is_fitted()
        necks = self.bottleneck_.copy()
        return Printer(
            title=_("Necessary condition analysis (CE-FDH) of {target}").format(
                target=self.target_
            ),
            facts={_("respondents"): self.n_obs_, _("permutations"): int(self.n_permutations)},
            tables=[
                (_("Necessity effect sizes beside the IPMA"), self.summary),
                (_("Bottleneck table (% of range; – not necessary)"), necks),
            ],
            notes=self.verdicts(),
            decimals=decimals,
        )

    def to_dict(self) -> dict[str, Any]:
        self.check_is_fitted()
        clean = {np.nan: None, np.inf: None}
        return {
            "target": self.target_,
            "respondents": self.n_obs_,
            "effects": self.summary.reset_index().replace(clean).to_dict("records"),
            "cipma": self.cipma_.reset_index().replace(clean).to_dict("records"),
            "bottleneck": self.bottleneck_.reset_index().replace(clean).to_dict("records"),
        }
