"""Asking customers: survey instruments, single-use invitation links, answers stored once.

Instruments come from presets (ACSI, ECSI, NPS, CSAT, CES, and the complaint follow-up
question) or from custom items mapped to constructs. An invitation is a signed token
(only its SHA-256 is stored) that expires and can be used once: the first submission
marks it used in the same transaction that stores the answers, so a double submit or a
replayed link is refused and no answer is ever stored twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from patron.collect import audit
from patron.collect.customers import get_customer
from patron.collect.errors import DuplicateError, NotFoundError, TokenError
from patron.collect.instruments import item_bank
from patron.collect.roles import SYSTEM, Actor
from patron.collect.store.models import (
    ComplaintEvent,
    Survey,
    SurveyInvitation,
    SurveyItem,
    SurveyResponse,
)
from patron.collect.survey_rules import check_answers
from patron.collect.times import aware, now
from patron.core import security
from patron.core.i18n import N_, _
from patron.core.vocabulary import CSAT_TOP_BOX_MIN, NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN
from patron.exceptions import InputError, shown

KINDS = ("ACSI", "ECSI", "NPS", "CSAT", "CES", "custom")


@dataclass(frozen=True)
class ItemSpec:
    """One question of an instrument: code, construct, wording (English, Chinese), scale."""

    code: str
    construct: str | None
    text_en: str
    text_zh: str | None
    scale_min: float = 1
    scale_max: float = 10


# Item wording is survey content stored with the instrument (both languages), not UI text.
NPS_ITEMS = (
    ItemSpec(
        "NPS",
        "nps",
        "How likely are you to recommend us to a friend or colleague?",
        "您向朋友或同事推荐我们的可能性有多大？",
        0,
        10,
    ),
)
CSAT_ITEMS = (
    ItemSpec(
        "CSAT",
        "satisfaction",
        "Overall, how satisfied are you with us?",
        "总体而言，您对我们满意吗？",
        1,
        5,
    ),
)
CES_ITEMS = (
    ItemSpec(
        "CES",
        "effort",
        "How easy was it to get what you needed from us today?",
        "今天从我们这里获得所需服务有多容易？",
        1,
        7,
    ),
)
FOLLOWUP_ITEMS = (
    ItemSpec(
        "FU1",
        "complaint_handling",
        "How satisfied are you with how we handled your complaint?",
        "您对我们处理您投诉的方式满意吗？",
        1,
        5,
    ),
)
BUILT_IN_SURVEYS = {
    "complaint-followup": (
        "CSAT",
        N_("Complaint follow-up"),
        FOLLOWUP_ITEMS,
    ),
}


def _csi_items(kind: str) -> tuple[ItemSpec, ...]:
    """ACSI/ECSI items of the standard instruments (codes and wording in both languages)."""
    return tuple(
        ItemSpec(
            code=item["code"],
            construct=item["construct"],
            text_en=item["text_en"],
            text_zh=item["text_zh"],
            scale_min=float(item["scale_min"]),
            scale_max=float(item["scale_max"]),
        )
        for item in item_bank(kind.lower()).to_dict(orient="records")
    )


def preset_items(kind: str) -> tuple[ItemSpec, ...]:
    """The items of a preset instrument."""
    kind = kind.upper()
    if kind == "NPS":
        return NPS_ITEMS
    if kind == "CSAT":
        return CSAT_ITEMS
    if kind == "CES":
        return CES_ITEMS
    if kind in ("ACSI", "ECSI"):
        return _csi_items(kind)
    raise InputError(
        _("unknown survey preset {kind}: use one of {options}").format(
            kind=kind, options=", ".join(KINDS)
        )
    )


def _item_spec(raw: dict[str, Any], position: int) -> ItemSpec:
    try:
        spec = ItemSpec(
            code=str(raw["code"]).strip(),
            construct=raw.get("construct"),
            text_en=str(raw["text_en"]).strip(),
            text_zh=raw.get("text_zh"),
            scale_min=float(raw.get("scale_min", 1)),
            scale_max=float(raw.get("scale_max", 10)),
        )
    except KeyError as exc:
        raise InputError(
            _("survey item {n}: required field {field} missing").format(
                n=position + 1, field=exc.args[0]
            )
        ) from exc
    if not spec.code or not spec.text_en:
        raise InputError(_("survey item {n}: code and text are required").format(n=position + 1))
    if spec.scale_min >= spec.scale_max:
        raise InputError(
            _("survey item {code}: the scale minimum must be below the maximum").format(
                code=spec.code
            )
        )
    return spec


def create_survey(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    kind: str = "custom",
    items: list[dict[str, Any]] | None = None,
    description: str | None = None,
) -> Survey:
    """Create an instrument from a preset (``kind``) or from custom ``items``.

    A preset may be extended with extra custom items (e.g. NPS plus a comment).
    """
    code = code.strip()
    if not code:
        raise InputError(_("the survey code is empty"))
    if kind not in KINDS:
        raise InputError(
            _("unknown survey kind {kind}: use one of {options}").format(
                kind=kind, options=", ".join(KINDS)
            )
        )
    if session.scalar(sa.select(Survey.id).where(Survey.code == code)) is not None:
        raise DuplicateError(_("a survey {code} already exists").format(code=code))
    specs = list(preset_items(kind)) if kind != "custom" else []
    specs += [_item_spec(raw, i) for i, raw in enumerate(items or [])]
    if not specs:
        raise InputError(_("a custom survey needs at least one item"))
    codes = [s.code for s in specs]
    if len(set(codes)) != len(codes):
        raise InputError(_("survey item codes must be unique"))
    survey = Survey(code=code, name=name.strip() or code, kind=kind, description=description)
    survey.items = [
        SurveyItem(
            code=s.code,
            construct=s.construct,
            text_en=s.text_en,
            text_zh=s.text_zh,
            scale_min=s.scale_min,
            scale_max=s.scale_max,
            position=i,
        )
        for i, s in enumerate(specs)
    ]
    session.add(survey)
    session.flush()
    audit.record(session, actor, "create", "survey", code, detail={"kind": kind})
    session.commit()
    return survey


def ensure_survey(session: Session, code: str) -> Survey:
    """A built-in survey (the complaint follow-up), created on first use."""
    survey = session.scalar(sa.select(Survey).where(Survey.code == code))
    if survey is not None:
        return survey
    kind, name, specs = BUILT_IN_SURVEYS[code]
    try:
        return create_survey(
            session,
            SYSTEM,
            code=code,
            name=name,
            kind="custom",
            items=[s.__dict__ for s in specs],
        )
    except (DuplicateError, IntegrityError):  # created by a concurrent request
        session.rollback()
        return get_survey(session, code)


def get_survey(session: Session, code: str) -> Survey:
    survey = session.scalar(sa.select(Survey).where(Survey.code == code))
    if survey is None:
        raise NotFoundError(_("no survey {code}").format(code=code))
    return survey


def list_surveys(session: Session) -> list[Survey]:
    return list(session.scalars(sa.select(Survey).order_by(Survey.code)))


def create_invitation(
    session: Session,
    actor: Actor,
    *,
    survey_code: str,
    secret_key: str,
    customer_id: str | None = None,
    channel: str | None = None,
    context: dict[str, Any] | None = None,
    valid_days: int = 30,
) -> tuple[SurveyInvitation, str]:
    """A single-use, expiring invitation; returns it and the token for the link (shown once)."""
    survey = get_survey(session, survey_code)
    if not survey.active:
        raise InputError(_("the survey {code} is closed").format(code=survey_code))
    if not 1 <= valid_days <= 365:
        raise InputError(_("an invitation is valid for 1 to 365 days"))
    customer = get_customer(session, customer_id, allow_erased=False) if customer_id else None
    token = security.make_survey_token(secret_key, survey_code=survey.code)
    invitation = SurveyInvitation(
        survey_pk=survey.id,
        customer_pk=customer.id if customer else None,
        token_hash=security.hash_token(token),
        expires_at=now() + timedelta(days=valid_days),
        channel=channel,
        context=context,
    )
    session.add(invitation)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "survey_invitation",
        invitation.id,
        customer_pk=invitation.customer_pk,
        detail={"survey": survey.code},
    )
    session.commit()
    return invitation, token


def open_invitation(
    session: Session, token: str, *, secret_key: str
) -> tuple[SurveyInvitation, Survey]:
    """The invitation and survey behind a link, or ``TokenError`` saying why it cannot be used."""
    check = security.read_survey_token(secret_key, token, max_age_s=None)
    if check.problem:
        raise TokenError(_("this survey link is not valid"), reason="invalid")
    invitation = session.scalar(
        sa.select(SurveyInvitation).where(SurveyInvitation.token_hash == security.hash_token(token))
    )
    if invitation is None:
        raise TokenError(_("this survey link is not valid"), reason="invalid")
    if invitation.used_at is not None:
        raise TokenError(
            _("this survey link has already been used: thank you, your answers are recorded"),
            reason="used",
        )
    if aware(invitation.expires_at) < now():
        raise TokenError(_("this survey link has expired"), reason="expired")
    survey = session.get(Survey, invitation.survey_pk)
    if survey is None or not survey.active:
        raise TokenError(_("this survey is closed"), reason="expired")
    return invitation, survey


def _answer_value(code: str, raw: Any, low: float, high: float) -> float:
    """A rating as a number, strictly: no text ("9"), no ``true``, no 7.5 on a whole-point scale.

    Callers that read text (the web form) convert it first; the library and the API
    take numbers only, so a value never changes type on the way in.
    """
    scale = f"{low:g}–{high:g}"
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InputError(
            _(
                "question {code}: {value} is not a number (answer with a number from {scale})"
            ).format(code=code, value=shown(raw), scale=scale)
        )
    value = float(raw)
    whole_scale = float(low).is_integer() and float(high).is_integer()
    if whole_scale and math.isfinite(value) and not value.is_integer():
        raise InputError(
            _(
                "question {code}: {value} is not a whole number (answer with a whole number from {scale})"
            ).format(code=code, value=raw, scale=scale)
        )
    return value


def _parse_answers(
    survey: Survey, answers: dict[str, Any]
) -> list[tuple[str, float | None, str | None]]:
    items = {item.code: item for item in survey.items}
    unknown = sorted(set(answers) - set(items))
    if unknown:
        raise InputError(
            _("unknown question {codes} in survey {survey}").format(
                codes=", ".join(unknown), survey=survey.code
            )
        )
    parsed: list[tuple[str, float | None, str | None]] = []
    for code, raw in answers.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        item = items[code]
        value = _answer_value(code, raw, item.scale_min, item.scale_max)
        if math.isnan(value) or not item.scale_min <= value <= item.scale_max:
            raise InputError(
                _("question {code}: answer {value} is outside {low}–{high}").format(
                    code=code, value=raw, low=f"{item.scale_min:g}", high=f"{item.scale_max:g}"
                )
            )
        parsed.append((code, value, None))
    if not parsed:
        raise InputError(_("no question was answered"))
    return parsed


def submit_response(
    session: Session,
    token: str,
    answers: dict[str, Any],
    *,
    secret_key: str,
    source: str = "web",
    comment: str | None = None,
) -> str:
    """Store the answers of one invitation exactly once; returns the response id.

    One transaction of three statements: claim the invitation with ``UPDATE … WHERE
    used_at IS NULL RETURNING …`` (of two concurrent submits exactly one claims it, the
    other gets ``TokenError`` with reason "used"), read the survey's items, insert all
    answers in one INSERT. Anything wrong after the claim (expired link, closed survey,
    bad answers) rolls the claim back, so the link stays usable.
    """
    if security.read_survey_token(secret_key, token, max_age_s=None).problem:
        raise TokenError(_("this survey link is not valid"), reason="invalid")
    moment = now()
    claimed = session.execute(
        _CLAIM_INVITATION, {"claim_hash": security.hash_token(token), "claim_at": moment}
    ).first()
    if claimed is None:
        session.rollback()
        open_invitation(session, token, secret_key=secret_key)  # raises: invalid, used …
        raise TokenError(  # claimed by a concurrent submit in between
            _("this survey link has already been used: thank you, your answers are recorded"),
            reason="used",
        )
    try:
        if aware(claimed.expires_at) < moment:
            raise TokenError(_("this survey link has expired"), reason="expired")
        rows = session.execute(_SURVEY_ITEMS, {"survey_pk": claimed.survey_pk}).all()
        if not rows or not rows[0].active:
            raise TokenError(_("this survey is closed"), reason="expired")
        items = [row for row in rows if row.code is not None]
        survey = SimpleNamespace(code=rows[0].survey_code, items=items)
        parsed = check_answers(items, _parse_answers(survey, answers))  # type: ignore[arg-type]
    except (TokenError, InputError):
        session.rollback()
        raise
    response_id = f"inv-{claimed.id}"
    context = claimed.context or {}
    source = "complaint-followup" if context.get("complaint_id") else source
    rows = [
        {
            "response_id": response_id,
            "survey_pk": claimed.survey_pk,
            "customer_pk": claimed.customer_pk,
            "invitation_pk": claimed.id,
            "responded_at": moment,
            "item_code": code,
            "value": value,
            "text_value": text,
            "source": source,
        }
        for code, value, text in parsed
    ]
    if comment and comment.strip():
        rows.append(
            {**rows[0], "item_code": "comment", "value": None, "text_value": comment.strip()[:4000]}
        )
    try:
        session.execute(sa.insert(SurveyResponse.__table__), rows)
        if context.get("complaint_id"):
            score = ", ".join(
                f"{code}={value:g}" for code, value, _t in parsed if value is not None
            )
            session.add(
                ComplaintEvent(
                    complaint_pk=int(context["complaint_id"]),
                    actor="customer",
                    kind="followup_answered",
                    note=score,
                    at=moment,
                )
            )
        session.commit()
    except IntegrityError as exc:  # the unique (response_id, item_code) key: never twice
        session.rollback()
        raise TokenError(
            _("this survey link has already been used: thank you, your answers are recorded"),
            reason="used",
        ) from exc
    return response_id


_invitations = SurveyInvitation.__table__
_CLAIM_INVITATION = (
    sa.update(_invitations)
    .where(
        _invitations.c.token_hash == sa.bindparam("claim_hash"),
        _invitations.c.used_at.is_(None),
    )
    .values(used_at=sa.bindparam("claim_at"))
    .returning(
        _invitations.c.id,
        _invitations.c.survey_pk,
        _invitations.c.customer_pk,
        _invitations.c.expires_at,
        _invitations.c.context,
    )
)
_SURVEY_ITEMS = (
    sa.select(
        Survey.__table__.c.code.label("survey_code"),
        Survey.__table__.c.active,
        SurveyItem.__table__.c.code,
        SurveyItem.__table__.c.scale_min,
        SurveyItem.__table__.c.scale_max,
        SurveyItem.__table__.c.required,
        SurveyItem.__table__.c.show_if_item,
        SurveyItem.__table__.c.show_if_max,
    )
    .select_from(Survey.__table__)
    .outerjoin(SurveyItem.__table__, SurveyItem.__table__.c.survey_pk == Survey.__table__.c.id)
    .where(Survey.__table__.c.id == sa.bindparam("survey_pk"))
    .order_by(SurveyItem.__table__.c.position)  # skip rules read the items in order
)


def survey_items(survey: Survey, lang: str) -> list[dict[str, Any]]:
    """The questions in the reader's language (English when no Chinese wording exists)."""
    return [
        {
            "code": item.code,
            "construct": item.construct,
            "text": (item.text_zh if lang == "zh_CN" and item.text_zh else item.text_en),
            "scale_min": item.scale_min,
            "scale_max": item.scale_max,
            "required": bool(item.required),
            "show_if_item": item.show_if_item,
            "show_if_max": item.show_if_max,
        }
        for item in survey.items
    ]


# The headline figure of each preset item: NPS as promoters − detractors (%), CSAT as the
# share of top-two-box answers (4–5 of 5), CES as the mean effort score (1–7).
HEADLINE_ITEMS = ("NPS", "CSAT", "CES")


def response_summary(session: Session, code: str) -> dict[str, Any]:
    """Counts, means per item and the headline figures (NPS, CSAT, CES).

    Every headline key is always present; it is ``None`` when the survey has no such item
    or nobody has answered it yet (a page shows that in words, never as a number).
    """
    survey = get_survey(session, code)
    r = SurveyResponse
    rows = session.execute(
        sa.select(r.item_code, sa.func.count(r.value), sa.func.avg(r.value))
        .where(r.survey_pk == survey.id, r.value.is_not(None))
        .group_by(r.item_code)
    ).all()
    responses = session.scalar(
        sa.select(sa.func.count(sa.distinct(r.response_id))).where(r.survey_pk == survey.id)
    )
    invitations = session.scalar(
        sa.select(sa.func.count())
        .select_from(SurveyInvitation)
        .where(SurveyInvitation.survey_pk == survey.id)
    )
    used = session.scalar(
        sa.select(sa.func.count())
        .select_from(SurveyInvitation)
        .where(SurveyInvitation.survey_pk == survey.id, SurveyInvitation.used_at.is_not(None))
    )
    codes = {item.code for item in survey.items}
    items = {code: {"n": int(n), "mean": float(mean)} for code, n, mean in rows}
    summary: dict[str, Any] = {
        "survey": survey.code,
        "responses": int(responses or 0),
        "invitations": int(invitations or 0),
        "invitations_used": int(used or 0),
        "response_rate": (int(used or 0) / int(invitations)) if invitations else None,
        "items": items,
        "has": {name: name in codes for name in HEADLINE_ITEMS},
        "nps": None,
        "csat": None,
        "ces": None,
    }
    if "NPS" in codes:
        summary["nps"] = _share_difference(
            session, survey.id, "NPS", top=NPS_PROMOTER_MIN, bottom=NPS_DETRACTOR_MAX
        )
    if "CSAT" in codes:
        csat = _share_difference(session, survey.id, "CSAT", top=CSAT_TOP_BOX_MIN, bottom=None)
        summary["csat"] = csat
    if "CES" in codes and "CES" in items:
        summary["ces"] = items["CES"]["mean"]
    return summary


def _share_difference(
    session: Session, survey_pk: int, item_code: str, *, top: float, bottom: float | None
) -> float | None:
    """Per cent of answers ≥ ``top`` minus per cent ≤ ``bottom`` (None when nobody answered)."""
    r = SurveyResponse
    low = sa.func.sum(sa.case((r.value <= bottom, 1), else_=0)) if bottom is not None else None
    columns = [sa.func.count(), sa.func.sum(sa.case((r.value >= top, 1), else_=0))]
    if low is not None:
        columns.append(low)
    counts = session.execute(
        sa.select(*columns).where(
            r.survey_pk == survey_pk, r.item_code == item_code, r.value.is_not(None)
        )
    ).one()
    n, high, *rest = (int(x or 0) for x in counts)
    if not n:
        return None
    return 100.0 * (high - (rest[0] if rest else 0)) / n
