r"""Through which constructs does a driver act: specific indirect effects and their type.

A *specific indirect effect* of X on Y is the product of the path coefficients along one
chain X → M₁ → … → Y; their sum is X's total indirect effect. Each gets a percentile
bootstrap interval (and SE, t = coef / SE) from the same resamples as the paths
(:mod:`patron.analyze.csi.bootstrap`), the approach Zhao, Lynch & Chen (2010) and
Hair et al. recommend instead of the Sobel test.

The mediation type, in words (Zhao et al. 2010), from whether the indirect effect
(a·b) and the direct effect (c) of X on Y are significant (interval excludes 0):

=================  ==================================================================
complementary      a·b and c significant, same sign (partial mediation)
competitive        a·b and c significant, opposite signs (partial mediation)
indirect-only      a·b significant, c not (full mediation)
direct-only        c significant, a·b not (no mediation)
no-effect          neither significant (no mediation)
=================  ==================================================================

References
----------
.. [1] Zhao, X., Lynch, J. G. & Chen, Q. (2010). Reconsidering Baron and Kenny: myths
   and truths about mediation analysis. Journal of Consumer Research 37(2), 197-206.
.. [2] Hair, J. F., Hult, G. T. M., Ringle, C. M., Sarstedt, M., Danks, N. P. & Ray, S.
   (2021). Partial Least Squares Structural Equation Modeling (PLS-SEM) Using R,
   chapter 7. Springer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from patron.analyze.base import PatronEstimator, summary_frame
from patron.analyze.csi.pls import PLSPathModel
from patron.analyze.csi.spec import ModelSpec
from patron.core.i18n import N_, _
from patron.core.printer import Printer
from patron.exceptions import InputError

#: The mediation types of Zhao, Lynch & Chen (2010), as stored in ``effects_["type"]``.
TYPES = {
    "complementary": N_("complementary (partial mediation)"),
    "competitive": N_("competitive (partial mediation)"),
    "indirect-only": N_("indirect-only (full mediation)"),
    "direct-only": N_("direct-only (no mediation)"),
    "no-effect": N_("no effect (no mediation)"),
}


def chains(spec: ModelSpec, source: str, target: str) -> list[tuple[str, ...]]:
    """Every directed chain source → … → target with at least one mediator."""
    successors: dict[str, list[str]] = {}
    for a, b in spec.paths:
        successors.setdefault(a, []).append(b)
    out: list[tuple[str, ...]] = []

    def walk(chain: tuple[str, ...]) -> None:
        for nxt in successors.get(chain[-1], []):
            if nxt == target:
                if len(chain) > 1:
                    out.append((*chain, nxt))
            else:
                walk((*chain, nxt))

    walk((source,))
    return out


def mediation_type(indirect_significant: bool, direct_significant: bool, same_sign: bool) -> str:
    """Zhao et al.'s (2010) type code."""
    if indirect_significant and direct_significant:
        return "complementary" if same_sign else "competitive"
    if indirect_significant:
        return "indirect-only"
    if direct_significant:
        return "direct-only"
    return "no-effect"


class MediationAnalysis(PatronEstimator):
    """Specific indirect effects with bootstrap intervals and Zhao et al.'s type.

    Parameters
    ----------
    spec : ModelSpec, str or dict, default="ecsi"
    source, target : str or None
        Only the chains from ``source`` and/or to ``target`` (default: every pair with a
        chain through at least one mediator).
    n_resamples : int, default=5000
    seed : int or None
    confidence : float, default=0.95
    scheme, missing, consistent
        As :class:`~patron.analyze.csi.pls.PLSPathModel`.

    Attributes
    ----------
    model_ : PLSPathModel
        The fitted, bootstrapped model.
    effects_ : DataFrame
        One row per effect: source, target, kind ("specific indirect", "total
        indirect", "direct"), coef, se, lower, upper, p, type (for indirect effects).

    Examples
    --------
    >>> from patron.analyze.csi import load_mobi
    >>> from patron.analyze.csi.mediation import MediationAnalysis
    >>> m = MediationAnalysis(spec="ecsi", source="image", target="loyalty",
    ...                       n_resamples=500, seed=1).fit(load_mobi())
    >>> "image -> satisfaction -> loyalty" in m.summary.index
    True
    """

    def __init__(
        self,
        *,
        spec: ModelSpec | str | dict = "ecsi",
        source: str | None = None,
        target: str | None = None,
        n_resamples: int = 5000,
        seed: int | None = None,
        confidence: float = 0.95,
        scheme: str = "path",
        missing: str = "mean",
        consistent: bool = False,
    ) -> None:
        self.spec = spec
        self.source = source
        self.target = target
        self.n_resamples = n_resamples
        self.seed = seed
        self.confidence = confidence
        self.scheme = scheme
        self.missing = missing
        self.consistent = consistent

    _fitted_attr = "effects_"

    def fit(self, data: pd.DataFrame | str | Path) -> MediationAnalysis:
        """Estimate and bootstrap the model, then every specific indirect effect."""
        if not 0 < self.confidence < 1:
            raise InputError(_("confidence must be between 0 and 1"))
        model = PLSPathModel(
            spec=self.spec, scheme=self.scheme, missing=self.missing, consistent=self.consistent
        ).fit(data)
        spec = model.spec_
        for name, value in (("source", self.source), ("target", self.target)):
            if value is not None and value not in spec.construct_names:
                raise InputError(
                    _("{what} '{name}' is not a construct of the model ({names})").format(
                        what=name, name=value, names=", ".join(spec.construct_names)
                    )
                )
        boot = model.bootstrap(
            n_resamples=int(self.n_resamples), seed=self.seed, bca=False, confidence=0.95
        )
        self.model_ = model
        draws = boot.draws["paths"]
        position = {pair: k for k, pair in enumerate(spec.paths)}
        original = np.array([model.path_coefficients_.loc[a, b] for a, b in spec.paths])
        alpha = (1 - self.confidence) / 2
        rows: list[dict[str, Any]] = []

        def row(source: str, target: str, kind: str, name: str, est: float, d: np.ndarray):
            lower, upper = np.quantile(d, [alpha, 1 - alpha]) if len(d) else (np.nan, np.nan)
            # Two-sided bootstrap p: how often the draws fall on the other side of zero.
            side = np.mean(d <= 0) if est > 0 else np.mean(d >= 0)
            rows.append(
                {
                    "effect": name,
                    "source": source,
                    "target": target,
                    "kind": kind,
                    "coef": est,
                    "se": d.std(ddof=1) if len(d) > 1 else np.nan,
                    "lower": lower,
                    "upper": upper,
                    "p": min(1.0, 2 * side),
                }
            )

        sources = [self.source] if self.source else spec.construct_names
        targets = [self.target] if self.target else spec.construct_names
        for x in sources:
            for y in targets:
                found = chains(spec, x, y)
                if not found:
                    continue
                total_est, total_draws = 0.0, np.zeros(len(draws))
                for chain in found:
                    links = [position[(a, b)] for a, b in zip(chain, chain[1:], strict=False)]
                    est = float(np.prod(original[links]))
                    d = np.prod(draws[:, links], axis=1)
                    total_est, total_draws = total_est + est, total_draws + d
                    row(x, y, "specific indirect", " -> ".join(chain), est, d)
                if len(found) > 1:
                    row(x, y, "total indirect", f"{x} -> … -> {y}", total_est, total_draws)
                if (x, y) in position:
                    k = position[(x, y)]
                    row(x, y, "direct", f"{x} -> {y}", float(original[k]), draws[:, k])
        if not rows:
            raise InputError(
                _("no chain with a mediator between {source} and {target} in the model").format(
                    source=self.source or _("any construct"), target=self.target or _("any")
                )
            )
        effects = pd.DataFrame(rows).set_index("effect")
        significant = (effects["lower"] > 0) | (effects["upper"] < 0)
        types = []
        for name, e in effects.iterrows():
            if e["kind"] == "direct":
                types.append("")
                continue
            direct = effects[
                (effects["kind"] == "direct")
                & (effects["source"] == e["source"])
                & (effects["target"] == e["target"])
            ]
            direct_sig = bool(len(direct) and significant[direct.index[0]])
            same = bool(len(direct) and e["coef"] * direct["coef"].iloc[0] > 0)
            types.append(mediation_type(bool(significant[name]), direct_sig, same))
        effects["type"] = types
        self.effects_ = effects
        self.n_valid_ = boot.n_valid
        return self

    def _summary(self) -> pd.DataFrame:
        e = self.effects_
        return summary_frame(
            e["coef"].to_numpy(),
            e["se"].to_numpy(),
            index=e.index,
            lower=e["lower"].to_numpy(),
            upper=e["upper"].to_numpy(),
            p=e["p"].to_numpy(),
            name="effect",
        )

    def type_in_words(self, effect: str) -> str:
        """The mediation type of one indirect effect, in the reader's language."""
        code = self.effects_.loc[effect, "type"]
        return _(TYPES[code]) if code else ""

    def _printer(self, decimals: int = 3) -> Printer:
        self.check_is_fitted()
        table = self.summary
        notes = [
            _("{effect}: {kind}").format(effect=name, kind=self.type_in_words(name))
            for name, e in self.effects_.iterrows()
            if e["kind"] == "specific indirect"
        ]
        return Printer(
            title=_("Mediation: specific indirect effects"),
            facts={
                _("respondents"): self.model_.n_obs_,
                _("bootstrap resamples"): self.n_valid_,
                _("interval"): _("percentile, {level:.0%}").format(level=self.confidence),
            },
            tables=[(_("Effects"), table)],
            notes=notes,
            decimals=decimals,
        )

    def to_dict(self) -> dict[str, Any]:
        self.check_is_fitted()
        frame = self.effects_.reset_index().replace({np.nan: None})
        return {"respondents": self.model_.n_obs_, "effects": frame.to_dict(orient="records")}
