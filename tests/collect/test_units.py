"""Organisation units: the hierarchy, importing with a unit, and scopes that include what is below."""

from __future__ import annotations

import pytest

from patron.collect.importers import import_file
from patron.collect.units import add_units, list_units, resolve_scope
from patron.collect.warehouse import sync
from patron.exceptions import InputError, PatronError


def _group(workspace) -> None:
    add_units(
        workspace,
        [
            {"code": "harbour", "name": "Harbour Hotels", "kind": "group"},
            {
                "code": "hb-sh",
                "name": "Harbour Shanghai",
                "parent": "harbour",
                "kind": "property",
                "name_zh": "海港上海",
            },
            {"code": "hb-bj", "name": "Harbour Beijing", "parent": "harbour", "kind": "property"},
            {"code": "shop", "name": "Gift shop", "kind": "store"},
        ],
    )


def test_hierarchy_and_scope(workspace) -> None:
    _group(workspace)
    _group(workspace)  # idempotent
    units = list_units(workspace)
    assert units["code"].tolist() == ["harbour", "hb-sh", "hb-bj", "shop"]
    assert units.set_index("code").loc["hb-sh", "depth"] == 1
    group = resolve_scope(workspace, "harbour")
    assert len(group.unit_pks) == 3
    assert resolve_scope(workspace, "hb-bj").unit_pks == (3,)
    assert resolve_scope(workspace, "all").is_everything
    with pytest.raises(PatronError, match="no unit 'nowhere'"):
        resolve_scope(workspace, "nowhere")


def test_moving_a_unit_is_refused(workspace) -> None:
    _group(workspace)
    with pytest.raises(InputError, match="another parent"):
        add_units(workspace, [{"code": "hb-sh", "parent": "shop"}])
    with pytest.raises(InputError, match="unit code"):
        add_units(workspace, [{"code": "bad code!"}])


def test_import_with_unit_column_and_default(workspace, tmp_path) -> None:
    import duckdb

    _group(workspace)
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,customer_id,ordered_at,amount,unit\n"
        "o1,c1,2024-01-01,10,hb-sh\n"
        "o2,c1,2024-02-01,20,hb-bj\n"
        "o3,c2,2024-03-01,30,\n"
        "o4,c3,2024-03-02,40,mars\n"
    )
    summary = import_file(workspace, "orders", orders, unit="shop", progress=False)
    assert (summary.imported, summary.rejected) == (3, 1)
    reject = open(summary.reject_file, encoding="utf-8").read()
    assert "mars" in reject and "no unit" in reject
    sync(workspace, progress=False)
    rows = duckdb.sql(
        f"SELECT o.order_id, u.code FROM read_parquet('{workspace.warehouse}/orders/*.parquet') o "
        f"JOIN read_parquet('{workspace.warehouse}/units/*.parquet') u ON u.id = o.unit_pk "
        "ORDER BY 1"
    ).fetchall()
    assert rows == [("o1", "hb-sh"), ("o2", "hb-bj"), ("o3", "shop")]


def test_import_refuses_an_unknown_default_unit(workspace, tmp_path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,customer_id,ordered_at,amount\no1,c1,2024-01-01,10\n")
    with pytest.raises(PatronError, match="no unit 'nowhere'"):
        import_file(workspace, "orders", orders, unit="nowhere", progress=False)
