"""Settings: one object read from ``PATRON_*`` environment variables (12-factor)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Process-wide settings; a workspace's ``patron.toml`` adds per-workspace ones.

    Environment variables: ``PATRON_WORKSPACE``, ``PATRON_DATABASE_URL``,
    ``PATRON_ENGINE`` (``duckdb`` or ``spark``), ``PATRON_LANG`` (``en`` or ``zh_CN``),
    ``PATRON_SECRET_KEY``, ``PATRON_MAX_UPLOAD_MB`` (largest file the service accepts).

    Service capacity, per worker process: ``PATRON_MAX_CONCURRENT`` requests run at once
    (and the store's connection pool holds as many), ``PATRON_MAX_QUEUE`` more wait, each
    at most ``PATRON_QUEUE_TIMEOUT_MS``; past that, or while the worker's event loop runs
    more than ``PATRON_MAX_LOOP_LAG_MS`` late, the service answers 503 at once.
    """

    model_config = SettingsConfigDict(env_prefix="PATRON_", env_ignore_empty=True, extra="ignore")

    workspace: Path | None = None
    database_url: str | None = None
    engine: str = "duckdb"
    lang: str | None = None
    secret_key: str | None = None
    max_upload_mb: int = 512
    max_concurrent: int = Field(default=8, ge=1, le=1000)
    max_queue: int = Field(default=64, ge=0, le=100_000)
    queue_timeout_ms: int = Field(default=250, ge=0, le=60_000)
    max_loop_lag_ms: int = Field(default=100, ge=1, le=60_000)


def get_settings() -> Settings:
    """Read the settings now (not at import), so tests and commands can change the environment."""
    return Settings()
