r"""Where to improve first: the importance–performance map (IPMA) of a target construct.

Performance of a construct is its 0–100 index; importance is its total effect
(direct plus indirect) on the target, unstandardised on the 0–100 scale: how many
points the target's index gains when the driver's gains one (Ringle & Sarstedt). An
item's importance is its construct's importance times the item's normalised
unstandardised weight, and its performance is its mean rescaled to 0–100. The
improvement priority

.. math::

    \text{priority} = \text{importance} \times (100 - \text{performance})

ranks what to plan and do first (the Plan step of the PDCA cycle): large effect and
room to improve.

References
----------
.. [1] Ringle, C. M. & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results:
   The importance-performance map analysis. Industrial Management & Data Systems 116(9).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from patron.core.i18n import _

if TYPE_CHECKING:
    from patron.analyze.csi.index import CSIModel


@dataclass
class IPMAResult:
    """Importance and performance per construct and per item, ranked by priority."""

    target: str
    constructs: pd.DataFrame  # importance, performance, priority, rank
    items: pd.DataFrame  # construct, importance, performance, priority, rank

    def improvement_list(self, n: int | None = None) -> pd.DataFrame:
        """Items to work on first, most urgent first."""
        out = self.items.sort_values("rank")
        return out.head(n) if n else out

    def chart(self, level: str = "constructs", names: dict[str, str] | None = None):
        from patron.analyze.csi.plotting import plot_ipma

        return plot_ipma(self, level=level, names=names)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "constructs": self.constructs.reset_index().to_dict(orient="records"),
            "items": self.items.reset_index().to_dict(orient="records"),
        }


def _rank(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["priority"] = frame["importance"] * (100 - frame["performance"])
    frame["rank"] = frame["priority"].rank(ascending=False, method="first").astype(int)
    return frame.sort_values("rank")


def ipma(model: CSIModel, *, target: str | None = None) -> IPMAResult:
    """The IPMA of ``target`` (default: the model's target) for a fitted CSI model."""
    model.check_is_fitted()
    target = target or model.spec_.resolved_target()
    layout = model._layout
    j = layout.constructs.index(target)
    # Standardised total effects rescaled to 0–100 scores: effect × sd(target) / sd(driver).
    low, high = model.scale_
    raw = model._std_weights / model._sd
    sd_0_100 = 100 / ((high - low) * (raw @ layout.membership))
    total = model.total_effects_.iloc[:, j] * sd_0_100[j] / sd_0_100
    drivers = [name for name in layout.constructs if total[name] != 0]
    constructs = pd.DataFrame(
        {"importance": total[drivers].to_numpy(), "performance": model.index_[drivers].to_numpy()},
        index=pd.Index(drivers, name="construct"),
    )
    weights = model.unstandardized_weights()
    rows = []
    for k, (construct, item) in enumerate(weights.index):
        if construct not in drivers:
            continue
        rows.append(
            {
                "item": item,
                "construct": construct,
                "importance": float(total[construct] * weights.iloc[k]),
                "performance": float(100 * (model._means[k] - low) / (high - low)),
            }
        )
    items = (
        pd.DataFrame(rows).set_index("item")
        if rows
        else pd.DataFrame(columns=["construct", "importance", "performance"])
    )
    return IPMAResult(target=target, constructs=_rank(constructs), items=_rank(items))


def ipma_notes(result: IPMAResult, n: int = 3) -> list[str]:
    """The plan in plain words: the top items to improve and why."""
    notes = []
    for item, row in result.improvement_list(n).iterrows():
        notes.append(
            _(
                "Improve {item} ({construct}): performance {performance:.1f} of 100, each point "
                "gained lifts {target} by {effect:.3f} points."
            ).format(
                item=item,
                construct=row["construct"],
                performance=row["performance"],
                target=result.target,
                effect=row["importance"],
            )
        )
    return notes


__all__ = ["IPMAResult", "ipma", "ipma_notes"]
