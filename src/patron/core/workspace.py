"""Where a workspace lives on disk and what it holds: settings, store, warehouse, rejects."""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import tomli_w

from patron.core import files, security
from patron.core.config import get_settings
from patron.core.i18n import _
from patron.core.settings import WorkspaceSettings, validate_settings
from patron.core.vocabulary import DEFAULT_VOCABULARY
from patron.exceptions import InputError, WorkspaceError

SETTINGS_FILE = "patron.toml"
STORE_FILE = "patron.db"
SECRET_KEY_FILE = "secret.key"
WAREHOUSE_DIR = "warehouse"
REJECTS_DIR = "rejects"
REPORTS_DIR = "reports"

RulesT = TypeVar("RulesT")

# Defaults written into a new patron.toml; later issues add their own sections.
DEFAULT_SETTINGS: dict[str, Any] = {
    "workspace": {"format": 1},
    "locale": {"language": "en", "currency": "USD", "timezone": "UTC"},
    "analytics": {
        "cost_per_complaint": 0.0,
        "cost_per_service_interaction": 0.0,
    },
    "vocabulary": {
        "not_sale_statuses": list(DEFAULT_VOCABULARY.not_sale_statuses),
        "open_complaint_statuses": list(DEFAULT_VOCABULARY.open_complaint_statuses),
        "active_days": DEFAULT_VOCABULARY.active_days,
        "time_unit": DEFAULT_VOCABULARY.time_unit,
    },
}


@dataclass
class Workspace:
    """A folder holding one Patron installation's data.

    ``root/patron.toml`` settings, ``root/patron.db`` the SQLite store (unless
    ``PATRON_DATABASE_URL`` names another database), ``root/secret.key`` the key that
    signs sessions and survey links (unless ``PATRON_SECRET_KEY`` is set),
    ``root/warehouse/`` Parquet and DuckDB files for the analytics, ``root/rejects/``
    rows the importers set aside. Settings, store and key are readable by their owner
    only (0600), the folders Patron creates by their owner only (0700).
    """

    root: Path
    settings: dict[str, Any] = field(default_factory=dict)
    config: WorkspaceSettings = field(default_factory=WorkspaceSettings)

    def __post_init__(self) -> None:
        # Validated once here; ``settings`` keeps the raw tables for the rooms' own readers.
        self.config = validate_settings(self.settings, self.root / SETTINGS_FILE)

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def warehouse(self) -> Path:
        return self.root / WAREHOUSE_DIR

    @property
    def rejects(self) -> Path:
        return self.root / REJECTS_DIR

    @property
    def reports(self) -> Path:
        return self.root / REPORTS_DIR

    @property
    def database_url(self) -> str:
        """``PATRON_DATABASE_URL`` when set, else the workspace's SQLite file."""
        url = get_settings().database_url
        if url:
            return url
        return f"sqlite:///{(self.root / STORE_FILE).resolve()}"

    @property
    def secret_key_path(self) -> Path:
        return self.root / SECRET_KEY_FILE

    @property
    def secret_key(self) -> str:
        """Key that signs survey links and session cookies.

        ``PATRON_SECRET_KEY`` when set, else ``secret.key`` in the workspace (made on first
        use, readable by its owner only). A weak key is refused (``WorkspaceError``).
        """
        env_key = get_settings().secret_key
        if env_key:
            return _checked_key(env_key, "PATRON_SECRET_KEY")
        path = self.secret_key_path
        legacy = self.settings.get("workspace", {}).get("secret_key")
        if not path.exists():
            # Workspaces made before the key file kept the key in patron.toml: move it out,
            # so links and sessions signed with it stay valid.
            files.create_private(path, (legacy or security.new_secret_key()).encode())
        if legacy:
            self._forget_legacy_key()
        return _checked_key(path.read_text(encoding="utf-8").strip(), str(path))

    def _forget_legacy_key(self) -> None:
        on_disk = tomllib.loads(self.settings_path.read_text(encoding="utf-8"))
        on_disk.get("workspace", {}).pop("secret_key", None)
        files.write_private(self.settings_path, tomli_w.dumps(on_disk).encode())
        self.settings.get("workspace", {}).pop("secret_key", None)

    def setting(self, section: str, key: str, default: Any = None) -> Any:
        return self.settings.get(section, {}).get(key, default)

    def update_settings(self, section: str, values: dict[str, Any]) -> None:
        """Change settings of one section and write ``patron.toml`` (other sections kept)."""
        on_disk = tomllib.loads(self.settings_path.read_text(encoding="utf-8"))
        on_disk.setdefault(section, {}).update(values)
        merged = {k: dict(v) for k, v in self.settings.items()}
        merged.setdefault(section, {}).update(values)
        config = validate_settings(merged, self.settings_path)  # refuse before writing
        files.write_private(self.settings_path, tomli_w.dumps(on_disk).encode())
        self.settings, self.config = merged, config

    @classmethod
    def create(cls, root: str | os.PathLike[str], *, exist_ok: bool = True) -> Workspace:
        """Create (or re-open) the workspace folder at ``root``: settings and folders.

        The store is set up by ``patron.collect.workspace_setup.init_workspace``, which
        calls this first.
        """
        root = Path(root)
        if root.exists() and not root.is_dir():
            raise WorkspaceError(_("{path} exists and is not a folder").format(path=root))
        if (root / SETTINGS_FILE).exists():
            if not exist_ok:
                raise WorkspaceError(_("{path} is already a workspace").format(path=root))
            workspace = cls.open(root)
        else:
            files.private_dir(root, parents=True)
            settings = {k: dict(v) for k, v in DEFAULT_SETTINGS.items()}
            settings["workspace"]["created"] = datetime.now(UTC).isoformat(timespec="seconds")
            files.write_private(root / SETTINGS_FILE, tomli_w.dumps(settings).encode())
            files.create_private(root / SECRET_KEY_FILE, security.new_secret_key().encode())
            workspace = cls(root=root, settings=settings)
        for folder in (workspace.warehouse, workspace.rejects, workspace.reports):
            files.private_dir(folder)
        return workspace

    @classmethod
    def open(cls, root: str | os.PathLike[str] | None = None) -> Workspace:
        """Open an existing workspace: ``root``, else ``PATRON_WORKSPACE``."""
        if root is None:
            root = get_settings().workspace
        if root is None:
            raise WorkspaceError(
                _("no workspace given: pass --workspace DIR or set PATRON_WORKSPACE")
            )
        root = Path(root)
        path = root / SETTINGS_FILE
        if not path.exists():
            raise WorkspaceError(
                _(
                    "{path} is not a Patron workspace (no {file}); create one with `patron init {path}`"
                ).format(path=root, file=SETTINGS_FILE)
            )
        try:
            settings = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise WorkspaceError(
                _("{path} cannot be read: {reason}").format(path=path, reason=exc)
            ) from exc
        merged = {k: dict(v) for k, v in DEFAULT_SETTINGS.items()}
        for section, values in settings.items():
            merged.setdefault(section, {}).update(values)
        return cls(root=root, settings=merged)


def _checked_key(key: str, source: str) -> str:
    problem = security.secret_key_problem(key)
    if problem:
        raise WorkspaceError(
            _(
                "the secret key in {source} is too weak: it must have at least {length} "
                "characters, {distinct} of them different; make one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            ).format(
                source=source,
                length=security.SECRET_KEY_MIN_LENGTH,
                distinct=security.SECRET_KEY_MIN_DISTINCT,
            )
        )
    return key


def rules_from_settings(cls: type[RulesT], workspace: Any, section: str) -> RulesT:
    """A rules dataclass with the workspace's ``[section]`` values over its defaults.

    An unknown key is refused by name (a typo must not silently keep a default);
    values are cast to the type of the default.
    """
    values = workspace.settings.get(section, {}) if workspace is not None else {}
    known = asdict(cls())  # type: ignore[call-overload]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise InputError(
            _("unknown {section} setting {name!r}: use {choices}").format(
                section=section, name=unknown[0], choices=", ".join(known)
            )
        )
    return cls(**{k: type(known[k])(v) for k, v in values.items()})
