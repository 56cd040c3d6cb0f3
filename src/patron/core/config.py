"""Settings: one object read from ``PATRON_*`` environment variables (12-factor)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Process-wide settings; a workspace's ``patron.toml`` adds per-workspace ones.

    Environment variables: ``PATRON_WORKSPACE``, ``PATRON_DATABASE_URL``,
    ``PATRON_ENGINE`` (``duckdb`` or ``spark``), ``PATRON_LANG`` (``en`` or ``zh_CN``),
    ``PATRON_SECRET_KEY``, ``PATRON_MAX_UPLOAD_MB`` (largest file the service accepts).
    """

    model_config = SettingsConfigDict(env_prefix="PATRON_", env_ignore_empty=True, extra="ignore")

    workspace: Path | None = None
    database_url: str | None = None
    engine: str = "duckdb"
    lang: str | None = None
    secret_key: str | None = None
    max_upload_mb: int = 512


def get_settings() -> Settings:
    """Read the settings now (not at import), so tests and commands can change the environment."""
    return Settings()
