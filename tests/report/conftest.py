"""A workspace with the synthetic hotel in its warehouse, and its report, built once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from report_factories import write_warehouse  # noqa: E402


@pytest.fixture(scope="session")
def hotel_workspace(tmp_path_factory: pytest.TempPathFactory):
    import os

    from patron.core.workspace import Workspace
    from patron.data.hotel import generate_hotel

    saved = os.environ.pop("PATRON_DATABASE_URL", None)
    try:
        workspace = Workspace.init(tmp_path_factory.mktemp("report") / "ws")
    finally:
        if saved is not None:
            os.environ["PATRON_DATABASE_URL"] = saved
    write_warehouse(generate_hotel(seed=7, n_guests=1500), workspace.warehouse)
    return workspace


@pytest.fixture(scope="session")
def hotel_report(hotel_workspace):
    from patron.report import build_report

    return build_report(hotel_workspace, dataset="hotel")
