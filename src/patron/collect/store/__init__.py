"""The operational store: typed tables, sessions and migrations (SQLite or PostgreSQL)."""

from patron.collect.store.db import open_store, session_scope, upgrade_store
from patron.collect.store.models import Base

__all__ = ["Base", "open_store", "session_scope", "upgrade_store"]
