"""Building and sending a survey: questions from presets or typed, skip rules, batches, reminders.

A survey is built from preset instruments (NPS, CSAT, CES, ACSI, ECSI) and custom
questions, each with its scale, English and Chinese wording, whether it must be answered,
and a simple skip rule: "ask B only when A was answered ≤ n" (A must come before B).
:func:`visible_items` applies the rules to a set of answers, for the answer page and
for :func:`check_answers` when answers are stored.

Invitations go out in batches to the customers of a segment, a unit or a tag: each gets a
personal single-use link (the list is returned once, to download). Reminders give those
who have not answered a new link (the old one stops working, as only a link's hash is
kept, so a link can never be sent twice).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from patron.collect import audit, surveys
from patron.collect.roles import Actor
from patron.collect.store.models import (
    Customer,
    CustomerTag,
    ScoreSnapshot,
    Survey,
    SurveyInvitation,
    SurveyItem,
    Unit,
)
from patron.collect.survey_rules import check_answers, visible_items
from patron.collect.times import aware, now
from patron.collect.units import Scope, customer_in_scope, get_unit, subtree_pks
from patron.core import security
from patron.core.i18n import _
from patron.exceptions import InputError

__all__ = ["check_answers", "visible_items"]  # the skip rules, re-exported for the pages

PRESETS = ("NPS", "CSAT", "CES", "ACSI", "ECSI")
MAX_BATCH = 20_000
MAX_REMINDERS = 2


@dataclass
class ItemDraft:
    """One question as typed in the builder."""

    code: str
    text_en: str
    text_zh: str | None = None
    scale_min: float = 1
    scale_max: float = 5
    required: bool = False
    show_if_item: str | None = None
    show_if_max: float | None = None


@dataclass
class Draft:
    """A survey as typed in the builder, and the errors per field (``items.2.text_en`` …)."""

    code: str = ""
    name: str = ""
    presets: list[str] = field(default_factory=list)
    items: list[ItemDraft] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _number(text: str, default: float) -> float | None:
    text = (text or "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_draft(form: dict[str, Any]) -> Draft:
    """The builder form (``code``, ``name``, ``preset`` list, ``items.N.field``) as a draft."""
    draft = Draft(
        code=str(form.get("code") or "").strip(),
        name=str(form.get("name") or "").strip(),
        presets=[p for p in form.get("preset", []) if p],
    )
    if (
        not draft.code
        or len(draft.code) > 100
        or not all(c.isalnum() or c in "-_." for c in draft.code)
    ):
        draft.errors["code"] = _("code: 1 to 100 letters, digits, '-', '_' or '.'")
    if not draft.name or len(draft.name) > 200:
        draft.errors["name"] = _("name: 1 to 200 characters")
    for p in draft.presets:
        if p not in PRESETS:
            draft.errors["preset"] = _("preset: {value} is not one of {options}").format(
                value=p[:20], options=", ".join(PRESETS)
            )
    rows = sorted(
        {int(k.split(".")[1]) for k in form if k.startswith("items.") and k.split(".")[1].isdigit()}
    )
    for n in rows:

        def get(name: str, n: int = n) -> str:
            return str(form.get(f"items.{n}.{name}") or "").strip()

        if not (get("code") or get("text_en") or get("text_zh")):
            continue  # an empty row of the form
        key = f"items.{n}"
        low, high = _number(get("scale_min"), 1), _number(get("scale_max"), 5)
        limit = _number(get("show_if_max"), math.nan) if get("show_if_max") else None
        item = ItemDraft(
            code=get("code"),
            text_en=get("text_en"),
            text_zh=get("text_zh") or None,
            scale_min=low if low is not None else 1,
            scale_max=high if high is not None else 5,
            required=get("required") in ("on", "yes", "1", "true"),
            show_if_item=get("show_if_item") or None,
            show_if_max=limit,
        )
        if (
            not item.code
            or len(item.code) > 60
            or not all(c.isalnum() or c in "-_" for c in item.code)
        ):
            draft.errors[f"{key}.code"] = _(
                "question {n}: code of 1 to 60 letters or digits"
            ).format(n=n + 1)
        if not item.text_en or len(item.text_en) > 500:
            draft.errors[f"{key}.text_en"] = _(
                "question {n}: the English wording is required (≤ 500 characters)"
            ).format(n=n + 1)
        if low is None or high is None or not (low < high) or high - low > 100:
            draft.errors[f"{key}.scale"] = _(
                "question {n}: the scale needs a lowest below the highest (at most 100 points apart)"
            ).format(n=n + 1)
        if item.show_if_item and (limit is None or math.isnan(limit)):
            draft.errors[f"{key}.show_if_max"] = _(
                "question {n}: say up to which answer of {item} to ask it"
            ).format(n=n + 1, item=item.show_if_item)
        draft.items.append(item)
    specs = preset_specs(draft.presets)
    codes = [s.code for s in specs] + [i.code for i in draft.items]
    if len(set(codes)) != len(codes):
        draft.errors["items"] = _(
            "items: question codes must be unique (presets use NPS, CSAT, CES and the CSI codes)"
        )
    if not codes:
        draft.errors["items"] = _("items: choose a preset or write at least one question")
    scales = {s.code: (s.scale_min, s.scale_max) for s in specs}
    for n, item in enumerate(draft.items):
        if item.show_if_item is None:
            continue
        earlier = [s.code for s in specs] + [i.code for i in draft.items[:n]]
        if item.show_if_item not in earlier:
            draft.errors[f"items.{n}.show_if_item"] = _(
                "question {code}: the skip rule must name an earlier question"
            ).format(code=item.code)
        else:
            scales.setdefault(item.code, (item.scale_min, item.scale_max))
    return draft


def preset_specs(presets: list[str]) -> list[surveys.ItemSpec]:
    return [spec for p in presets if p in PRESETS for spec in surveys.preset_items(p)]


def preview_items(draft: Draft, lang: str) -> list[dict[str, Any]]:
    """The questions as the answer page shows them (for the builder's phone preview)."""
    out = [
        {
            "code": s.code,
            "text": s.text_zh if lang == "zh_CN" and s.text_zh else s.text_en,
            "scale_min": s.scale_min,
            "scale_max": s.scale_max,
            "required": False,
            "show_if_item": None,
            "show_if_max": None,
        }
        for s in preset_specs(draft.presets)
    ]
    out += [
        {
            "code": i.code,
            "text": i.text_zh if lang == "zh_CN" and i.text_zh else i.text_en,
            "scale_min": i.scale_min,
            "scale_max": i.scale_max,
            "required": i.required,
            "show_if_item": i.show_if_item,
            "show_if_max": i.show_if_max,
        }
        for i in draft.items
    ]
    return out


def build_survey(session: Session, actor: Actor, draft: Draft) -> Survey:
    """Create the survey the draft describes (refused, naming the field, when it has errors)."""
    if not draft.ok:
        raise InputError(next(iter(draft.errors.values())))
    kind = draft.presets[0] if len(draft.presets) == 1 and not draft.items else "custom"
    specs = [] if kind != "custom" else [s.__dict__ for s in preset_specs(draft.presets)]
    specs += [
        {
            "code": i.code,
            "text_en": i.text_en,
            "text_zh": i.text_zh,
            "scale_min": i.scale_min,
            "scale_max": i.scale_max,
            "construct": None,
        }
        for i in draft.items
    ]
    survey = surveys.create_survey(
        session, actor, code=draft.code, name=draft.name, kind=kind, items=specs or None
    )
    rules = {i.code: i for i in draft.items}
    for item in survey.items:
        rule = rules.get(item.code)
        if rule is not None:
            item.required = rule.required
            item.show_if_item = rule.show_if_item
            item.show_if_max = rule.show_if_max
    session.commit()
    return survey


# --- distribution --------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalLink:
    """One customer's single-use link (shown once: only its hash is stored)."""

    customer_id: str
    name: str | None
    email: str | None
    link: str


def audience(
    session: Session,
    *,
    segment: str | None = None,
    unit: str | None = None,
    tag: str | None = None,
) -> sa.Select:
    """The customers a batch goes to: live customers of a segment, a unit and/or a tag."""
    if not (segment or unit or tag):
        raise InputError(_("audience: choose a segment, a unit or a tag"))
    conditions: list[Any] = [Customer.merged_into_id.is_(None), Customer.erased_at.is_(None)]
    if segment:
        conditions.append(
            sa.exists().where(
                ScoreSnapshot.customer_pk == Customer.id,
                ScoreSnapshot.metric == "rfm_segment",
                ScoreSnapshot.label == segment,
            )
        )
    if unit:
        found = get_unit(session, unit)
        scope = Scope(code=found.code, name=found.name, unit_pks=subtree_pks(session, found))
        conditions.append(customer_in_scope(scope, Customer.id))
    if tag:
        conditions.append(
            sa.exists().where(CustomerTag.customer_pk == Customer.id, CustomerTag.tag == tag)
        )
    return sa.select(Customer).where(*conditions).order_by(Customer.id)


def invite_batch(
    session: Session,
    actor: Actor,
    survey_code: str,
    *,
    secret_key: str,
    base_url: str,
    segment: str | None = None,
    unit: str | None = None,
    tag: str | None = None,
    valid_days: int = 30,
) -> list[PersonalLink]:
    """A personal link for each customer of the audience who has no open invitation yet."""
    survey = surveys.get_survey(session, survey_code)
    if not survey.active:
        raise InputError(_("the survey {code} is closed").format(code=survey_code))
    moment = now()
    already = sa.select(SurveyInvitation.customer_pk).where(
        SurveyInvitation.survey_pk == survey.id,
        SurveyInvitation.customer_pk.is_not(None),
        sa.or_(SurveyInvitation.used_at.is_not(None), SurveyInvitation.expires_at > moment),
    )
    query = audience(session, segment=segment, unit=unit, tag=tag).where(
        Customer.id.notin_(already)
    )
    customers = session.scalars(query.limit(MAX_BATCH + 1)).all()
    if len(customers) > MAX_BATCH:
        raise InputError(
            _("audience: more than {n} customers; narrow it (a unit, a segment or a tag)").format(
                n=MAX_BATCH
            )
        )
    links: list[PersonalLink] = []
    rows = []
    for customer in customers:
        token = security.make_survey_token(secret_key, survey_code=survey.code)
        rows.append(
            {
                "survey_pk": survey.id,
                "customer_pk": customer.id,
                "unit_pk": customer.unit_pk,
                "token_hash": security.hash_token(token),
                "created_at": moment,
                "expires_at": moment + timedelta(days=valid_days),
                "channel": "batch",
                "reminders": 0,
            }
        )
        links.append(
            PersonalLink(
                customer.customer_id, customer.name, customer.email, f"{base_url}s/{token}"
            )
        )
    if rows:
        session.execute(sa.insert(SurveyInvitation.__table__), rows)
    audit.record(
        session,
        actor,
        "create",
        "survey_invitation",
        survey.code,
        detail={"batch": len(rows), "segment": segment, "unit": unit, "tag": tag},
    )
    session.commit()
    return links


def remind(
    session: Session,
    actor: Actor,
    survey_code: str,
    *,
    secret_key: str,
    base_url: str,
    after_days: int = 3,
) -> list[PersonalLink]:
    """New links for customers invited ≥ ``after_days`` ago who have not answered (at most twice)."""
    survey = surveys.get_survey(session, survey_code)
    moment = now()
    waiting = session.execute(
        sa.select(SurveyInvitation, Customer)
        .join(Customer, Customer.id == SurveyInvitation.customer_pk)
        .where(
            SurveyInvitation.survey_pk == survey.id,
            SurveyInvitation.used_at.is_(None),
            SurveyInvitation.expires_at > moment,
            SurveyInvitation.created_at <= moment - timedelta(days=after_days),
            SurveyInvitation.reminders < MAX_REMINDERS,
            Customer.erased_at.is_(None),
        )
        .order_by(SurveyInvitation.id)
        .limit(MAX_BATCH)
    ).all()
    links = []
    for invitation, customer in waiting:
        last = aware(invitation.reminded_at)
        if last is not None and last > moment - timedelta(days=after_days):
            continue
        token = security.make_survey_token(secret_key, survey_code=survey.code)
        invitation.token_hash = security.hash_token(token)
        invitation.reminded_at = moment
        invitation.reminders += 1
        links.append(
            PersonalLink(
                customer.customer_id, customer.name, customer.email, f"{base_url}s/{token}"
            )
        )
    audit.record(
        session, actor, "update", "survey_invitation", survey.code, detail={"reminded": len(links)}
    )
    session.commit()
    return links


def item_results(session: Session, survey: Survey, lang: str) -> list[dict[str, Any]]:
    """Per question: its words, scale, number of answers and mean (None when unanswered)."""
    summary = surveys.response_summary(session, survey.code)
    out = []
    for item in sorted(survey.items, key=lambda i: i.position):
        stats = summary["items"].get(item.code)
        out.append(
            {
                "code": item.code,
                "text": item.text_zh if lang == "zh_CN" and item.text_zh else item.text_en,
                "scale_min": item.scale_min,
                "scale_max": item.scale_max,
                "n": stats["n"] if stats else 0,
                "mean": stats["mean"] if stats else None,
                "required": item.required,
                "show_if_item": item.show_if_item,
                "show_if_max": item.show_if_max,
            }
        )
    return out


def item_by_code(survey: Survey) -> dict[str, SurveyItem]:
    return {item.code: item for item in survey.items}


def unit_choices(session: Session) -> list[tuple[str, str, str | None]]:
    """The units a batch can go to: (code, name, Chinese name), in tree order."""
    rows = session.execute(sa.select(Unit.code, Unit.name, Unit.name_zh).order_by(Unit.path)).all()
    return [(code, name, name_zh) for code, name, name_zh in rows]
