"""Customer lifetime value: Buy-Till-You-Die models fitted by exact maximum likelihood.

One model per module (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma, sBG), shared
fitting in :mod:`~patron.analyze.clv.base` (on Patron's model contract,
:class:`~patron.analyze.base.PatronEstimator`), data preparation in
:mod:`~patron.analyze.clv.data`, holdout validation in
:mod:`~patron.analyze.clv.validation` and Altair charts in
:mod:`~patron.analyze.clv.plotting`.
"""

from patron.analyze.clv.base import SUMMARY_COLUMNS, BTYDModel, PurchaseModel
from patron.analyze.clv.bg_bb import BetaGeoBetaBinomModel
from patron.analyze.clv.bg_nbd import BetaGeoModel
from patron.analyze.clv.data import (
    calibration_and_holdout,
    compress,
    rename_fader_hardie,
    summarize_transactions,
    validate_summary,
)
from patron.analyze.clv.gamma_gamma import GammaGammaModel
from patron.analyze.clv.mbg_nbd import ModifiedBetaGeoModel
from patron.analyze.clv.pareto_nbd import ParetoNBDModel
from patron.analyze.clv.sbg import ShiftedBetaGeoModel, survivors_to_periods

__all__ = (
    "SUMMARY_COLUMNS",
    "BTYDModel",
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "PurchaseModel",
    "ShiftedBetaGeoModel",
    "calibration_and_holdout",
    "compress",
    "rename_fader_hardie",
    "summarize_transactions",
    "survivors_to_periods",
    "validate_summary",
)
