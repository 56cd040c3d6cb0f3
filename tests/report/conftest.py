"""A workspace with the synthetic hotel in its warehouse, and its report, built once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from report_factories import add_campaign, write_warehouse  # noqa: E402


@pytest.fixture(scope="session")
def hotel_workspace(tmp_path_factory: pytest.TempPathFactory):
    import os

    from patron.collect.workspace_setup import init_workspace
    from patron.data.hotel import generate_hotel

    saved = os.environ.pop("PATRON_DATABASE_URL", None)
    try:
        workspace = init_workspace(tmp_path_factory.mktemp("report") / "ws")
    finally:
        if saved is not None:
            os.environ["PATRON_DATABASE_URL"] = saved
    write_warehouse(generate_hotel(seed=7, n_guests=1500), workspace.warehouse)
    return workspace


@pytest.fixture(scope="session")
def hotel_campaigns(hotel_workspace) -> dict[str, dict[str, int]]:
    """Two campaigns in the store: one that worked (+20 points of retention planted) and
    one that did nothing; their treated and control group sizes."""
    return {
        "gift": add_campaign(
            hotel_workspace, "gift", p_control=0.20, p_treated=0.40, n=800, seed=2
        ),
        "null": add_campaign(
            hotel_workspace, "null", p_control=0.25, p_treated=0.25, n=800, seed=3
        ),
    }


@pytest.fixture(scope="session")
def hotel_report(hotel_workspace, hotel_campaigns):
    from patron.report import build_report

    return build_report(hotel_workspace)
