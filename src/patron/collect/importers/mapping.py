"""Which source column feeds which field: ``--map target=source``, a mapping file, or the headers' names.

A column matches a field without a mapping when its name, lower-cased and stripped of
spaces and punctuation, equals the field's name or one of its aliases
(``CustomerId`` → ``customer_id``, ``Order Date`` → ``ordered_at``, ``客户编号`` →
``customer_id``). Explicit mappings win. A mapping file is YAML or JSON: either
``{target: source}`` or ``{columns: {target: source}, date_format: "%d/%m/%Y"}``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from patron.collect.importers.schemas import Kind, normalize_name
from patron.core.i18n import _
from patron.exceptions import InputError


@dataclass
class ColumnPlan:
    """Field → source column, and the source columns no field uses."""

    sources: dict[str, str]
    extras: list[str]


def parse_map_options(options: list[str] | None) -> dict[str, str]:
    """``["customer_id=CustomerId", …]`` as a dict (the CLI's ``--map``)."""
    mapping: dict[str, str] = {}
    for option in options or []:
        target, sep, source = option.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise InputError(
                _("--map {option}: write it as target=source, e.g. customer_id=CustomerId").format(
                    option=option
                )
            )
        mapping[target.strip()] = source.strip()
    return mapping


def load_mapping_file(path: str | os.PathLike[str]) -> tuple[dict[str, str], str | None]:
    """The column mapping and optional ``date_format`` of a YAML or JSON mapping file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(_("{path}: no such mapping file").format(path=path))
    text = path.read_text(encoding="utf-8-sig")
    try:
        if path.suffix.lower() == ".json":
            data: Any = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except (ValueError, Exception) as exc:  # yaml.YAMLError is not a ValueError
        raise InputError(
            _("{path}: cannot read the mapping: {reason}").format(
                path=path, reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            )
        ) from exc
    if not isinstance(data, dict):
        raise InputError(_("{path}: a mapping file holds target: source pairs").format(path=path))
    date_format = data.get("date_format") if isinstance(data.get("columns"), dict) else None
    columns = data["columns"] if isinstance(data.get("columns"), dict) else data
    mapping = {}
    for target, source in columns.items():
        if not isinstance(source, str | int) or not str(target).strip():
            raise InputError(
                _("{path}: {target} must map to a column name").format(path=path, target=target)
            )
        mapping[str(target).strip()] = str(source).strip()
    return mapping, date_format


def plan_columns(
    kind: Kind, columns: list[str], mapping: dict[str, str] | None, path: Path | str
) -> ColumnPlan:
    """Decide the source column of every field; fail when a required one has none."""
    mapping = dict(mapping or {})
    sources: dict[str, str] = {}
    by_exact = {c: c for c in columns}
    by_folded = {c.strip().lower(): c for c in columns}
    for target, source in mapping.items():
        if target not in kind.by_name:
            raise InputError(
                _("unknown field {field} for {kind}: fields are {fields}").format(
                    field=target, kind=kind.name, fields=", ".join(kind.by_name)
                )
            )
        found = by_exact.get(source) or by_folded.get(source.strip().lower())
        if found is None:
            raise InputError(
                _(
                    "{path}: column {column} (mapped to {field}) not found; columns are: {columns}"
                ).format(path=path, column=source, field=target, columns=", ".join(columns))
            )
        sources[target] = found
    used = set(sources.values())
    normalized = {c: normalize_name(c) for c in columns}
    # Field names first, then aliases, so "date" never steals a column named ordered_at.
    for pass_aliases in (False, True):
        for spec in kind.fields:
            if spec.name in sources:
                continue
            names = {normalize_name(spec.name)}
            if pass_aliases:
                names |= {normalize_name(a) for a in spec.aliases}
            for column in columns:
                if column not in used and normalized[column] in names:
                    sources[spec.name] = column
                    used.add(column)
                    break
    missing = [name for name in kind.required if name not in sources]
    if missing:
        raise InputError(
            _(
                "{path}: required column {field} absent (columns are: {columns}); "
                "map one with --map {field}=COLUMN"
            ).format(path=path, field=missing[0], columns=", ".join(columns) or "-")
        )
    extras = [c for c in columns if c not in used and c]
    return ColumnPlan(sources, extras)
