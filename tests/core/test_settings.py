"""patron.toml is validated once: a wrong key or value names the file, section, key and choices."""

from __future__ import annotations

import pandas as pd
import pytest

from patron.collect.workspace_setup import init_workspace
from patron.core.settings import validate_settings
from patron.core.vocabulary import DEFAULT_VOCABULARY, Vocabulary, unit_days
from patron.core.workspace import Workspace
from patron.exceptions import InputError, WorkspaceError


def _write(tmp_path, text: str) -> Workspace:
    ws = init_workspace(tmp_path / "ws")
    path = ws.root / "patron.toml"
    path.write_text(path.read_text() + "\n" + text)
    return ws


def test_unknown_key_names_file_section_key_and_choices(tmp_path) -> None:
    ws = _write(tmp_path, "[loyalty_typo]\nx = 1\n")
    with pytest.raises(WorkspaceError) as err:
        Workspace.open(ws.root)
    message = str(err.value)
    assert "patron.toml" in message and "[loyalty_typo]" in message and "vocabulary" in message


def test_unknown_setting_in_a_section(tmp_path) -> None:
    with pytest.raises(WorkspaceError) as err:
        validate_settings({"vocabulary": {"not_sales": ["x"]}}, "p.toml")
    message = str(err.value)
    assert "p.toml" in message and "[vocabulary]" in message and "'not_sales'" in message
    assert "not_sale_statuses" in message  # the allowed keys are listed


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"vocabulary": {"time_unit": "Q"}}, "time_unit"),
        ({"vocabulary": {"active_days": 0}}, "active_days"),
        ({"locale": {"timezone": "Mars/Olympus"}}, "timezone"),
        ({"locale": {"currency": "dollars"}}, "currency"),
        ({"analytics": {"cost_per_complaint": -1}}, "cost_per_complaint"),
    ],
)
def test_wrong_values_are_named(raw, key) -> None:
    with pytest.raises(WorkspaceError, match=key):
        validate_settings(raw, "p.toml")


def test_update_refuses_a_bad_value_and_keeps_the_file(tmp_path) -> None:
    ws = init_workspace(tmp_path / "ws")
    before = (ws.root / "patron.toml").read_text()
    with pytest.raises(WorkspaceError, match="time_unit"):
        ws.update_settings("vocabulary", {"time_unit": "fortnight"})
    assert (ws.root / "patron.toml").read_text() == before


def test_vocabulary_is_read_from_the_workspace(tmp_path) -> None:
    ws = init_workspace(tmp_path / "ws")
    ws.update_settings("vocabulary", {"not_sale_statuses": ["Returned", "lost"], "time_unit": "D"})
    again = Workspace.open(ws.root)
    assert again.config.vocabulary.not_sale_statuses == ("returned", "lost")
    assert again.config.effective_vocabulary.unit_days == 1.0


def test_older_workspaces_keep_their_analytics_time_unit() -> None:
    config = validate_settings({"analytics": {"time_unit": "M"}}, "p.toml")
    assert config.time_unit == "M"
    config = validate_settings(
        {"analytics": {"time_unit": "M"}, "vocabulary": {"time_unit": "D"}}, "p"
    )
    assert config.time_unit == "D"


def test_a_sale_in_three_dialects_agrees() -> None:
    import ibis
    import sqlalchemy as sa

    statuses = ["Returned", None, "paid", "CANCELLED", "void", "refunded", "canceled", ""]
    expected = [False, True, True, False, False, False, False, True]
    vocab = DEFAULT_VOCABULARY
    mask = vocab.is_sale_mask(pd.Series(statuses, dtype=object))
    assert mask.tolist() == expected
    table = ibis.memtable(pd.DataFrame({"i": range(len(statuses)), "status": statuses}))
    out = table.mutate(sale=vocab.is_sale(table.status)).order_by("i").execute()
    assert out["sale"].tolist() == expected
    engine = sa.create_engine("sqlite://")
    meta = sa.MetaData()
    orders = sa.Table("o", meta, sa.Column("i", sa.Integer), sa.Column("status", sa.String))
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(orders.insert(), [{"i": i, "status": s} for i, s in enumerate(statuses)])
        rows = (
            conn.execute(
                sa.select(orders.c.i).where(vocab.sale_clause(orders.c.status)).order_by(orders.c.i)
            )
            .scalars()
            .all()
        )
    assert rows == [i for i, e in enumerate(expected) if e]


def test_unit_days_and_custom_vocabulary() -> None:
    assert unit_days("W") == 7.0 and unit_days("m") == pytest.approx(30.4375)
    with pytest.raises(InputError, match="fortnight"):
        unit_days("fortnight")
    assert Vocabulary(not_sale_statuses="lost").not_sale_statuses == ("lost",)
