"""How to reach the store: engines, sessions and schema upgrades (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from patron.core.config import get_settings
from patron.core.files import create_private

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def normalize_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets readers (web, sync) run beside an import; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _create_sqlite_file(url: str) -> None:
    # SQLite creates its file (and the -wal and -shm beside it, which copy the file's
    # mode) world-readable under the usual umask: create it first, for the owner only.
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        if path.parent.is_dir():
            create_private(path)


@cache
def open_store(url: str) -> Engine:
    """One engine per database URL for the life of the process."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        _create_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # No pre-ping: it costs a round trip per checkout on the hot path; recycle instead.
        # Sized for the requests a worker admits at once (PATRON_MAX_CONCURRENT), plus
        # room for work beside them; a checkout that waits 10 s fails rather than hangs.
        size = get_settings().max_concurrent
        engine = create_engine(
            url, pool_size=size, max_overflow=size + 4, pool_recycle=1800, pool_timeout=10
        )
    return engine


@cache
def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=open_store(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back on error."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def upgrade_store(url: str, revision: str = "heads") -> None:
    """Bring the store's schema to ``revision`` with the Alembic migrations.

    ``heads``: each room adds its migrations as a branch off ``0001``, so all heads apply.
    """
    from alembic import command

    engine = open_store(url)
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
