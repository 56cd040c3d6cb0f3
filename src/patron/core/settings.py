"""The workspace's ``patron.toml`` as validated sections, read once when the workspace opens.

A wrong key or value is an error naming the file, the section, the key and what is
allowed. Sections owned by a room whose rules live with the room (``[lifecycle]``,
``[loyalty]``, ``[act]``) are kept as tables here and checked by that room's reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from patron.core.i18n import _
from patron.core.vocabulary import TimeUnit, Vocabulary
from patron.exceptions import WorkspaceError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class WorkspaceSection(_Section):
    format: int = 1
    created: str | None = None
    secret_key: str | None = None


class LocaleSection(_Section):
    language: Literal["en", "zh_CN"] = "en"
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. UTC, Asia/Shanghai)") from None
        return value


class AnalyticsSection(_Section):
    """``[analytics]``: costs the features charge and the scope analyses default to."""

    time_unit: TimeUnit | None = None  # older workspaces kept it here; see [vocabulary]
    cost_per_complaint: float = Field(default=0.0, ge=0)
    cost_per_service_interaction: float = Field(default=0.0, ge=0)
    default_unit: str | None = None


class ImportSection(_Section):
    """``[import]``: what an import accepts (see :mod:`patron.collect.importers.settings`)."""

    negative_amounts: Literal["return", "reject"] = "return"
    max_amount: float = Field(default=1e12, gt=0)


class ComplaintsSection(_Section):
    sla_hours: dict[str, float] = Field(default_factory=dict)


class CSIProgrammeSection(_Section):
    """``[csi_programme]``: how the satisfaction programme measures units period after period."""

    min_answers: int = Field(default=30, ge=1)
    period: Literal["month", "quarter", "year"] = "quarter"
    weight_by: Literal["answers", "customers", "revenue"] = "answers"
    bootstrap: int = Field(default=1000, ge=0, le=100000)
    nps_item: str | None = "NPS"
    csat_item: str | None = "SAT1"
    ces_item: str | None = "CES"


class TextSection(_Section):
    """``[text]``: the aspect taxonomy open comments are tagged with (an industry preset
    — hotel, retail, bank, fuel — or a YAML file, relative to the workspace)."""

    taxonomy: str = "hotel"


class WorkspaceSettings(_Section):
    """Every section of ``patron.toml``."""

    workspace: WorkspaceSection = Field(default_factory=WorkspaceSection)
    locale: LocaleSection = Field(default_factory=LocaleSection)
    analytics: AnalyticsSection = Field(default_factory=AnalyticsSection)
    vocabulary: Vocabulary = Field(default_factory=Vocabulary)
    complaints: ComplaintsSection = Field(default_factory=ComplaintsSection)
    import_: ImportSection = Field(default_factory=ImportSection, alias="import")
    csi_programme: CSIProgrammeSection = Field(default_factory=CSIProgrammeSection)
    lifecycle: dict[str, Any] = Field(default_factory=dict)
    loyalty: dict[str, Any] = Field(default_factory=dict)
    act: dict[str, Any] = Field(default_factory=dict)
    text: TextSection = Field(default_factory=TextSection)

    @property
    def time_unit(self) -> str:
        """The vocabulary's time unit (``[analytics] time_unit`` of older workspaces wins
        when ``[vocabulary]`` does not set one)."""
        if "time_unit" not in self.vocabulary.model_fields_set and self.analytics.time_unit:
            return self.analytics.time_unit
        return self.vocabulary.time_unit

    @property
    def effective_vocabulary(self) -> Vocabulary:
        return self.vocabulary.model_copy(update={"time_unit": self.time_unit})


SECTIONS = tuple(f.alias or name for name, f in WorkspaceSettings.model_fields.items())


def validate_settings(raw: dict[str, Any], path: Path | str) -> WorkspaceSettings:
    """``raw`` (parsed TOML) as typed settings; the first problem is raised by name."""
    try:
        return WorkspaceSettings.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = [str(p) for p in error["loc"]]
        section = where[0] if where else "?"
        key = ".".join(where[1:]) or "?"
        if error["type"] == "extra_forbidden" and len(where) == 1:
            message = _("{path}: unknown section [{section}]; sections are {choices}").format(
                path=path, section=section, choices=", ".join(SECTIONS)
            )
        elif error["type"] == "extra_forbidden":
            field = {f.alias or n: f for n, f in WorkspaceSettings.model_fields.items()}[section]
            model = field.annotation
            known = ", ".join(getattr(model, "model_fields", {}))
            message = _(
                "{path}: [{section}] has no setting {key!r}; settings are {choices}"
            ).format(path=path, section=section, key=key, choices=known)
        else:
            message = _("{path}: [{section}] {key} = {value!r} is not allowed: {reason}").format(
                path=path,
                section=section,
                key=key,
                value=error.get("input"),
                reason=error["msg"],
            )
        raise WorkspaceError(message) from None
