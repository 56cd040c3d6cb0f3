"""Shared fixtures: workspaces, store URLs for SQLite and PostgreSQL, the shared data sets."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the project root (real public data sets)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests keep screenshots and other artifacts for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def postgres_base_url() -> str | None:
    url = os.environ.get("PATRON_TEST_POSTGRES_URL")
    if not url and os.environ.get("CI"):
        # In CI a missing server is a failure, never a silent skip.
        raise RuntimeError(
            "CI=true but PATRON_TEST_POSTGRES_URL is not set: PostgreSQL tests cannot run"
        )
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store URL: a SQLite file, or a new schema in the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    base = postgres_base_url()
    if not base:
        pytest.skip("PATRON_TEST_POSTGRES_URL not set")
    yield from _postgres_schema_url(base)


def _postgres_schema_url(base: str) -> Iterator[str]:
    import sqlalchemy as sa

    from patron.collect.store.db import normalize_url, open_store

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(normalize_url(base))
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    try:
        yield url
    finally:
        open_store(url).dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def workspace(tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch):
    """A new workspace whose store is ``store_url`` (SQLite file or PostgreSQL schema)."""
    from patron.collect.workspace_setup import init_workspace

    if store_url.startswith("postgresql"):
        monkeypatch.setenv("PATRON_DATABASE_URL", store_url)
    else:
        monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)
    return init_workspace(tmp_path / "ws")


@pytest.fixture
def sqlite_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A new workspace on its embedded SQLite store."""
    from patron.collect.workspace_setup import init_workspace

    monkeypatch.delenv("PATRON_DATABASE_URL", raising=False)
    return init_workspace(tmp_path / "ws")
