"""What a PLS path model is: constructs, their items and mode, and the paths between them.

A specification is written in Python (:class:`ModelSpec`) or in a small YAML file::

    name: my-model
    scale: [1, 10]
    constructs:
      quality: {items: [PQ1, PQ2, PQ3]}
      value: {items: [PV1, PV2], mode: B}
      satisfaction: {items: [SAT1, SAT2, SAT3]}
    paths:
      quality: [value, satisfaction]   # quality -> value, quality -> satisfaction
      value: [satisfaction]

It is validated as a whole: a construct without items, an item used twice, a path that
names an unknown construct, a cycle, and (against the data) an item missing from the
table each raise an :class:`~patron.exceptions.InputError` naming what and where.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from patron.core.i18n import _
from patron.exceptions import InputError

MODES = ("A", "B")


@dataclass(frozen=True)
class Construct:
    """One latent variable: its indicators and how they relate to it.

    ``mode`` "A" is reflective (outer weights are covariances with the inner proxy);
    "B" is formative (weights are multiple-regression coefficients).
    """

    name: str
    items: tuple[str, ...]
    mode: str = "A"
    label: str | None = None


@dataclass(frozen=True)
class ModelSpec:
    """The constructs (in display order), the structural paths and the answer scale."""

    constructs: tuple[Construct, ...]
    paths: tuple[tuple[str, str], ...]
    name: str = "custom"
    scale: tuple[float, float] | None = None
    target: str | None = None
    labels: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "specification") -> ModelSpec:
        """Build and validate a specification from plain data (as read from YAML)."""
        if not isinstance(data, Mapping):
            raise InputError(
                _("{source}: expected a mapping at the top level").format(source=source)
            )
        raw_constructs = data.get("constructs")
        if not isinstance(raw_constructs, Mapping) or not raw_constructs:
            raise InputError(
                _("{source}: 'constructs' must map each construct to its items").format(
                    source=source
                )
            )
        constructs = []
        labels: dict[str, dict[str, str]] = {}
        for name, body in raw_constructs.items():
            if isinstance(body, list | tuple):
                body = {"items": body}
            if body is None:
                body = {}
            if not isinstance(body, Mapping):
                raise InputError(
                    _("{source}: construct '{name}' must be a list of items or a mapping").format(
                        source=source, name=name
                    )
                )
            label = body.get("label")
            if isinstance(label, Mapping):
                labels[str(name)] = {str(k): str(v) for k, v in label.items()}
            elif label:
                labels[str(name)] = {"en": str(label)}
            items = body.get("items") or []
            if isinstance(items, Mapping):  # item bank style: code -> wording
                items = list(items)
            constructs.append(
                Construct(
                    name=str(name),
                    items=tuple(str(i) for i in items),
                    mode=str(body.get("mode", "A")).upper(),
                    label=labels.get(str(name), {}).get("en"),
                )
            )
        raw_paths = data.get("paths") or {}
        paths: list[tuple[str, str]] = []
        if isinstance(raw_paths, Mapping):
            for source_name, targets in raw_paths.items():
                if isinstance(targets, str):
                    targets = [targets]
                for target in targets or []:
                    paths.append((str(source_name), str(target)))
        elif isinstance(raw_paths, list):
            for entry in raw_paths:
                if isinstance(entry, str) and "->" in entry:
                    left, right = (part.strip() for part in entry.split("->", 1))
                    paths.append((left, right))
                elif isinstance(entry, list | tuple) and len(entry) == 2:
                    paths.append((str(entry[0]), str(entry[1])))
                else:
                    raise InputError(
                        _("{source}: path {entry!r} is not 'from -> to'").format(
                            source=source, entry=entry
                        )
                    )
        scale = data.get("scale")
        if scale is not None:
            if not (isinstance(scale, list | tuple) and len(scale) == 2):
                raise InputError(
                    _("{source}: 'scale' must be [lowest, highest]").format(source=source)
                )
            scale = (float(scale[0]), float(scale[1]))
        spec = cls(
            constructs=tuple(constructs),
            paths=tuple(paths),
            name=str(data.get("name", "custom")),
            scale=scale,
            target=data.get("target"),
            labels=labels,
        )
        spec.validate(source=source)
        return spec

    @classmethod
    def from_yaml(cls, path: str | Path) -> ModelSpec:
        """Read and validate a YAML specification file."""
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(_("{path}: file not found").format(path=path)) from None
        except yaml.YAMLError as error:
            raise InputError(
                _("{path}: not valid YAML ({error})").format(path=path, error=error)
            ) from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def build(
        cls,
        constructs: Mapping[str, Sequence[str]],
        paths: Iterable[tuple[str, str]],
        *,
        modes: Mapping[str, str] | None = None,
        name: str = "custom",
        scale: tuple[float, float] | None = None,
        target: str | None = None,
    ) -> ModelSpec:
        """The Python way: ``ModelSpec.build({"q": [...], "s": [...]}, [("q", "s")])``."""
        modes = modes or {}
        spec = cls(
            constructs=tuple(
                Construct(name=k, items=tuple(v), mode=modes.get(k, "A").upper())
                for k, v in constructs.items()
            ),
            paths=tuple((str(a), str(b)) for a, b in paths),
            name=name,
            scale=scale,
            target=target,
        )
        spec.validate()
        return spec

    # -- validation ---------------------------------------------------------------
    def validate(self, *, source: str = "specification") -> None:
        """Raise :class:`InputError` on the first problem, naming it."""
        names = [c.name for c in self.constructs]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise InputError(
                    _("{source}: construct '{name}' is declared twice").format(
                        source=source, name=name
                    )
                )
            seen.add(name)
        owner: dict[str, str] = {}
        for construct in self.constructs:
            if not construct.items:
                raise InputError(
                    _("{source}: construct '{name}' has no items").format(
                        source=source, name=construct.name
                    )
                )
            if construct.mode not in MODES:
                raise InputError(
                    _("{source}: construct '{name}' has mode '{mode}'; use A or B").format(
                        source=source, name=construct.name, mode=construct.mode
                    )
                )
            for item in construct.items:
                if item in owner:
                    raise InputError(
                        _(
                            "{source}: item '{item}' is used by both '{first}' and '{second}'"
                        ).format(source=source, item=item, first=owner[item], second=construct.name)
                    )
                owner[item] = construct.name
        if not self.paths:
            raise InputError(_("{source}: the model has no paths").format(source=source))
        for left, right in self.paths:
            for end in (left, right):
                if end not in seen:
                    raise InputError(
                        _(
                            "{source}: path {left} -> {right} names unknown construct '{name}'"
                        ).format(source=source, left=left, right=right, name=end)
                    )
            if left == right:
                raise InputError(
                    _("{source}: path {left} -> {right} points to itself").format(
                        source=source, left=left, right=right
                    )
                )
        if len(set(self.paths)) != len(self.paths):
            raise InputError(_("{source}: a path is listed twice").format(source=source))
        cycle = self._find_cycle()
        if cycle:
            raise InputError(
                _("{source}: the paths form a cycle: {cycle}").format(
                    source=source, cycle=" -> ".join(cycle)
                )
            )
        connected = {n for pair in self.paths for n in pair}
        for name in names:
            if name not in connected:
                raise InputError(
                    _("{source}: construct '{name}' has no path to or from it").format(
                        source=source, name=name
                    )
                )
        if self.target is not None and self.target not in seen:
            raise InputError(
                _("{source}: target '{name}' is not a construct").format(
                    source=source, name=self.target
                )
            )
        if self.scale is not None and not self.scale[0] < self.scale[1]:
            raise InputError(
                _("{source}: scale lowest must be below highest").format(source=source)
            )

    def _find_cycle(self) -> list[str] | None:
        successors: dict[str, list[str]] = {c.name: [] for c in self.constructs}
        for left, right in self.paths:
            successors.setdefault(left, []).append(right)
        state: dict[str, int] = {}
        stack: list[str] = []

        def visit(node: str) -> list[str] | None:
            state[node] = 1
            stack.append(node)
            for nxt in successors.get(node, []):
                if state.get(nxt) == 1:
                    return stack[stack.index(nxt) :] + [nxt]
                if state.get(nxt) is None:
                    found = visit(nxt)
                    if found:
                        return found
            stack.pop()
            state[node] = 2
            return None

        for name in successors:
            if state.get(name) is None:
                found = visit(name)
                if found:
                    return found
        return None

    def check_columns(self, columns: Iterable[str], *, source: str = "data") -> None:
        """Every item must be a column of the answers table."""
        available = set(map(str, columns))
        for construct in self.constructs:
            for item in construct.items:
                if item not in available:
                    raise InputError(
                        _("{source}: item '{item}' of construct '{name}' is not a column").format(
                            source=source, item=item, name=construct.name
                        )
                    )

    # -- views --------------------------------------------------------------------
    @property
    def construct_names(self) -> list[str]:
        return [c.name for c in self.constructs]

    @property
    def items(self) -> list[str]:
        return [i for c in self.constructs for i in c.items]

    def construct(self, name: str) -> Construct:
        for c in self.constructs:
            if c.name == name:
                return c
        raise InputError(_("unknown construct '{name}'").format(name=name))

    def predecessors(self, name: str) -> list[str]:
        return [a for a, b in self.paths if b == name]

    @property
    def endogenous(self) -> list[str]:
        targets = {b for _a, b in self.paths}
        return [n for n in self.construct_names if n in targets]

    def resolved_target(self) -> str:
        """The construct the index and IPMA speak about (``satisfaction`` by default)."""
        if self.target:
            return self.target
        for guess in ("satisfaction", "SAT", "Satisfaction"):
            if guess in self.construct_names:
                return guess
        return self.endogenous[-1]

    def to_dict(self) -> dict[str, Any]:
        paths: dict[str, list[str]] = {}
        for left, right in self.paths:
            paths.setdefault(left, []).append(right)
        out: dict[str, Any] = {
            "name": self.name,
            "constructs": {
                c.name: {"items": list(c.items), "mode": c.mode} for c in self.constructs
            },
            "paths": paths,
        }
        if self.scale:
            out["scale"] = list(self.scale)
        if self.target:
            out["target"] = self.target
        return out

    def label(self, construct: str) -> str:
        """The construct's display name in the current language."""
        from patron.core.i18n import current_language

        entry = self.labels.get(construct) or {}
        lang = "zh" if current_language() == "zh_CN" else "en"
        return entry.get(lang) or entry.get("en") or construct
