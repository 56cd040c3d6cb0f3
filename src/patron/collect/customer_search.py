"""Which customers match: search by name, e-mail, phone or id, with filters, one page at a time."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect import audit
from patron.collect.roles import Actor
from patron.collect.store.models import Customer, ScoreSnapshot
from patron.collect.times import Page
from patron.core.i18n import _
from patron.exceptions import InputError


def _like_pattern(text: str) -> str:
    # The text is a bound parameter (never SQL); only LIKE's own wildcards need escaping.
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def customer_match(text: str, field: str | None = None) -> Any:
    """The condition "customer matches ``text``": name in either script, e-mail, phone or id.

    Latin names and e-mail match anywhere, case-insensitively; a Chinese name matches from
    its start (``陈`` and ``陈伟`` find 陈伟: a surname first, as Chinese names are
    written); phone matches anywhere as typed; the id matches exactly. Only the branches
    the text can match are asked (Chinese characters are never in an e-mail or a phone
    number, digits alone are never a name), so each one is served by its index: trigram
    indexes on PostgreSQL (migration 0004_staff) and a prefix index on ``name_zh``.
    """
    text = text.strip()
    pattern = _like_pattern(text.lower())
    prefix = _like_pattern(text)[1:]  # "陈伟%": the name from its first character
    by = {
        "id": Customer.customer_id == text,
        "name": sa.or_(
            sa.func.lower(Customer.name).like(pattern, escape="\\"),
            Customer.name_zh.like(prefix, escape="\\"),
        ),
        "email": sa.func.lower(Customer.email).like(pattern, escape="\\"),
        "phone": Customer.phone.like(_like_pattern(text), escape="\\"),
    }
    if field in by:
        return by[field]
    if _has_cjk(text):
        return sa.or_(Customer.name_zh.like(prefix, escape="\\"), by["id"])
    branches = [by["id"]]
    if any(ch.isalpha() for ch in text):
        branches += [sa.func.lower(Customer.name).like(pattern, escape="\\"), by["email"]]
    if "@" in text:
        branches = [by["email"], by["id"]]
    elif any(ch.isdigit() for ch in text):
        branches += [by["phone"]]
    if not any(ch.isalnum() for ch in text):
        branches = list(by.values())
    return sa.or_(*branches)


def search_customers(
    session: Session,
    actor: Actor,
    *,
    q: str | None = None,
    field: str | None = None,
    city: str | None = None,
    country: str | None = None,
    segment: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page:
    """Find customers by name (either script), e-mail, phone or id (``field`` narrows to one), with filters.

    Names match anywhere, case-insensitively; ids match exactly; e-mail and phone match
    anywhere. Merged duplicates and erased customers are left out.
    """
    if field not in (None, "", "any", "name", "email", "phone", "id"):
        raise InputError(
            _("unknown search field {field}: use name, email, phone or id").format(field=field)
        )
    page = max(1, page)
    page_size = min(max(1, page_size), 200)
    conditions: list[Any] = [Customer.merged_into_id.is_(None), Customer.erased_at.is_(None)]
    text = (q or "").strip()
    if text:
        conditions.append(customer_match(text, field))
    if city:
        conditions.append(sa.func.lower(Customer.city) == city.strip().lower())
    if country:
        conditions.append(sa.func.lower(Customer.country) == country.strip().lower())
    if segment:
        conditions.append(
            sa.exists().where(
                ScoreSnapshot.customer_pk == Customer.id,
                ScoreSnapshot.metric == "rfm_segment",
                ScoreSnapshot.label == segment,
            )
        )
    total = session.scalar(sa.select(sa.func.count()).select_from(Customer).where(*conditions))
    rows = session.scalars(
        sa.select(Customer)
        .where(*conditions)
        .order_by(Customer.name, Customer.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    audit.record(
        session,
        actor,
        "read",
        "customer_search",
        None,
        detail={"q": text[:100], "field": field, "results": len(rows)},
    )
    session.commit()
    return Page(items=list(rows), total=int(total or 0), page=page, page_size=page_size)
