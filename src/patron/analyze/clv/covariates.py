"""Which customer traits move a BTYD model's parameters: time-invariant covariates.

Fader & Hardie (2007), "Incorporating time-invariant covariates into the Pareto/NBD
and BG/NBD models": each customer's scale parameter is the population's times
``exp(effect' x_i)``. :class:`CovariateDesign` turns the covariate columns of a customer
table into that ``x_i``: numbers centred on their mean in the fitting data (so the
population parameters are those of an average customer, and the optimiser is not
pushed to extreme baselines), categories one-hot against a reference level (the most
frequent), named in the summary ("channel: web (vs store)"). An effect is per unit of
the covariate either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from patron.core.i18n import _
from patron.exceptions import InputError

__all__ = ["CovariateDesign", "parse_covariates"]


def parse_covariates(value: str | Sequence[str] | None) -> list[str]:
    """``"channel, satisfaction"`` or a list of names as a clean list (empty for None)."""
    if value is None:
        return []
    names = value.split(",") if isinstance(value, str) else list(value)
    out = [str(n).strip() for n in names if str(n).strip()]
    if len(set(out)) != len(out):
        raise InputError(_("covariates: a column is named twice in {names}").format(names=out))
    return out


class CovariateDesign:
    """The design matrix of covariate columns, learnt on the fitting data.

    Parameters
    ----------
    columns : list of str
        Column names in the customer table.

    Attributes
    ----------
    terms : list of str
        One label per column of the matrix.
    reference : dict
        Categorical column -> its reference level.
    """

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.terms: list[str] = []
        self.reference: dict[str, Any] = {}
        self.levels: dict[str, list[Any]] = {}
        self.means: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self.terms)

    def fit(self, frame: pd.DataFrame) -> CovariateDesign:
        self.terms, self.reference, self.levels, self.means = [], {}, {}, {}
        for column in self.columns:
            values = self._column(frame, column)
            if _is_numeric(values):
                self.terms.append(column)
                self.means[column] = float(values.to_numpy(dtype=float).mean())
                continue
            counts = values.astype(str).value_counts()
            if len(counts) < 2:
                raise InputError(
                    _(
                        "covariate {column} has a single value ({value}): it explains nothing"
                    ).format(column=column, value=counts.index[0] if len(counts) else "")
                )
            # Most frequent level first; ties by name, so the choice is reproducible.
            ordered = sorted(counts.index, key=lambda level: (-int(counts[level]), level))
            self.reference[column] = ordered[0]
            self.levels[column] = sorted(ordered[1:])
            for level in self.levels[column]:
                # A name, not a sentence: parameter names are keys (figures, simulation).
                self.terms.append(f"{column}: {level} (vs {ordered[0]})")
        return self

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The ``(n_customers, len(terms))`` matrix for ``frame``."""
        parts = []
        for column in self.columns:
            values = self._column(frame, column)
            if column not in self.levels:
                if not _is_numeric(values):
                    raise InputError(
                        _("covariate {column} was a number when the model was fitted").format(
                            column=column
                        )
                    )
                parts.append(values.to_numpy(dtype=float)[:, None] - self.means[column])
                continue
            text = values.astype(str)
            known = set(self.levels[column]) | {self.reference[column]}
            unknown = ~text.isin(known)
            if unknown.any():
                raise InputError(
                    _("covariate {column}: level {level!r} was not seen when fitting").format(
                        column=column, level=text[unknown].iloc[0]
                    )
                )
            parts.append(
                np.column_stack(
                    [(text == level).to_numpy(dtype=float) for level in self.levels[column]]
                )
            )
        if not parts:
            return np.zeros((len(frame), 0))
        return np.hstack(parts)

    def fit_transform(self, frame: pd.DataFrame) -> np.ndarray:
        return self.fit(frame).transform(frame)

    @staticmethod
    def _column(frame: pd.DataFrame, column: str) -> pd.Series:
        if column not in frame.columns:
            raise InputError(
                _("covariate column {column} missing (columns: {columns})").format(
                    column=column, columns=", ".join(map(str, frame.columns))
                )
            )
        values = frame[column]
        missing = values.isna().to_numpy()
        if missing.any():
            from patron.analyze.clv.data import customer_ids

            raise InputError(
                _("customer {customer}: covariate {column} is missing").format(
                    customer=customer_ids(frame)[int(np.argmax(missing))], column=column
                )
            )
        if _is_numeric(values) and not np.all(np.isfinite(values.to_numpy(dtype=float))):
            raise InputError(_("covariate {column} holds infinite values").format(column=column))
        return values


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
