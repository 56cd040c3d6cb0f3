"""The organisation's units: add, find, list the hierarchy, and resolve an analysis scope.

A unit is a hotel group, a brand or a property; a fuel company, a region or a station;
a nation, a sector, an industry or a firm. Records (orders, interactions, complaints,
survey invitations and answers, campaigns, users, customers) carry the unit they belong
to; an analysis scoped to a unit sees that unit and everything below it. A record with no
unit belongs to the organisation as a whole: only the whole-organisation scope sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from patron.collect.errors import NotFoundError
from patron.collect.store.db import session_scope
from patron.collect.store.models import Unit
from patron.core.i18n import N_, _
from patron.exceptions import InputError

#: Kinds of unit offered by default (with their words for people); any short word is accepted.
KIND_LABELS = {
    "organisation": N_("organisation"),
    "group": N_("group"),
    "brand": N_("brand"),
    "property": N_("property"),
    "company": N_("company"),
    "region": N_("region"),
    "station": N_("station"),
    "branch": N_("branch"),
    "store": N_("store"),
    "nation": N_("nation"),
    "sector": N_("sector"),
    "industry": N_("industry"),
    "firm": N_("firm"),
    "unit": N_("unit"),
}
KINDS = tuple(KIND_LABELS)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


@dataclass(frozen=True)
class Scope:
    """What an analysis looks at: one unit and everything below it, or the whole organisation.

    ``unit_pks`` is ``None`` for the whole organisation (every record, with or without a
    unit), else the ids of the unit and its descendants.
    """

    code: str | None = None
    name: str | None = None
    unit_pks: tuple[int, ...] | None = None
    name_zh: str | None = None

    @property
    def is_everything(self) -> bool:
        return self.unit_pks is None

    def label(self) -> str:
        """Words for output: "unit hotel (Harbour Hotels)" or "the whole organisation"."""
        if self.code is None:
            return _("the whole organisation")
        from patron.core.i18n import current_language

        name = self.name_zh if current_language() == "zh_CN" and self.name_zh else self.name
        return _("{name} · unit {code}").format(code=self.code, name=name or self.code)

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.code, "unit_name": self.name}


EVERYTHING = Scope()

#: The facts that make a customer part of a unit (besides being assigned to it): an
#: order, a contact, a complaint or a survey answer there. The warehouse reader's
#: ``customer_ids`` uses it; in the store, the triggers of migration ``0005_customer_units``
#: (which name the same tables) keep ``customer_units`` for :func:`customer_in_scope`.
MEMBERSHIP_TABLES = ("orders", "interactions", "complaints", "survey_responses")


def _check_code(code: str) -> str:
    code = str(code).strip()
    if not _CODE.match(code):
        raise InputError(
            _(
                "unit code {code!r}: use 1–64 letters, digits, '_', '-' or '.', starting with a"
                " letter or digit"
            ).format(code=code)
        )
    return code


def get_unit(session: Session, code: str) -> Unit:
    """The unit with ``code``; an unknown code is an error that lists the known ones."""
    unit = session.scalar(sa.select(Unit).where(Unit.code == str(code).strip()))
    if unit is None:
        known = session.scalars(sa.select(Unit.code).order_by(Unit.code).limit(20)).all()
        raise NotFoundError(
            _("no unit {code!r} (units: {known})").format(
                code=code, known=", ".join(known) or _("none yet — add one with `patron units add`")
            )
        )
    return unit


def add_unit(
    session: Session,
    code: str,
    name: str | None = None,
    *,
    parent: str | None = None,
    kind: str = "unit",
    name_zh: str | None = None,
) -> Unit:
    """Add a unit under ``parent`` (a code) or at the top; an existing code is updated.

    Re-adding a unit with the same parent changes its name and kind only, so setting up an
    organisation is idempotent. Moving a unit to another parent is refused (records
    counted under the old parent would silently move).
    """
    code = _check_code(code)
    kind = str(kind or "unit").strip().lower()
    if not re.match(r"^[a-z_]{1,40}$", kind):
        raise InputError(
            _("unit kind {kind!r}: use a short word, e.g. {choices}").format(
                kind=kind, choices=", ".join(KINDS[:6])
            )
        )
    parent_unit = get_unit(session, parent) if parent else None
    existing = session.scalar(sa.select(Unit).where(Unit.code == code))
    if existing is not None:
        if existing.parent_pk != (parent_unit.id if parent_unit else None):
            raise InputError(
                _("unit {code!r} already exists under another parent").format(code=code)
            )
        existing.name = name or existing.name
        existing.kind = kind
        existing.name_zh = name_zh if name_zh is not None else existing.name_zh
        return existing
    unit = Unit(code=code, name=name or code, name_zh=name_zh, kind=kind, path="/")
    unit.parent_pk = parent_unit.id if parent_unit else None
    session.add(unit)
    session.flush()
    unit.path = f"{parent_unit.path if parent_unit else '/'}{unit.id}/"
    session.flush()
    return unit


def subtree_pks(session: Session, unit: Unit) -> tuple[int, ...]:
    """Ids of ``unit`` and every unit below it."""
    rows = session.scalars(sa.select(Unit.id).where(Unit.path.startswith(unit.path))).all()
    return tuple(sorted(int(r) for r in rows))


def resolve_scope(workspace: Any, unit: str | None = None) -> Scope:
    """The scope an analysis uses: ``unit`` when given ("all" for everything), else the
    workspace's ``[analytics] default_unit``, else the whole organisation."""
    code = unit if unit is not None else workspace.config.analytics.default_unit
    if code is None or str(code).strip().lower() in ("", "all", "*"):
        return EVERYTHING
    with session_scope(workspace.database_url) as session:
        found = get_unit(session, code)
        return Scope(
            code=found.code,
            name=found.name,
            unit_pks=subtree_pks(session, found),
            name_zh=found.name_zh,
        )


def customer_in_scope(scope: Scope, customer_pk: Any) -> Any:
    """SQL condition: the customer (column ``customer_pk``) belongs to ``scope`` — assigned
    to a unit in it, or with an order, contact, complaint or answer there (the store's
    twin of :meth:`patron.analyze.reader.WarehouseReader.customer_ids`).

    Asked of ``customer_units``, which the database keeps from those tables (migration
    ``0005_customer_units``): one index probe per customer instead of a union over every
    order of the unit on each page.
    """
    from patron.collect.store.models import CustomerUnit

    if scope.is_everything:
        return sa.true()
    return sa.exists().where(
        CustomerUnit.customer_pk == customer_pk,
        CustomerUnit.unit_pk.in_(list(scope.unit_pks or ())),
    )


def user_scope(session: Session, username: str) -> Scope:
    """The units a user works in (their unit and everything below), else everything.

    One round trip (the user's unit joined with its subtree): every staff page asks it.
    """
    from patron.collect.store.models import User

    top, below = aliased(Unit), aliased(Unit)
    rows = session.execute(
        sa.select(top.code, top.name, top.name_zh, below.id)
        .join(User, User.unit_pk == top.id)
        .join(below, below.path.startswith(top.path))
        .where(User.username == username)
    ).all()
    if not rows:
        return EVERYTHING
    code, name, name_zh = rows[0][:3]
    return Scope(
        code=code, name=name, unit_pks=tuple(sorted(int(r[3]) for r in rows)), name_zh=name_zh
    )


def record_in_scope(scope: Scope, unit_pk: Any) -> Any:
    """SQL condition: a record (column ``unit_pk``) belongs to ``scope``; a record with no
    unit belongs to the whole organisation only."""
    if scope.is_everything:
        return sa.true()
    return unit_pk.in_(list(scope.unit_pks or ()))


def unit_pk_for(session: Session, code: str | None) -> int | None:
    """The id of the unit ``code`` (``None`` for no code), for records being written."""
    if code is None or str(code).strip() == "":
        return None
    return int(get_unit(session, code).id)


def list_units(workspace: Any) -> pd.DataFrame:
    """The hierarchy, parents before children: ``code, name, name_zh, kind, parent, depth``."""
    with session_scope(workspace.database_url) as session:
        units = session.scalars(sa.select(Unit).order_by(Unit.path)).all()
        by_pk = {u.id: u.code for u in units}
        rows = [
            {
                "code": u.code,
                "name": u.name,
                "name_zh": u.name_zh,
                "kind": u.kind,
                "parent": by_pk.get(u.parent_pk) if u.parent_pk else None,
                "depth": u.path.count("/") - 2,
            }
            for u in units
        ]
    return pd.DataFrame(rows, columns=["code", "name", "name_zh", "kind", "parent", "depth"])


def add_units(workspace: Any, units: list[dict[str, Any]]) -> int:
    """Add several units (each a dict of :func:`add_unit`'s arguments), parents first."""
    with session_scope(workspace.database_url) as session:
        for spec in units:
            add_unit(
                session,
                spec["code"],
                spec.get("name"),
                parent=spec.get("parent"),
                kind=spec.get("kind", "unit"),
                name_zh=spec.get("name_zh"),
            )
    return len(units)
