"""Surveys: instruments from presets or custom items, invitations, response summaries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from patron.collect import surveys as service
from patron.collect.times import aware
from patron.serve.api.deps import Allowed, SessionDep, WorkspaceDep
from patron.serve.api.schemas import (
    ErrorBody,
    InvitationCreate,
    InvitationPublic,
    SurveyCreate,
    SurveyItemPublic,
    SurveyPublic,
    SurveySummary,
)

router = APIRouter(
    prefix="/surveys",
    tags=["surveys"],
    responses={code: {"model": ErrorBody} for code in (401, 403, 404, 409, 422)},
)
SurveyCode = Annotated[str, Path(min_length=1, max_length=100)]


def public(survey) -> SurveyPublic:  # type: ignore[no-untyped-def]
    return SurveyPublic(
        code=survey.code,
        name=survey.name,
        kind=survey.kind,
        active=survey.active,
        description=survey.description,
        items=[
            SurveyItemPublic(
                code=i.code,
                construct=i.construct,
                text_en=i.text_en,
                text_zh=i.text_zh,
                scale_min=i.scale_min,
                scale_max=i.scale_max,
            )
            for i in survey.items
        ],
    )


@router.get("", response_model=list[SurveyPublic])
def list_surveys(session: SessionDep, actor: Allowed("surveys:read")) -> list[SurveyPublic]:
    return [public(s) for s in service.list_surveys(session)]


@router.post("", response_model=SurveyPublic, status_code=201)
def create_survey(
    body: SurveyCreate, session: SessionDep, actor: Allowed("surveys:write")
) -> SurveyPublic:
    """Create an instrument from a preset (ACSI, ECSI, NPS, CSAT, CES) or custom items."""
    survey = service.create_survey(
        session,
        actor,
        code=body.code,
        name=body.name,
        kind=body.kind,
        description=body.description,
        items=[item.model_dump(by_alias=True) for item in body.items],
    )
    return public(survey)


@router.get("/{code}", response_model=SurveyPublic)
def read_survey(
    code: SurveyCode, session: SessionDep, actor: Allowed("surveys:read")
) -> SurveyPublic:
    return public(service.get_survey(session, code))


@router.get("/{code}/summary", response_model=SurveySummary)
def survey_summary(
    code: SurveyCode, session: SessionDep, actor: Allowed("surveys:read")
) -> SurveySummary:
    """Responses, invitations used, item means and the NPS."""
    return SurveySummary(**service.response_summary(session, code))


@router.post("/{code}/invitations", response_model=InvitationPublic, status_code=201)
def create_invitation(
    code: SurveyCode,
    body: InvitationCreate,
    request: Request,
    session: SessionDep,
    workspace: WorkspaceDep,
    actor: Allowed("surveys:write"),
) -> InvitationPublic:
    """A single-use link (valid ``valid_days``); the token is shown only in this answer."""
    invitation, token = service.create_invitation(
        session,
        actor,
        survey_code=code,
        customer_id=body.customer_id,
        channel=body.channel,
        valid_days=body.valid_days,
        secret_key=workspace.secret_key,
    )
    return InvitationPublic(
        id=invitation.id,
        survey=code,
        customer_id=body.customer_id,
        expires_at=aware(invitation.expires_at),
        token=token,
        link=f"{request.base_url}s/{token}",
    )
