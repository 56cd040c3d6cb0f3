"""Did the campaign work: treated vs control differences in retention, response and revenue.

For a proportion (retained, responded) the difference :math:`p_T - p_C` gets Newcombe's
hybrid score interval [1]_ (method 10: Wilson intervals of each group combined), which
keeps its coverage for small groups and rates near 0 or 1 where the Wald interval fails.
For revenue per member the difference of means gets Welch's interval (unequal
variances, Welch–Satterthwaite degrees of freedom) [2]_ or, with
``revenue_method="bootstrap"``, a percentile bootstrap that resamples each group.

When an interval covers zero the verdict is "no detectable effect": the campaign's
effect cannot be told apart from chance with these group sizes.

References
----------
.. [1] Newcombe, R. G. (1998). Interval estimation for the difference between
   independent proportions: comparison of eleven methods. Statistics in Medicine 17,
   873–890.
.. [2] Welch, B. L. (1947). The generalization of "Student's" problem when several
   different population variances are involved. Biometrika 34, 28–35.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from patron.core.i18n import N_, _, format_number, format_percent
from patron.core.printer import Printer
from patron.exceptions import InputError, NotFittedError

SUMMARY_COLUMNS = ["treated", "control", "difference", "lower", "upper", "p", "verdict"]
NO_EFFECT = N_("no detectable effect")


def wilson_interval(successes: int, n: int, *, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a proportion."""
    if n == 0:
        return (np.nan, np.nan)
    z = stats.norm.ppf(1 - alpha / 2)
    p = successes / n
    denominator = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denominator
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    return (centre - half, centre + half)


def newcombe_difference(
    x1: int, n1: int, x2: int, n2: int, *, alpha: float = 0.05
) -> tuple[float, float, float]:
    """``p1 - p2`` with Newcombe's hybrid score interval: (difference, lower, upper)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, alpha=alpha)
    l2, u2 = wilson_interval(x2, n2, alpha=alpha)
    d = p1 - p2
    lower = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, lower, upper


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled z test of equal proportions."""
    pooled = (x1 + x2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / se
    return float(2 * stats.norm.sf(abs(z)))


def welch_difference(
    a: np.ndarray, b: np.ndarray, *, alpha: float = 0.05
) -> tuple[float, float, float, float]:
    """``mean(a) - mean(b)`` with Welch's interval and p-value: (d, lower, upper, p)."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    d = a.mean() - b.mean()
    se = np.sqrt(va + vb)
    if se == 0:
        return d, d, d, 1.0
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    t = stats.t.ppf(1 - alpha / 2, df)
    p = 2 * stats.t.sf(abs(d / se), df)
    return d, d - t * se, d + t * se, float(p)


def bootstrap_difference(
    a: np.ndarray, b: np.ndarray, *, alpha: float = 0.05, n_boot: int = 2000, random_state: int = 0
) -> tuple[float, float, float, float]:
    """Percentile bootstrap of ``mean(a) - mean(b)``: (d, lower, upper, two-sided p)."""
    rng = np.random.default_rng(random_state)
    ia = rng.integers(0, len(a), size=(n_boot, len(a)))
    ib = rng.integers(0, len(b), size=(n_boot, len(b)))
    diffs = a[ia].mean(axis=1) - b[ib].mean(axis=1)
    lower, upper = np.quantile(diffs, [alpha / 2, 1 - alpha / 2])
    share_below = (diffs <= 0).mean()
    p = min(1.0, 2 * min(share_below, 1 - share_below))
    return a.mean() - b.mean(), float(lower), float(upper), float(p)


#: The outcomes in words, for charts.
OUTCOME_WORDS = {
    "retained": N_("retention"),
    "responded": N_("response"),
    "spend": N_("revenue per member"),
}


class UpliftEstimate:
    """Treated minus control for retention, response and revenue per member.

    Parameters
    ----------
    campaign : str, default=""
        Name shown in the summary.
    alpha : float, default=0.05
        1 − confidence level of the intervals.
    revenue_method : {"welch", "bootstrap"}, default="welch"
    n_boot : int, default=2000
    random_state : int, default=0

    Attributes
    ----------
    n_treated_, n_control_ : int
        Treated members counted (only those contacted, when ``contacted`` is given).
    n_not_contacted_ : int
        Treated members left out because the campaign never reached them.
    results_ : dict
        Per metric: treated, control, difference, lower, upper, p.

    Examples
    --------
    >>> frame = pd.DataFrame({"group": ["treatment"] * 4 + ["control"] * 4,
    ...                       "retained": [1, 1, 0, 1, 0, 1, 0, 0], "spend": [10.0] * 8})
    >>> UpliftEstimate().fit(frame).n_treated_
    4
    """

    METRICS = ("retained", "responded", "spend")

    def __init__(
        self,
        *,
        campaign: str = "",
        alpha: float = 0.05,
        revenue_method: str = "welch",
        n_boot: int = 2000,
        random_state: int = 0,
    ):
        self.campaign = campaign
        self.alpha = alpha
        self.revenue_method = revenue_method
        self.n_boot = n_boot
        self.random_state = random_state

    def fit(self, outcomes: pd.DataFrame) -> UpliftEstimate:
        """Estimate the differences from per-member outcomes (``group`` + metric columns)."""
        if "group" not in outcomes:
            raise InputError(_("outcomes: required column group missing"))
        if self.revenue_method not in ("welch", "bootstrap"):
            raise InputError(
                _("revenue_method must be 'welch' or 'bootstrap', got: {value}").format(
                    value=self.revenue_method
                )
            )
        treated = outcomes[outcomes["group"] == "treatment"]
        control = outcomes[outcomes["group"] == "control"]
        # A treated member the campaign never reached (send failed or skipped) got no
        # treatment: counting them would dilute the effect towards zero.
        self.n_not_contacted_ = 0
        if "contacted" in outcomes:
            reached = treated["contacted"].astype(bool)
            self.n_not_contacted_ = int((~reached).sum())
            treated = treated[reached]
        if len(treated) < 2 or len(control) < 2:
            raise InputError(
                _(
                    "uplift needs at least two treated and two control members; got {t} and {c}"
                ).format(t=len(treated), c=len(control))
            )
        self.n_treated_ = len(treated)
        self.n_control_ = len(control)
        results: dict[str, dict[str, float]] = {}
        for metric in self.METRICS:
            if metric not in outcomes:
                continue
            a = treated[metric].to_numpy(dtype=float)
            b = control[metric].to_numpy(dtype=float)
            if metric == "spend":
                if self.revenue_method == "welch":
                    d, lo, hi, p = welch_difference(a, b, alpha=self.alpha)
                else:
                    d, lo, hi, p = bootstrap_difference(
                        a, b, alpha=self.alpha, n_boot=self.n_boot, random_state=self.random_state
                    )
            else:
                x1, x2 = int(a.sum()), int(b.sum())
                d, lo, hi = newcombe_difference(x1, len(a), x2, len(b), alpha=self.alpha)
                p = two_proportion_p(x1, len(a), x2, len(b))
            results[metric] = {
                "treated": float(a.mean()),
                "control": float(b.mean()),
                "difference": float(d),
                "lower": float(lo),
                "upper": float(hi),
                "p": float(p),
            }
        if not results:
            raise InputError(_("outcomes: none of the columns retained, responded, spend"))
        self.results_ = results
        return self

    def _check(self) -> None:
        if not hasattr(self, "results_"):
            raise NotFittedError(_("call fit(outcomes) before reading the uplift"))

    def detectable(self, metric: str) -> bool:
        """Whether the interval of ``metric`` excludes zero."""
        self._check()
        r = self.results_[metric]
        return not (r["lower"] <= 0 <= r["upper"])

    def verdict(self, metric: str) -> str:
        """The result in words, e.g. "treated +6.1 points (95% CI 2.0 to 10.2)"."""
        self._check()
        r = self.results_[metric]
        if not self.detectable(metric):
            return _(NO_EFFECT)
        level = format_percent(1 - self.alpha, decimals=0)
        if metric == "spend":
            return _("treated {sign}{d} per member ({level} CI {lo} to {hi})").format(
                sign="+" if r["difference"] > 0 else "",
                d=format_number(r["difference"], decimals=2),
                level=level,
                lo=format_number(r["lower"], decimals=2),
                hi=format_number(r["upper"], decimals=2),
            )
        return _("treated {sign}{d} points ({level} CI {lo} to {hi})").format(
            sign="+" if r["difference"] > 0 else "",
            d=format_number(100 * r["difference"], decimals=1),
            level=level,
            lo=format_number(100 * r["lower"], decimals=1),
            hi=format_number(100 * r["upper"], decimals=1),
        )

    @property
    def summary(self) -> pd.DataFrame:
        """One row per metric: treated, control, difference, lower, upper, p, verdict."""
        self._check()
        frame = pd.DataFrame.from_dict(self.results_, orient="index")
        frame["verdict"] = [self.verdict(m) for m in frame.index]
        frame.index.name = "metric"
        return frame[SUMMARY_COLUMNS]

    def printer(self) -> Printer:
        self._check()
        return Printer(
            title=_("Uplift of campaign {code}").format(code=self.campaign),
            facts={_("treated members"): self.n_treated_, _("control members"): self.n_control_},
            tables=[(_("Treated minus control"), self.summary)],
            notes=[f"{m}: {self.verdict(m)}" for m in self.results_],
        )

    def print_summary(self, style: str = "ascii") -> None:
        printer = self.printer()
        if style == "html":
            from IPython.display import HTML, display  # pragma: no cover - notebooks

            display(HTML(printer.to_html()))  # pragma: no cover
        else:
            printer.print()

    def _repr_html_(self) -> str:
        return self.printer().to_html()

    def to_dict(self) -> dict[str, Any]:
        self._check()
        return {
            "campaign": self.campaign,
            "n_treated": self.n_treated_,
            "n_control": self.n_control_,
            "n_not_contacted": self.n_not_contacted_,
            "alpha": self.alpha,
            "metrics": {m: {**r, "verdict": self.verdict(m)} for m, r in self.results_.items()},
        }

    def chart(self):  # -> altair.LayerChart
        """Treated and control means per metric with the difference's interval."""
        import altair as alt

        self._check()
        rows = []
        for metric, r in self.results_.items():
            rows.append(
                {
                    # The panel's name in words ("retention", not "retained").
                    "metric": _(OUTCOME_WORDS.get(metric, metric)),
                    "difference": r["difference"],
                    "lower": r["lower"],
                    "upper": r["upper"],
                    "verdict": self.verdict(metric),
                }
            )
        data = pd.DataFrame(rows).assign(zero=0.0)
        base = alt.Chart().encode(tooltip=["metric", "difference", "lower", "upper", "verdict"])
        interval = base.mark_rule(strokeWidth=3).encode(
            x=alt.X("lower:Q", title=_("Treated minus control (with confidence interval)")),
            x2="upper:Q",
        )
        point = base.mark_point(filled=True, size=90).encode(x="difference:Q")
        zero = base.mark_rule(strokeDash=[4, 4], color="grey").encode(x="zero:Q")
        # Spend and rates differ in scale: one panel per outcome, each with its own axis.
        return (
            alt.layer(interval, point, zero, data=data)
            .facet(row=alt.Row("metric:N", title=None))
            .resolve_scale(x="independent")
            .properties(title=_("Uplift of campaign {code}").format(code=self.campaign))
        )

    def __repr__(self) -> str:
        if not hasattr(self, "results_"):
            return "<patron.UpliftEstimate>"
        return (
            f"<patron.UpliftEstimate: campaign {self.campaign!r}, "
            f"{self.n_treated_} treated, {self.n_control_} control>"
        )
