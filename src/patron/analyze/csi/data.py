"""How survey answers become the wide table the model reads (one row per respondent).

Accepted: a wide table (one column per item), a long table of answers
(``respondent``/``response_id``, ``item``/``item_code``, ``value``), a CSV, Parquet or
Excel file holding either, or a workspace's ``survey_responses`` (the warehouse
Parquet when synced, else the store).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from patron.core.i18n import _
from patron.exceptions import InputError

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
LONG_COLUMNS = ["response_id", "item_code", "value", "customer_id", "survey_code", "responded_at"]


def workspace_answers(workspace, *, survey_code: str | None = None) -> pd.DataFrame:
    """A workspace's survey answers, wide, with ``customer_id`` per respondent.

    Reads the warehouse ``survey_responses`` Parquet when ``patron sync`` has written
    it, otherwise the store's ``survey_responses`` joined to customers and surveys.
    Columns to group by come along: ``period`` (quarter answered, "2026Q3"), ``year``,
    and the customer's gender, city, region, country, language and acquisition channel.
    """
    from patron.collect.warehouse import table_path

    pattern = table_path(workspace, "survey_responses")
    folder = Path(pattern).parent
    if folder.is_dir() and any(folder.glob("*.parquet")):
        import duckdb

        customers = table_path(workspace, "customers")
        has_customers = any(Path(customers).parent.glob("*.parquet"))
        attributes = ", ".join(f"c.{c}" for c in CUSTOMER_GROUPS) if has_customers else ""
        query = (
            "SELECT r.response_id, r.item_code, r.value, r.customer_id, r.survey_code, "
            "r.responded_at" + (f", {attributes}" if attributes else "") + " FROM read_parquet(?) r"
        )
        params: list = [pattern]
        if has_customers:
            query += " LEFT JOIN read_parquet(?) c ON c.customer_id = r.customer_id"
            params.append(customers)
        if survey_code:
            query += " WHERE r.survey_code = ?"
            params.append(survey_code)
        long = duckdb.connect().execute(query, params).to_arrow_table().to_pandas()
    else:
        from sqlalchemy import select

        from patron.collect.store.db import session_scope
        from patron.collect.store.models import Customer, Survey, SurveyResponse

        stmt = (
            select(
                SurveyResponse.response_id,
                SurveyResponse.item_code,
                SurveyResponse.value,
                Customer.customer_id.label("customer_id"),
                Survey.code.label("survey_code"),
                SurveyResponse.responded_at,
                *(getattr(Customer, c) for c in CUSTOMER_GROUPS),
            )
            .outerjoin(Customer, Customer.id == SurveyResponse.customer_pk)
            .outerjoin(Survey, Survey.id == SurveyResponse.survey_pk)
        )
        if survey_code:
            stmt = stmt.where(Survey.code == survey_code)
        with session_scope(workspace.database_url) as session:
            long = pd.DataFrame(
                session.execute(stmt).all(), columns=LONG_COLUMNS + list(CUSTOMER_GROUPS)
            )
    if long.empty:
        raise InputError(
            _("workspace {path}: no survey responses{survey}").format(
                path=workspace.root, survey=f" ({survey_code})" if survey_code else ""
            )
        )
    long = long.dropna(subset=["value"])
    answered = pd.to_datetime(long["responded_at"], utc=True)
    long = long.assign(
        period=answered.dt.year.astype("string") + "Q" + answered.dt.quarter.astype("string"),
        year=answered.dt.year.astype("string"),
    ).drop(columns="responded_at")
    return to_wide(long, source="survey_responses")
