"""The one model contract every Patron estimator keeps (CLV, CSI/PLS, churn).

scikit-learn's habits: parameters are set in ``__init__`` and kept as given (so
``get_params``/``set_params``/``sklearn.base.clone`` work), ``fit`` returns ``self``,
fitted state ends in ``_``. Patron adds: ``summary`` is a property whose columns are
:data:`SUMMARY_COLUMNS`; ``print_summary()`` prints it with the model's facts;
``_repr_html_`` shows the same in a notebook; a method that needs a fitted model
raises :class:`~patron.exceptions.NotFittedError` with one message.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator

from patron.core.i18n import _
from patron.core.printer import Printer
from patron.exceptions import NotFittedError

#: The columns of every estimator's ``summary``, in this order:
#: ``coef`` the estimate; ``se`` its standard error; ``lower 95%``/``upper 95%`` its
#: 95 % interval; ``z`` = coef / se; ``p`` the two-sided p-value of coef = 0.
SUMMARY_COLUMNS = ("coef", "se", "lower 95%", "upper 95%", "z", "p")

_Z95 = float(stats.norm.ppf(0.975))


def summary_frame(
    coef: Any,
    se: Any = np.nan,
    *,
    index: Any = None,
    lower: Any = None,
    upper: Any = None,
    p: Any = None,
    name: str = "term",
) -> pd.DataFrame:
    """A summary table with :data:`SUMMARY_COLUMNS`; normal-theory interval and p unless
    given (a bootstrap gives its own percentile interval and p)."""
    coef = np.asarray(coef, dtype=float)
    se = np.broadcast_to(np.asarray(se, dtype=float), coef.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = coef / se
    frame = pd.DataFrame(
        {
            "coef": coef,
            "se": se,
            "lower 95%": coef - _Z95 * se if lower is None else np.asarray(lower, dtype=float),
            "upper 95%": coef + _Z95 * se if upper is None else np.asarray(upper, dtype=float),
            "z": z,
            "p": 2.0 * stats.norm.sf(np.abs(z)) if p is None else np.asarray(p, dtype=float),
        },
        index=index,
        columns=list(SUMMARY_COLUMNS),
    )
    frame.index.name = name
    return frame


class PatronEstimator(BaseEstimator):
    """Base of every estimator. Subclasses set ``_fitted_attr`` (an attribute ``fit``
    sets), and implement ``_summary()`` and ``_printer(decimals)``."""

    _fitted_attr: ClassVar[str] = "n_obs_"

    @property
    def is_fitted(self) -> bool:
        return getattr(self, self._fitted_attr, None) is not None

    def check_is_fitted(self) -> None:
        """Raise :class:`NotFittedError` unless ``fit`` has run."""
        if not self.is_fitted:
            raise NotFittedError(
                _("This {model} is not fitted yet: call fit(data) first.").format(
                    model=type(self).__name__
                )
            )

    def __sklearn_is_fitted__(self) -> bool:
        return self.is_fitted

    # -- the summary ---------------------------------------------------------------------
    def _summary(self) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def summary(self) -> pd.DataFrame:
        """The estimates: one row per term, columns :data:`SUMMARY_COLUMNS`."""
        self.check_is_fitted()
        frame = self._summary()
        return frame[list(SUMMARY_COLUMNS)]

    def _printer(self, decimals: int = 3) -> Printer:  # pragma: no cover - abstract
        raise NotImplementedError

    def print_summary(self, decimals: int = 3, style: str = "ascii") -> str | None:
        """Print the estimates and facts; ``style="html"`` returns HTML instead."""
        self.check_is_fitted()
        printer = self._printer(decimals)
        if style == "html":
            return printer.to_html()
        printer.print()
        return None

    def _repr_html_(self) -> str:
        if not self.is_fitted:
            from html import escape

            return f"<p>{escape(repr(self))} — {escape(_('not fitted'))}</p>"
        return self._printer().to_html()
