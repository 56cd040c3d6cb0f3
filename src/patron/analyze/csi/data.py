"""How survey answers become the wide table the model reads (one row per respondent).

Accepted: a wide table (one column per item), a long table of answers
(``respondent``/``response_id``, ``item``/``item_code``, ``value``), a CSV, Parquet or
Excel file holding either, or a workspace's ``survey_responses`` read through the
warehouse reader (scoped to a unit, pivoted by the engine).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from patron.core.i18n import _
from patron.exceptions import InputError

if TYPE_CHECKING:  # pragma: no cover
    import ibis.expr.types as ir

    from patron.analyze.reader import WarehouseReader

RESPONDENT_COLUMNS = ("response_id", "respondent", "respondent_id")
ITEM_COLUMNS = ("item_code", "item")
KEEP_COLUMNS = (
    "customer_id",
    "customer_pk",
    "survey_code",
    "responded_at",
    "period",
    "year",
    "gender",
    "city",
    "region",
    "country",
    "language",
    "acquisition_channel",
)


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV, Parquet or Excel file as a DataFrame (error names the file)."""
    path = Path(path)
    if not path.exists():
        raise InputError(_("{path}: file not found").format(path=path))
    suffix = path.suffix.lower()
    try:
        if suffix in {".parquet", ".pq"}:
            return pd.read_parquet(path)
        if suffix in {".xlsx", ".xls"}:
            return pd.read_excel(path)
        return pd.read_csv(path)
    except (ValueError, OSError) as error:
        raise InputError(
            _("{path}: cannot read ({error})").format(path=path, error=error)
        ) from None


def is_long(frame: pd.DataFrame) -> bool:
    cols = set(frame.columns)
    return (
        "value" in cols
        and any(c in cols for c in ITEM_COLUMNS)
        and any(c in cols for c in RESPONDENT_COLUMNS)
    )


def to_wide(frame: pd.DataFrame, *, source: str = "answers") -> pd.DataFrame:
    """Pivot a long table of answers to one row per respondent and one column per item.

    Columns such as ``customer_id`` and ``survey_code`` are carried over (first value
    per respondent). A respondent answering the same item twice is an error.
    """
    if not is_long(frame):
        return frame
    respondent = next(c for c in RESPONDENT_COLUMNS if c in frame.columns)
    item = next(c for c in ITEM_COLUMNS if c in frame.columns)
    values = pd.to_numeric(frame["value"], errors="coerce")
    bad = values.isna() & frame["value"].notna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            _("{source}: row {row}: value {value!r} of item {item} is not a number").format(
                source=source,
                row=row + 2,
                value=frame["value"].iloc[row],
                item=frame[item].iloc[row],
            )
        )
    long = frame.assign(value=values)
    dup = long.duplicated([respondent, item])
    if dup.any():
        row = int(dup.to_numpy().nonzero()[0][0])
        raise InputError(
            _("{source}: respondent {respondent} answers item {item} twice (row {row})").format(
                source=source,
                respondent=long[respondent].iloc[row],
                item=long[item].iloc[row],
                row=row + 2,
            )
        )
    wide = long.pivot(index=respondent, columns=item, values="value")
    wide.columns = [str(c) for c in wide.columns]
    extra = [c for c in KEEP_COLUMNS if c in long.columns]
    if extra:
        wide = wide.join(long.groupby(respondent)[extra].first())
    return wide


def load_answers(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Wide answers from a DataFrame or file, long or wide."""
    if isinstance(source, pd.DataFrame):
        return to_wide(source)
    frame = to_wide(read_table(source), source=str(source))
    frame.attrs["source"] = str(source)  # so later errors can name the file
    return frame


CUSTOMER_GROUPS = ("gender", "city", "region", "country", "language", "acquisition_channel")
#: Columns of a respondent (not items) in the wide answers read from a workspace.
ANSWER_KEYS = ("response_id", "customer_id", "survey_code", "responded_at")


def wide_answers(
    reader: WarehouseReader, *, survey_code: str | None = None, as_of: Any = None
) -> ir.Table:
    """The engine's expression for the answers in the reader's scope, one row per
    respondent (``response_id``) and one column per item, with the respondent's
    ``customer_id``, ``survey_code``, ``responded_at`` and customer attributes.

    Only answers given on or before ``as_of`` (a day) count when it is given.
    """
    from patron.analyze.features import as_day, day_literal

    long = reader.table("survey_responses")
    long = long.filter(long.value.notnull())
    if survey_code:
        long = long.filter(long.survey_code == survey_code)
    if as_of is not None:
        long = long.filter(as_day(long.responded_at) <= day_literal(as_of))
    codes = reader.to_pandas(long.select("item_code").distinct())["item_code"]
    items = sorted(str(c) for c in codes.dropna())
    clash = [c for c in items if c in ANSWER_KEYS or c in CUSTOMER_GROUPS]
    if clash:
        raise InputError(
            _("item code {item!r} is also the name of a respondent's column").format(item=clash[0])
        )
    # (response_id, item_code) is unique in the store: max() is the one answer.
    wide = long.group_by("response_id").aggregate(
        customer_id=long.customer_id.cast("string").max(),
        survey_code=long.survey_code.max(),
        responded_at=long.responded_at.max(),
        **{code: long.value.cast("float64").max(where=long.item_code == code) for code in items},
    )
    customers = reader.table("customers", required=False)
    if customers is None:
        return wide
    groups = [c for c in CUSTOMER_GROUPS if c in customers.columns]
    if not groups:
        return wide
    attributes = customers.select(
        customer_id=customers.customer_id.cast("string"), **{c: customers[c] for c in groups}
    )
    return wide.left_join(attributes, "customer_id").select(*ANSWER_KEYS, *items, *groups)


def workspace_answers(
    source: WarehouseReader | Any,
    *,
    survey_code: str | None = None,
    as_of: Any = None,
    unit: str | None = None,
) -> pd.DataFrame:
    """A workspace's survey answers, wide, one row per respondent (index ``response_id``).

    ``source`` is a :class:`~patron.analyze.reader.WarehouseReader` (its scope and
    engine), or a workspace read in ``unit`` (default: the workspace's default unit).
    The warehouse is read (``patron sync`` writes it); the engine pivots the answers.
    Columns to group by come along: ``responded_at``, ``period`` (quarter answered, "2026Q3"), ``year``,
    and the customer's gender, city, region, country, language and acquisition channel.
    """
    from patron.analyze.reader import WarehouseReader

    reader = source if isinstance(source, WarehouseReader) else WarehouseReader(source, unit=unit)
    wide = reader.to_pandas(wide_answers(reader, survey_code=survey_code, as_of=as_of))
    if wide.empty:
        raise InputError(
            _("no survey answers in {scope}{survey}").format(
                scope=reader.scope.label(), survey=f" ({survey_code})" if survey_code else ""
            )
        )
    # Rows in one order on every engine (the bootstrap's draws depend on it).
    wide = wide.sort_values("response_id", kind="stable").set_index("response_id")
    answered = pd.to_datetime(wide["responded_at"], utc=True)
    return wide.assign(
        responded_at=answered,
        period=answered.dt.year.astype("string") + "Q" + answered.dt.quarter.astype("string"),
        year=answered.dt.year.astype("string"),
    )
