"""Which rows of a chunk are usable, their values converted to the fields' types, and why the others are not.

Checks run column by column on the whole chunk (pandas/Arrow vectorised), never row by
row: text is trimmed and measured, numbers accept decimal commas and thousands
separators, booleans accept yes/no/1/0/是/否, dates use the format detected for the file.
A row fails when a value cannot be converted or a required field is empty; every
failing field and its reason is kept for the reject file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from patron.collect.importers import dates
from patron.collect.importers.reading import STRING
from patron.collect.importers.schemas import (
    BOOL,
    DATE,
    DATETIME,
    EMAIL,
    FLOAT,
    INT,
    TEXT,
    Field,
    Kind,
)
from patron.collect.importers.settings import (
    MAX_TEXT,
    RETURN_STATUS,
    ImportSettings,
)
from patron.core.csvsafe import restore_text
from patron.core.emails import email_problem, is_plain_email
from patron.core.i18n import _
from patron.exceptions import shown

TRUE = {"1", "true", "t", "yes", "y", "x", "on", "是", "真", "✓", "1.0"}
FALSE = {"0", "false", "f", "no", "n", "off", "否", "假", "0.0", "-"}


@dataclass
class Checked:
    """The chunk's values by field (typed) and, per row, the failing fields and reasons."""

    values: pd.DataFrame
    fields: np.ndarray
    reasons: np.ndarray

    @property
    def bad(self) -> np.ndarray:
        return pd.notna(self.fields)


class Validator:
    """Converts and checks the mapped columns of each chunk of one file."""

    def __init__(
        self,
        kind: Kind,
        *,
        path: Path | str,
        decimal: str = ".",
        date_format: str | None = None,
        timezone: str = "UTC",
        settings: ImportSettings | None = None,
    ):
        self.kind = kind
        self.settings = settings or ImportSettings()
        self.path = path
        self.decimal = decimal
        self.timezone = timezone
        self.user_formats = dates.formats_for(date_format)
        self.formats: dict[str, list[str] | None] = {}

    def check(self, mapped: pd.DataFrame) -> Checked:
        n = len(mapped)
        fields = np.full(n, None, dtype=object)
        reasons = np.full(n, None, dtype=object)

        def fail(mask: np.ndarray, field: str, reason: str) -> None:
            for i in np.flatnonzero(mask):
                if fields[i] is None:
                    fields[i], reasons[i] = field, reason
                else:
                    fields[i] = f"{fields[i]}, {field}"
                    reasons[i] = f"{reasons[i]}; {field}: {reason}"

        values: dict[str, pd.Series] = {}
        for spec in self.kind.fields:
            if spec.name not in mapped.columns:
                continue
            raw = mapped[spec.name]
            if spec.type == EMAIL:
                converted, problems = check_emails(raw)
                invalid = problems.notna().to_numpy(dtype=bool)
                for problem in problems.dropna().unique():
                    fail((problems == problem).to_numpy(dtype=bool), spec.name, problem)
            else:
                converted, invalid, reason = self._convert(spec, raw)
                if invalid is not None and invalid.any():
                    fail(invalid, spec.name, reason)
                if spec.type in (DATE, DATETIME) and self.user_formats is None:
                    ambiguous = self._ambiguous(spec, raw)
                    if ambiguous.any():
                        converted = converted.mask(ambiguous)
                        fail(
                            ambiguous,
                            spec.name,
                            _(
                                "ambiguous date: the column has both day-first and month-first "
                                "dates, so this one could be either (pass --date-format)"
                            ),
                        )
                        invalid = ambiguous if invalid is None else invalid | ambiguous
            if spec.required:
                missing = converted.isna().to_numpy(dtype=bool)
                if invalid is not None:
                    missing = missing & ~invalid
                if missing.any():
                    fail(missing, spec.name, _("required value is empty"))
            values[spec.name] = converted
        frame = pd.DataFrame(values, index=mapped.index)
        if "amount" in frame.columns:
            frame = self._amount_rule(frame, fail)
        return Checked(frame, fields, reasons)

    def _amount_rule(self, frame: pd.DataFrame, fail: Any) -> pd.DataFrame:
        """Negative amounts are returns (status ``returned``) or rejects (the setting)."""
        negative = (frame["amount"] < 0).fillna(False).to_numpy(dtype=bool)
        if not negative.any():
            return frame
        if self.settings.negative_amounts == "reject" or "status" not in self.kind.by_name:
            if self.settings.negative_amounts == "reject":
                fail(
                    negative,
                    "amount",
                    _("negative amount (a return): refused by [import] negative_amounts = reject"),
                )
            return frame
        status = frame["status"] if "status" in frame.columns else None
        if status is None:
            status = pd.Series(None, index=frame.index, dtype=STRING)
        given = status.notna().to_numpy(dtype=bool)
        returns = self.settings.not_sale_statuses
        is_return = status.str.lower().isin(returns).fillna(False).to_numpy(dtype=bool)
        contradiction = negative & given & ~is_return
        if contradiction.any():
            fail(
                contradiction,
                "amount",
                _("negative amount with status {statuses}: a sale cannot be negative").format(
                    statuses=", ".join(sorted(set(status[contradiction].astype(str))))
                ),
            )
        frame = frame.copy()
        frame["status"] = status.mask(negative & ~given, RETURN_STATUS)
        return frame

    def _ambiguous(self, spec: Field, raw: pd.Series) -> np.ndarray:
        """Text dates that day-first and month-first, both used in this column, read apart."""
        if not (raw.dtype == STRING or raw.dtype == object):
            return np.zeros(len(raw), dtype=bool)
        return dates.ambiguous_values(as_text(raw), self.formats.get(spec.name))

    # -- conversions, one per type ------------------------------------------------------

    def _convert(self, spec: Field, raw: pd.Series) -> tuple[pd.Series, np.ndarray | None, str]:
        if spec.type == TEXT:
            text = as_text(raw)
            invalid = np.zeros(len(text), dtype=bool)
            reason = ""
            if spec.choices:
                text = text.str.lower().str.replace(" ", "_", regex=False)
                invalid = (text.notna() & ~text.isin(spec.choices)).to_numpy(dtype=bool)
                reason = _("must be one of {options}").format(options=", ".join(spec.choices))
            limit = spec.length or MAX_TEXT
            too_long = (text.str.len() > limit).fillna(False).to_numpy(dtype=bool)
            if too_long.any():
                invalid = invalid | too_long
                reason = reason or _("longer than {n} characters").format(n=limit)
            return text, invalid, reason
        if spec.type in (FLOAT, INT):
            number, invalid = parse_number(raw, self.decimal)
            limit = self.settings.max_amount
            huge = (number.abs() > limit).fillna(False).to_numpy(dtype=bool)
            if huge.any():
                number = number.mask(huge)
                return (
                    number,
                    invalid | huge,
                    _("larger than {limit:g} (the [import] max_amount)").format(limit=limit),
                )
            if spec.type == INT:
                fractional = (number.notna() & (number != np.floor(number))).to_numpy(dtype=bool)
                return number, invalid | fractional, _("not a whole number")
            return number, invalid, _("not a number")
        if spec.type == BOOL:
            return parse_bool(raw)
        if spec.type in (DATE, DATETIME):
            present = raw.notna().to_numpy(dtype=bool)
            text_like = raw.dtype == STRING or raw.dtype == object
            if text_like:
                raw = as_text(raw)
                present = raw.notna().to_numpy(dtype=bool)
            formats = self.user_formats
            if formats is None and text_like:
                if spec.name not in self.formats or self.formats[spec.name] is None:
                    self.formats[spec.name] = dates.detect_format(
                        raw, column=spec.name, path=self.path
                    )
                formats = self.formats[spec.name]
            parsed = dates.parse_dates(raw, formats if text_like else None)
            if spec.type == DATETIME:
                out = dates.to_instants(parsed, self.timezone)
            else:
                out = dates.to_days(parsed, self.timezone)
            invalid = present & out.isna().to_numpy(dtype=bool)
            shown = self.user_formats[0] if self.user_formats else None
            reason = (
                _("not a date in the format {format}").format(format=shown)
                if shown
                else _("not a recognisable date")
            )
            return out, invalid, reason
        raise AssertionError(spec.type)  # pragma: no cover


def check_emails(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Addresses trimmed and lower-cased, and why each bad one is not exactly one address."""
    text = as_text(raw)
    problems = pd.Series(None, index=text.index, dtype=object)
    present = text.dropna()
    for label, value in present[[not is_plain_email(v) for v in present.tolist()]].items():
        problem = email_problem(value)
        if problem is not None:
            problems[label] = _("{value} is not one e-mail address: {reason}").format(
                value=shown(value), reason=problem
            )
    return text.str.lower(), problems


def as_text(raw: pd.Series) -> pd.Series:
    """Values as trimmed text (Arrow-backed); empty text becomes missing."""
    if raw.dtype != STRING:
        if pd.api.types.is_float_dtype(raw.dtype):
            whole = raw.notna() & (raw == np.floor(raw)) & (raw.abs() < 1e15)
            text = raw.astype(object).where(~whole, raw.where(whole).astype("Int64").astype(object))
            raw = text.where(raw.notna(), None).astype(STRING)
        else:
            raw = raw.astype(object).where(raw.notna(), None).astype(STRING)
    text = restore_text(raw.str.strip())
    # One spelling per text: "CAFÉ" typed composed or decomposed is the same customer.
    ascii_only = pc.all(pc.string_is_ascii(pa.array(text, type=pa.string())), min_count=0)
    if not ascii_only.as_py():
        text = text.str.normalize("NFC")
    return text.mask(text == "")


def parse_number(raw: pd.Series, decimal: str = ".") -> tuple[pd.Series, np.ndarray]:
    """Numbers as float64 (NaN where empty) and which values were not numbers."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype("float64"), np.zeros(len(raw), dtype=bool)
    if pd.api.types.is_numeric_dtype(raw.dtype):
        number = raw.astype("float64")
        invalid = np.isinf(number.to_numpy())
        return number.where(~invalid), invalid
    text = as_text(raw)
    present = text.notna().to_numpy(dtype=bool)
    try:
        number = pd.Series(
            pa.array(text, type=pa.string()).cast(pa.float64()).to_numpy(zero_copy_only=False),
            index=text.index,
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        number = pd.to_numeric(text, errors="coerce").astype("float64")
        failed = present & number.isna().to_numpy(dtype=bool)
        if failed.any():
            number[failed] = _loose_numbers(text[failed], decimal)
    values = number.to_numpy(dtype="float64", na_value=np.nan)
    invalid = present & ~np.isfinite(values)
    number = pd.Series(np.where(invalid, np.nan, values), index=text.index)
    return number, invalid


def _loose_numbers(text: pd.Series, decimal: str) -> pd.Series:
    """Numbers written for people: 1.234,56 / 1,234.56 / ¥12 / 12,50 / 12 元."""
    cleaned = text.str.replace(r"[\s\u00a0']", "", regex=True)
    cleaned = cleaned.str.replace(r"^[$€£¥￥]|[$€£¥￥元]$", "", regex=True)
    if decimal == ",":
        cleaned = cleaned.str.replace(r"\.(?=\d{3}(?:\D|$))", "", regex=True)
        cleaned = cleaned.str.replace(",", ".", regex=False)
    else:
        cleaned = cleaned.str.replace(r",(?=\d{3}(?:\D|$))", "", regex=True)
    return pd.to_numeric(cleaned, errors="coerce").astype("float64")


def parse_bool(raw: pd.Series) -> tuple[pd.Series, np.ndarray, str]:
    """yes/no, true/false, 1/0, 是/否 … as a nullable boolean."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype("boolean"), np.zeros(len(raw), dtype=bool), ""
    text = as_text(raw).str.lower()
    truthy = text.isin(TRUE).fillna(False).to_numpy(dtype=bool)
    falsy = text.isin(FALSE).fillna(False).to_numpy(dtype=bool)
    present = text.notna().to_numpy(dtype=bool)
    out = pd.array(np.where(truthy, True, False), dtype="boolean")
    out[~(truthy | falsy)] = pd.NA
    invalid = present & ~(truthy | falsy)
    return (
        pd.Series(out, index=raw.index),
        invalid,
        _("not yes/no (use yes, no, true, false, 1 or 0)"),
    )
